"""Baselines for the MAP-EM tracker: plain per-frame EM, and two Stone Soup trackers.

- :func:`per_frame_em`: :class:`gmmlib.GaussianMixture` with a background in every frame on its
  own, told the true number of objects.
- :func:`stone_soup_gnn` and :func:`stone_soup_gmphd`: the open reference of the field, Stone Soup
  (``pip install stonesoup``, the ``stonesoup`` extra; imported only here, when called). Its
  point trackers take one detection per object, so each frame's points are clustered first
  (:func:`cluster_centroids`: single linkage at ``3 sigma``, clusters of ``min_cluster_size``
  points or more) and every centroid is a detection with its own measurement covariance
  ``R / n`` (``n`` its points). Both run Stone Soup's constant-velocity Kalman filter
  (``ConstantVelocity`` in each coordinate, the model of :mod:`gmmlib.tracking.motion`):

  - a global-nearest-neighbour tracker: ``MultiTargetTracker`` with ``GNNWith2DAssignment``
    over a Mahalanobis ``DistanceHypothesiser``, tracks confirmed by a
    ``MultiMeasurementInitiator`` after two updates and deleted after ``max_missed`` frames
    without one;
  - a GM-PHD filter: ``PointProcessMultiTargetTracker`` with ``PHDUpdater`` and a
    ``GaussianMixtureReducer`` (components below weight 1e-6 pruned, closer than Mahalanobis 2
    merged, at most 100 kept), a birth component covering the region, and the components of
    weight above 1/2 reported under their tags.

They are given the true sensor and motion parameters (``sigma``, ``q``, ``P_D``, clutter rate,
the speeds' spread), which favours them: gmmlib's tracker learns its own. Compared in
``notebooks/05_multi_object_tracking.ipynb`` and ``benchmarks/bench_tracking.py``.
"""

import datetime
import warnings

import numpy as np

from .._validation import check_random_state, check_scalar
from ..blas import single_threaded_blas
from ..exceptions import ConvergenceWarning
from ..mixture import GaussianMixture
from .tracker import birth_clusters, check_detections, cluster_means

#: Time between frames given to Stone Soup (its models use seconds; one frame is one second).
FRAME_TIME = datetime.timedelta(seconds=1)


def per_frame_em(detections, n_components, background_volume, *, covariance_type="full", random_state=None):
    """Baseline: plain EM in every frame on its own, with a background component.

    Frame ``t`` is fitted by :class:`gmmlib.GaussianMixture` with ``n_components[t]``
    components (at most the number of detections) and ``background_volume``, from a k-means++
    start; the estimated positions are the component means. No memory between frames, no prior.

    Parameters
    ----------
    detections : list of array-like of shape (n_detections_t, d)
    n_components : sequence of int
        Components per frame (for example the true number of objects, which favours the baseline).
    background_volume : float
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, default=None

    Returns
    -------
    positions : list of ndarray of shape (n_components_t, d)
    n_not_converged : int
        Frames in which EM stopped at ``max_iter`` (their ``ConvergenceWarning`` is counted here
        instead of being printed).

    Examples
    --------
    >>> import numpy as np
    >>> from gmmlib.tracking import per_frame_em
    >>> rng = np.random.default_rng(0)
    >>> frame = np.vstack([rng.normal([20, 20], 1, (30, 2)), rng.normal([70, 60], 1, (30, 2))])
    >>> positions, n_not_converged = per_frame_em([frame], [2], 1e4, random_state=0)
    >>> np.sort(positions[0].round(), axis=0), n_not_converged
    (array([[20., 20.],
           [70., 60.]]), 0)
    """
    frames = check_detections(detections)
    if len(n_components) != len(frames):
        raise ValueError(f"n_components must have one entry per frame ({len(frames)}), got {len(n_components)}")
    check_scalar(background_volume, "background_volume", float, minimum=0, include_minimum=False)
    rng = check_random_state(random_state)
    positions, n_not_converged = [], 0
    with single_threaded_blas():  # many small fits: spinning OpenBLAS threads would slow them several-fold
        for points, k in zip(frames, n_components):
            k = min(int(k), len(points))
            if k == 0:
                positions.append(np.empty((0, points.shape[1])))
                continue
            model = GaussianMixture(
                k, covariance_type=covariance_type, background_volume=background_volume, random_state=rng
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(points)
            n_not_converged += not model.converged_
            positions.append(model.means_)
    return positions, n_not_converged


def cluster_centroids(points, radius, min_cluster_size=2):
    """Single-linkage clusters of one frame's points: their centroids and sizes.

    Parameters
    ----------
    points : ndarray of shape (n_points, d)
    radius : float
        Points closer than this are linked.
    min_cluster_size : int, default=2
        Smaller clusters (most clutter) are dropped.

    Returns
    -------
    centroids : ndarray of shape (n_clusters, d)
    sizes : ndarray of int, shape (n_clusters,)
    """
    return cluster_means(points, birth_clusters(points, radius, min_cluster_size))


def _stone_soup_models(measurement_sigma, process_noise):
    from stonesoup.models.transition.linear import CombinedLinearGaussianTransitionModel, ConstantVelocity
    from stonesoup.predictor.kalman import KalmanPredictor
    from stonesoup.updater.kalman import KalmanUpdater

    # Stone Soup's ConstantVelocity rejects q = 0; a tiny q is the same model.
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(max(process_noise, 1e-12))] * 2)
    return KalmanPredictor(transition), KalmanUpdater(measurement_model=None)


def _frame_detections(points, timestamp, measurement_sigma, min_cluster_size):
    """Stone Soup detections: the frame's cluster centroids, each with covariance ``R / n``."""
    from stonesoup.models.measurement.linear import LinearGaussian
    from stonesoup.types.detection import Detection

    centroids, sizes = cluster_centroids(points, 3 * measurement_sigma, min_cluster_size)
    return {
        Detection(
            centroid.reshape(2, 1),
            timestamp=timestamp,
            measurement_model=LinearGaussian(4, (0, 2), measurement_sigma**2 / size * np.eye(2)),
        )
        for centroid, size in zip(centroids, sizes)
    }


def _run_stone_soup(tracker, frames, measurement_sigma, min_cluster_size, current_states):
    """Feed the frames to a Stone Soup tracker; per frame, the ids and positions it reports."""
    start = datetime.datetime(2000, 1, 1)
    identities, track_ids, track_positions = {}, [], []
    with single_threaded_blas():
        for t, points in enumerate(frames):
            timestamp = start + t * FRAME_TIME
            tracker.update_tracker(timestamp, _frame_detections(points, timestamp, measurement_sigma, min_cluster_size))
            # Stone Soup's keys are random UUIDs: order the states by position, so that the numbers given
            # to new identities do not depend on them.
            states = sorted(current_states(tracker, timestamp), key=lambda pair: tuple(np.ravel(pair[1].state_vector)))
            ids = [identities.setdefault(key, len(identities)) for key, _ in states]
            track_ids.append(np.array(ids, dtype=int))
            positions = [np.asarray(state.state_vector, dtype=float).ravel()[[0, 2]] for _, state in states]
            track_positions.append(np.array(positions).reshape(-1, 2))
    return track_ids, track_positions


def _check_frames_2d(detections):
    frames = check_detections(detections)
    if frames[0].shape[1] != 2:
        raise ValueError(f"detections must have 2 columns for the Stone Soup baselines, got {frames[0].shape[1]}")
    return frames


def stone_soup_gnn(
    detections,
    *,
    measurement_sigma,
    process_noise,
    velocity_sigma,
    gate=3.0,
    max_missed=3,
    min_cluster_size=2,
):
    """Stone Soup's global-nearest-neighbour Kalman tracker on the frames' cluster centroids.

    Parameters
    ----------
    detections : list of array-like of shape (n_detections_t, 2)
    measurement_sigma : float
        The sensor's spread per point (true value).
    process_noise : float
        ``q`` of the constant-velocity model (true value).
    velocity_sigma : float
        Prior standard deviation of a new track's velocity per coordinate (e.g. the largest speed).
    gate : float, default=3.0
        Mahalanobis distance beyond which a detection cannot update a track.
    max_missed : int, default=3
        A track is deleted after this many frames without an update.
    min_cluster_size : int, default=2
        Clusters of fewer points are not given to the tracker (:func:`cluster_centroids`).

    Returns
    -------
    track_ids : list of ndarray of int
    track_positions : list of ndarray of shape (n_tracks_t, 2)
        The confirmed tracks' positions (predicted where a track missed the frame).
    """
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeStepsDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.state import GaussianState

    frames = _check_frames_2d(detections)
    predictor, updater = _stone_soup_models(measurement_sigma, process_noise)
    associator = GNNWith2DAssignment(DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=gate))
    prior = GaussianState(np.zeros((4, 1)), np.diag([0.0, velocity_sigma**2, 0.0, velocity_sigma**2]))
    initiator = MultiMeasurementInitiator(
        prior_state=prior,
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=2),
        data_associator=associator,
        updater=updater,
        min_points=2,
    )
    tracker = MultiTargetTracker(
        initiator=initiator,
        deleter=UpdateTimeStepsDeleter(time_steps_since_update=max_missed),
        detector=None,
        data_associator=associator,
        updater=updater,
    )
    return _run_stone_soup(
        tracker,
        frames,
        measurement_sigma,
        min_cluster_size,
        lambda tracker, _: [(track.id, track.state) for track in tracker.tracks],
    )


def stone_soup_gmphd(
    detections,
    region,
    *,
    measurement_sigma,
    process_noise,
    velocity_sigma,
    clutter_rate,
    detection_probability,
    points_per_object,
    survival_probability=0.99,
    birth_rate=0.1,
    gate=3.0,
    min_cluster_size=2,
):
    """Stone Soup's GM-PHD filter on the frames' cluster centroids.

    Parameters
    ----------
    detections : list of array-like of shape (n_detections_t, 2)
    region : array-like of shape (2, 2)
        ``[[x_min, x_max], [y_min, y_max]]``: the birth component covers it, and the clutter
        density is the rate over its area.
    measurement_sigma, process_noise, velocity_sigma : float
        As in :func:`stone_soup_gnn`.
    clutter_rate : float
        True clutter points per frame. The filter is told the rate of the clutter *clusters* it
        sees: all clutter points for ``min_cluster_size=1``; else the expected number of clutter
        pairs closer than ``3 sigma``, ``lambda_c^2 pi (3 sigma)^2 / (2 A)`` (sparse clutter in an
        area ``A``), at least 0.01 per frame.
    detection_probability, points_per_object : float
        True ``P_D`` and ``lambda``: an object gives a cluster with probability
        ``P_D P(Poisson(lambda) >= min_cluster_size)``.
    survival_probability : float, default=0.99
    birth_rate : float, default=0.1
        Expected births per frame (the birth component's weight).
    gate : float, default=3.0
        Mahalanobis gate of the hypothesiser.
    min_cluster_size : int, default=2

    Returns
    -------
    track_ids : list of ndarray of int
        Tags of the components of weight above 1/2, numbered in order of appearance.
    track_positions : list of ndarray of shape (n_tracks_t, 2)
    """
    from scipy.stats import poisson
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.hypothesiser.gaussianmixture import GaussianMixtureHypothesiser
    from stonesoup.measures import Mahalanobis
    from stonesoup.mixturereducer.gaussianmixture import GaussianMixtureReducer
    from stonesoup.tracker.pointprocess import PointProcessMultiTargetTracker
    from stonesoup.types.state import TaggedWeightedGaussianState
    from stonesoup.updater.pointprocess import PHDUpdater

    frames = _check_frames_2d(detections)
    region = np.asarray(region, dtype=float)
    area = float(np.prod(region[:, 1] - region[:, 0]))
    predictor, updater = _stone_soup_models(measurement_sigma, process_noise)
    cluster_probability = detection_probability * poisson.sf(min_cluster_size - 1, points_per_object)
    radius = 3 * measurement_sigma
    cluster_rate = clutter_rate if min_cluster_size <= 1 else clutter_rate**2 * np.pi * radius**2 / (2 * area)
    phd_updater = PHDUpdater(
        updater,
        clutter_spatial_density=max(cluster_rate, 0.01) / area,
        prob_detection=cluster_probability,
        prob_survival=survival_probability,
    )
    hypothesiser = GaussianMixtureHypothesiser(
        DistanceHypothesiser(predictor, updater, Mahalanobis(), missed_distance=gate), order_by_detection=True
    )
    centre, size = region.mean(axis=1), region[:, 1] - region[:, 0]
    birth = TaggedWeightedGaussianState(
        np.array([[centre[0]], [0.0], [centre[1]], [0.0]]),
        np.diag([size[0] ** 2, velocity_sigma**2, size[1] ** 2, velocity_sigma**2]),
        weight=birth_rate,
        tag=TaggedWeightedGaussianState.BIRTH,
        timestamp=datetime.datetime(2000, 1, 1),
    )
    tracker = PointProcessMultiTargetTracker(
        detector=None,
        hypothesiser=hypothesiser,
        updater=phd_updater,
        reducer=GaussianMixtureReducer(prune_threshold=1e-6, merge_threshold=4.0, max_number_components=100),
        extraction_threshold=0.5,
        birth_component=birth,
    )
    return _run_stone_soup(
        tracker,
        frames,
        measurement_sigma,
        min_cluster_size,
        _strongest_per_tag,
    )


def _strongest_per_tag(tracker, _):
    """The GM-PHD's extracted components, one per tag (the heaviest), as ``(tag, state)`` pairs."""
    strongest = {}
    for component in tracker.extracted_target_states:
        if component.tag not in strongest or component.weight > strongest[component.tag].weight:
            strongest[component.tag] = component
    return list(strongest.items())
