"""Tracking several objects from point detections with EM: a MAP-EM tracker that learns its model.

Each frame, the detections ``z_1..z_n`` are modelled as a mixture of one Gaussian per track,
``N(z | mu_k, R)`` with ``R = sigma^2 I`` the spread of an object's points, plus a uniform clutter
component of density ``1 / V`` (the background column of :func:`gmmlib.e_step`):

    p(z) = pi_0 / V + sum_k pi_k N(z | mu_k, R).

:func:`map_em_frame` runs EM on one frame (:func:`gmmlib.em_loop.run_em` with
:func:`frame_e_step` and :func:`frame_m_step`) with a Gaussian prior on every mean, the
constant-velocity Kalman prediction of its track: the E-step is :func:`gmmlib.e_step`'s equation,
the weights start afresh each frame (so no component starves), and the MAP mean is a Kalman
update whose measurement is the responsibility-weighted mean ``zbar_k`` with covariance
``R / N_k`` (:func:`gmmlib.tracking.motion.kalman_update_weighted_mean`). :class:`EMTracker` adds
an existence probability per track (Bernoulli-filter style), births from detections no component
explains, and learns the model (``R``, the process noise, the clutter rate, the points per
object, the detection probability and the newborns' velocity spread) by EM over the sequence
(:mod:`gmmlib.tracking.learning`).

Derived and evaluated in ``notebooks/05_multi_object_tracking.ipynb``.
"""

import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.stats import chi2

from .._validation import check_scalar
from ..blas import single_threaded_blas
from ..em_loop import run_em
from ..gaussian import LOG_2PI
from . import learning
from ._checks import check_points, check_probability
from .motion import constant_velocity_model, kalman_predict, kalman_update_weighted_mean
from .scenario import paths_by_identity


# -- one frame: MAP-EM ---------------------------------------------------------------------------------
@dataclass
class FrameFit:
    """The result of :func:`map_em_frame` on one frame.

    Attributes
    ----------
    state_means : ndarray of shape (n_tracks, 2 d)
        MAP states ``(p, v)``; the component means are ``state_means[:, :d]``.
    state_covariances : ndarray of shape (n_tracks, 2 d, 2 d)
        Their Kalman posterior covariances.
    weights : ndarray of shape (n_tracks + 1,)
        Mixing weights, the background's last; the tracks' are equal.
    resp : ndarray of shape (n_detections, n_tracks + 1)
        Responsibilities at the returned means, the background column last.
    log_component_density : ndarray of shape (n_detections, n_tracks)
        ``log N(z_i | mu_k, R)`` at the returned means.
    objective : list of float
        Log-posterior ``sum_i log p(z_i) + sum_k log N(mu_k | H m_k, H P_k H^T)`` at each E-step;
        MAP-EM never decreases it.
    measurement_covariance : ndarray of shape (d, d)
        ``R``, every component's covariance (what a plot of the frame needs).
    """

    state_means: np.ndarray
    state_covariances: np.ndarray
    weights: np.ndarray
    resp: np.ndarray
    log_component_density: np.ndarray
    objective: list
    measurement_covariance: np.ndarray

    @property
    def positions(self):
        """The component means ``H x_k``, of shape (n_tracks, d)."""
        return self.state_means[:, : len(self.measurement_covariance)]


@dataclass
class PositionPrior:
    """The Kalman prior ``N(m_k, S_k)`` of each component's mean, factorised ``S_k = L_k L_k^T`` once per frame.

    Attributes
    ----------
    means : ndarray of shape (n_tracks, d)
        The predicted positions ``H m_k``.
    lower : ndarray of shape (n_tracks, d, d)
        Cholesky factors ``L_k`` of ``S_k = H P_k H^T``.
    log_det : ndarray of shape (n_tracks,)
        ``log det S_k``.
    """

    means: np.ndarray
    lower: np.ndarray
    log_det: np.ndarray

    @classmethod
    def from_prediction(cls, predicted_means, predicted_covariances, n_position):
        lower = np.linalg.cholesky(predicted_covariances[:, :n_position, :n_position])
        log_det = 2 * np.sum(np.log(np.diagonal(lower, axis1=1, axis2=2)), axis=1)
        return cls(predicted_means[:, :n_position], lower, log_det)


def log_prior_density(positions, prior):
    """``sum_k log N(mu_k | m_k, S_k)``: the log-prior of the component means.

    Through the Cholesky factors ``S_k = L_k L_k^T`` of :class:`PositionPrior`, batched over
    components (the matrices are small and many, so one numpy call beats a loop).

    Parameters
    ----------
    positions : ndarray of shape (n_tracks, d)
    prior : PositionPrior
    """
    whitened = np.linalg.solve(prior.lower, (positions - prior.means)[:, :, None])[:, :, 0]
    n_position = positions.shape[1]
    return float(-0.5 * np.sum(n_position * LOG_2PI + prior.log_det + np.einsum("kj,kj->k", whitened, whitened)))


def log_measurement_density(detections, positions, measurement_whitener, log_det_measurement):
    """``log N(z_i | mu_k, R)`` for every detection and track, from ``W`` with ``W^T R W = I``.

    The squared whitened distances are expanded, ``|a|^2 + |b|^2 - 2 a.b`` (one matrix product,
    several times faster than the differences), about the frame's mean detection: the rounding
    error of a squared distance is then about ``1e-16`` times the frame's squared extent in units of
    ``sigma``, negligible unless a frame spans millions of ``sigma``.
    """
    centre = detections.mean(axis=0) if len(detections) else np.zeros(detections.shape[1])
    whitened_detections = (detections - centre) @ measurement_whitener
    whitened_positions = (positions - centre) @ measurement_whitener
    squared = (
        np.einsum("nd,nd->n", whitened_detections, whitened_detections)[:, None]
        + np.einsum("kd,kd->k", whitened_positions, whitened_positions)[None]
        - 2 * whitened_detections @ whitened_positions.T
    )
    # -0.5 (d log 2 pi + log det R + max(squared, 0)), in place (a frame's E-step calls this ~13 times).
    log_density = np.maximum(squared, 0.0, out=squared)
    log_density += detections.shape[1] * LOG_2PI + log_det_measurement
    log_density *= -0.5
    return log_density


#: Below this, ``exp`` is exactly 0 in float64 (half the smallest subnormal rounds to 0).
LOG_UNDERFLOW = float(np.log(np.finfo(np.float64).smallest_subnormal)) - 1.0


def _logaddexp(a, b):
    """``np.logaddexp(a, b)``, bit for bit, evaluated only where neither term is lost in the other.

    Where ``|a - b| > -LOG_UNDERFLOW``, ``exp(-|a - b|)`` is exactly 0 and ``log(e^a + e^b)`` is
    ``max(a, b)``. A frame's tables are mostly such pairs (a detection is far from most tracks), on
    which ``exp`` would take its slow underflow path.
    """
    a, b = np.broadcast_arrays(a, b)
    result = np.maximum(a, b)
    with np.errstate(invalid="ignore"):  # -inf - -inf: both terms 0, the maximum is right
        close = np.abs(a - b) <= -LOG_UNDERFLOW
    result[close] = np.logaddexp(a[close], b[close])
    return result


def _normalise_rows(log_values):
    """``log sum_k exp(a_ik)`` per row and the normalised ``exp(a_ik) / sum_k exp(a_ik)``.

    One exponential per entry, shifted by the row's maximum (a row of -inf gives -inf and zeros).
    Most entries of a frame are far below their row's maximum (a detection is near few tracks):
    they are left at their exact value 0 instead of passing through ``exp``, whose underflow path
    is many times slower than its ordinary one.
    """
    top = np.max(log_values, axis=1, initial=-np.inf)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = log_values - top[:, None]
    normalised = np.zeros_like(shifted)
    np.exp(shifted, out=normalised, where=shifted > LOG_UNDERFLOW)
    sums = normalised.sum(axis=1)
    normalised /= np.where(sums > 0, sums, 1.0)[:, None]  # a row of zeros stays zeros
    with np.errstate(divide="ignore"):
        return np.log(sums) + top, normalised


@dataclass
class MeasurementModel:
    """``R`` and the quantities every E-step needs from it, computed once per tracking pass."""

    covariance: np.ndarray
    whitener: np.ndarray
    log_det: float

    @classmethod
    def from_covariance(cls, covariance):
        covariance = np.asarray(covariance, dtype=np.float64)
        lower = np.linalg.cholesky(covariance)
        whitener = np.linalg.inv(lower).T
        return cls(covariance, whitener, float(2 * np.sum(np.log(np.diag(lower)))))


def frame_e_step(detections, state, measurement, log_background, prior):
    """E-step of one frame: responsibilities and the log-posterior at ``state``.

    ``gamma_ik = pi_k N(z_i | mu_k, R) / p(z_i)``, the background's ``pi_0 / V / p(z_i)`` last.

    Parameters
    ----------
    detections : ndarray of shape (n_detections, d)
    state : tuple (state_means, state_covariances, weights)
    measurement : MeasurementModel
    log_background : float
        ``-log V``.
    prior : PositionPrior
        The predicted positions and their covariances ``H P H^T``: the prior of the means.

    Returns
    -------
    statistics : tuple (resp, log_component_density)
    objective : float
        ``sum_i log p(z_i) + sum_k log N(mu_k | H m_k, H P_k H^T)``.
    """
    state_means, _, weights = state
    positions = state_means[:, : detections.shape[1]]
    log_component_density = log_measurement_density(detections, positions, measurement.whitener, measurement.log_det)
    log_joint = np.empty((len(detections), len(weights)))
    log_joint[:, :-1], log_joint[:, -1] = log_component_density, log_background
    with np.errstate(divide="ignore"):  # a weight of 0 is a column that explains nothing
        log_joint += np.log(weights)
    log_density, resp = _normalise_rows(log_joint)
    objective = float(log_density.sum()) + log_prior_density(positions, prior)
    return (resp, log_component_density), objective


def frame_m_step(detections, resp, predicted_means, predicted_covariances, measurement_covariance):
    """M-step of one frame: the MAP states by Kalman updates, the background weight ``N_0 / n``.

    The tracks share ``1 - pi_0`` equally: every object gives the same expected number of points,
    so this is the maximiser under that constraint; weights learned one by one let one of two
    overlapping components take every point and starve the other (a track lost at a crossing).

    Returns
    -------
    state : tuple (state_means, state_covariances, weights)
    """
    n_tracks = len(predicted_means)
    counts = resp.sum(axis=0)
    eps = 10 * np.finfo(np.float64).eps  # keeps both parts of the weights positive
    background_weight = (counts[-1] + eps) / (len(detections) + 2 * eps)
    weights = np.append(np.full(n_tracks, (1 - background_weight) / max(n_tracks, 1)), background_weight)
    state_means, state_covariances = kalman_update_weighted_mean(
        predicted_means,
        predicted_covariances,
        counts[:n_tracks],
        resp[:, :n_tracks].T @ detections,
        measurement_covariance,
    )
    return state_means, state_covariances, weights


def map_em_frame(
    detections,
    predicted_means,
    predicted_covariances,
    measurement_covariance,
    background_volume,
    max_iter=50,
    tol=1e-6,
    start_positions=None,
    measurement=None,
):
    """EM on one frame with a uniform background and a Kalman prior on each component's mean.

    Starts from the predicted positions (or ``start_positions``) and equal weights
    ``1 / (n_tracks + 1)``, then alternates :func:`frame_e_step` and :func:`frame_m_step` in
    :func:`gmmlib.em_loop.run_em`; a last E-step gives the responsibilities at the returned means.
    The component covariance stays ``R``.

    No input checks: the tracker calls this thousands of times on small arrays.

    Parameters
    ----------
    detections : ndarray of shape (n_detections, d)
    predicted_means : ndarray of shape (n_tracks, 2 d)
    predicted_covariances : ndarray of shape (n_tracks, 2 d, 2 d)
    measurement_covariance : ndarray of shape (d, d)
        ``R``.
    background_volume : float
        ``V``.
    max_iter : int, default=50
        Maximum number of M-steps.
    tol : float, default=1e-6
        Stop when the objective per detection changes by less than ``tol``.
    start_positions : ndarray of shape (n_tracks, d) or None, default=None
        Where EM starts; the predicted positions when None.
    measurement : MeasurementModel or None, default=None
        ``R`` factorised, if already computed (a tracker factorises it once, not every frame).

    Returns
    -------
    FrameFit

    Examples
    --------
    Two points near a track predicted at the origin, one far away (clutter):

    >>> import numpy as np
    >>> from gmmlib.tracking import map_em_frame
    >>> detections = np.array([[0.9, 0.1], [1.1, -0.1], [40.0, 40.0]])
    >>> fit = map_em_frame(detections, np.zeros((1, 4)), np.eye(4)[None], np.eye(2) * 0.1, 1e4)
    >>> fit.positions.round(2), fit.resp[:, -1].round(3)
    (array([[0.95, 0.  ]]), array([0., 0., 1.]))
    """
    n_detections, n_position = detections.shape[0], len(measurement_covariance)
    measurement = MeasurementModel.from_covariance(measurement_covariance) if measurement is None else measurement
    prior = PositionPrior.from_prediction(predicted_means, predicted_covariances, n_position)
    log_background = -np.log(background_volume)
    start_means = predicted_means.copy()
    if start_positions is not None:
        start_means[:, :n_position] = start_positions
    start = (start_means, predicted_covariances, np.full(len(predicted_means) + 1, 1.0 / (len(predicted_means) + 1)))

    def e_step(state):
        return frame_e_step(detections, state, measurement, log_background, prior)

    def m_step(statistics, state):
        return frame_m_step(detections, statistics[0], predicted_means, predicted_covariances, measurement.covariance)

    run = run_em(e_step, m_step, start, max_iter=max_iter if n_detections else 0, tol=tol * n_detections)
    (resp, log_component_density), objective = e_step(run.parameters)
    state_means, state_covariances, weights = run.parameters
    return FrameFit(
        state_means,
        state_covariances,
        weights,
        resp,
        log_component_density,
        [*run.lower_bounds, objective],
        measurement.covariance,
    )


# -- existence and births ------------------------------------------------------------------------------
def birth_clusters(points, radius, min_points):
    """Groups of points linked by distances of at most ``radius``, of at least ``min_points`` points.

    Parameters
    ----------
    points : ndarray of shape (n_points, d)
    radius : float
    min_points : int

    Returns
    -------
    clusters : list of ndarray of int
        Row indices into ``points``, one array per cluster, in order of their first point.
    """
    if len(points) < min_points:
        return []
    pairs = cKDTree(points).query_pairs(radius, output_type="ndarray")
    adjacency = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(points),) * 2)
    _, labels = connected_components(adjacency.tocsr(), directed=False)
    sizes = np.bincount(labels)
    return [np.flatnonzero(labels == label) for label in np.unique(labels) if sizes[label] >= min_points]


def cluster_means(points, clusters):
    """The centroids, of shape (n_clusters, d), and the sizes of the clusters of :func:`birth_clusters`."""
    centroids = np.array([points[c].mean(axis=0) for c in clusters]).reshape(-1, points.shape[1])
    return centroids, np.array([len(c) for c in clusters], dtype=int)


def extended_object_log_ratio(log_density, log_rest, points_per_object, detection_probability):
    """Log-likelihood ratio of "one more object here" against "only the rest", per column.

    A present object is detected with probability ``P_D`` and then gives ``Poisson(lambda)``
    points from ``N(mu, R)``; everything else (clutter, other objects) is a Poisson process of
    intensity ``rho(z)``. The ratio of the two Poisson likelihoods of a frame is

        L = 1 - P_D + P_D exp(-lambda) prod_i (1 + lambda N(z_i | mu, R) / rho(z_i)):

    an empty neighbourhood gives ``1 - P_D + P_D e^{-lambda} < 1``; every point close to ``mu``
    multiplies the second term by a large factor, a point far away by about 1.

    Parameters
    ----------
    log_density : ndarray of shape (n_detections, n_hypotheses)
        ``log N(z_i | mu_k, R)`` for each hypothesised object ``k``.
    log_rest : ndarray of shape (n_detections, n_hypotheses)
        ``log rho_k(z_i)``, the intensity of everything else.
    points_per_object : float
        ``lambda``.
    detection_probability : float
        ``P_D``.

    Returns
    -------
    log_ratio : ndarray of shape (n_hypotheses,)
    """
    with np.errstate(divide="ignore"):  # P_D = 1: an undetected object is impossible, log 0 = -inf
        log_miss = np.log1p(-detection_probability)
        log_detect = np.log(detection_probability) - points_per_object
    gain = np.sum(_logaddexp(0.0, np.log(points_per_object) + log_density - log_rest), axis=0)
    return np.logaddexp(log_miss, log_detect + gain)


def log_track_intensity(fit, existence, model):
    """``log(r_j P_D lambda N(z_i | mu_j, R))``: the expected intensity of each track's detections."""
    with np.errstate(divide="ignore"):  # a track of existence 0
        return fit.log_component_density + np.log(existence * model.detection_probability * model.points_per_object)


def log_existence_ratio(fit, existence, model, background_volume):
    """:func:`extended_object_log_ratio` of every track of a fitted frame.

    The rest, for track ``k``, is the clutter ``lambda_c / V`` plus every other track's
    :func:`log_track_intensity`: points that another track is expected to give count little, so of
    two tracks on one object the weaker loses existence, while two objects crossing give twice the
    points and keep both. The sums over the other tracks are exclusive prefix and suffix sums (no
    subtraction, so nothing cancels), in ``O(n K)``, of the intensities scaled by each detection's
    largest, as in :func:`_normalise_rows`; the clutter is added in log space. A term lost to
    underflow is ``e^-745`` times that largest, negligible beside the clutter unless ``V / sigma^d``
    is of the order of ``1e300``.

    Parameters
    ----------
    fit : FrameFit
        The frame's fitted mixture (:func:`map_em_frame`).
    existence : ndarray of shape (n_tracks,)
        The tracks' predicted existence probabilities ``r_j``.
    model : TrackingModel
    background_volume : float
        ``V``.

    Returns
    -------
    log_ratio : ndarray of shape (n_tracks,)
    """
    log_tracks = log_track_intensity(fit, existence, model)
    if log_tracks.shape[1] == 0:
        return np.empty(0)
    top = np.max(log_tracks, axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = log_tracks - top[:, None]
    scaled = np.zeros_like(shifted)
    np.exp(shifted, out=scaled, where=shifted > LOG_UNDERFLOW)
    before, after = np.zeros_like(scaled), np.zeros_like(scaled)  # sum_{j < k} and sum_{j > k}
    before[:, 1:] = np.cumsum(scaled[:, :-1], axis=1)
    after[:, :-1] = np.cumsum(scaled[:, :0:-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore"):  # no other track near a detection: log 0, the clutter alone
        log_others = np.log(before + after) + top[:, None]
    log_rest = _logaddexp(log_others, np.log(model.clutter_rate / background_volume))
    return extended_object_log_ratio(
        fit.log_component_density, log_rest, model.points_per_object, model.detection_probability
    )


def _logistic(log_odds):
    """``1 / (1 + exp(-x))`` without overflow warnings."""
    return np.exp(-np.logaddexp(0.0, -log_odds))


def _log_odds(probability):
    with np.errstate(divide="ignore"):
        return np.log(probability) - np.log1p(-probability)


# -- the tracker ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrackingModel:
    """The parameters of the tracker's model, given or learned; checked when made.

    Attributes
    ----------
    measurement_variance : float
        ``sigma^2 > 0``: ``R = sigma^2 I``.
    process_noise : float
        ``q >= 0`` of :func:`gmmlib.tracking.motion.constant_velocity_model`.
    clutter_rate : float
        ``lambda_c > 0``, the mean number of clutter detections per frame.
    points_per_object : float
        ``lambda > 0``, the mean number of detections of a detected object.
    detection_probability : float
        ``P_D`` in (0, 1].
    birth_velocity_variance : float
        ``sigma_v^2 > 0``, the prior variance of a newborn's velocity per coordinate.
    survival_probability : float
        ``p_S`` in (0, 1], the probability that an object present in a frame is still present in the next.

    Raises
    ------
    ValueError, TypeError
        If a parameter is not a finite real number in its range.
    """

    measurement_variance: float
    process_noise: float
    clutter_rate: float
    points_per_object: float
    detection_probability: float
    birth_velocity_variance: float
    survival_probability: float

    def __post_init__(self):
        for name in self.__dataclass_fields__:
            check_model_parameter(getattr(self, name), name)


def check_model_parameter(value, name):
    """A parameter of the model, in :class:`TrackingModel`'s or :class:`EMTracker`'s name.

    ``q >= 0``; the probabilities in (0, 1]; the others (variances, sigmas, rates) > 0.
    """
    if name == "process_noise":
        return check_scalar(value, name, float, minimum=0)
    if name.endswith("probability"):
        return check_probability(value, name)
    return check_scalar(value, name, float, minimum=0, include_minimum=False)


#: The tracker's public name (``EMTracker`` argument and fitted attribute) of each :class:`TrackingModel` field.
PARAMETER_NAMES = {
    "measurement_variance": "measurement_sigma",
    "process_noise": "process_noise",
    "clutter_rate": "clutter_rate",
    "points_per_object": "points_per_object",
    "detection_probability": "detection_probability",
    "birth_velocity_variance": "birth_velocity_sigma",
    "survival_probability": "survival_probability",
}


@dataclass
class Tracks:
    """The tracks alive: identities, Kalman states and existence probabilities."""

    ids: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    existence: np.ndarray

    @classmethod
    def empty(cls, n_state):
        return cls(np.empty(0, dtype=int), np.empty((0, n_state)), np.empty((0, n_state, n_state)), np.empty(0))

    def select(self, mask):
        return Tracks(self.ids[mask], self.means[mask], self.covariances[mask], self.existence[mask])

    def extend(self, other):
        return Tracks(
            np.concatenate([self.ids, other.ids]),
            np.concatenate([self.means, other.means]),
            np.concatenate([self.covariances, other.covariances]),
            np.concatenate([self.existence, other.existence]),
        )


@dataclass
class FrameRecord:
    """What the tracker did in one frame (for plots, diagnostics and learning).

    Attributes
    ----------
    detections : ndarray of shape (n_detections, d)
        The frame's detections.
    track_ids : ndarray of shape (n_tracks,)
        Identities of the components in this frame's EM (reported and tentative).
    existence : ndarray of shape (n_tracks,)
        Their existence probabilities after this frame.
    fit : FrameFit
    births : ndarray of shape (n_births,)
        Identities of the tracks born from this frame's unexplained detections.
    restarted : ndarray of shape (n_restarted,)
        Identities of uncertain tracks whose EM started at an unexplained cluster.
    tracks : Tracks
        Every track alive after the frame (pruned, with the births).
    """

    detections: np.ndarray
    track_ids: np.ndarray
    existence: np.ndarray
    fit: FrameFit
    births: np.ndarray
    restarted: np.ndarray
    tracks: Tracks


@dataclass
class TrackingResult:
    """The tracker's output.

    Attributes
    ----------
    track_ids : list of ndarray of shape (n_tracks_t,)
        Identities of the tracks reported in frame ``t`` (existence probability at least
        ``existence_threshold``).
    track_positions : list of ndarray of shape (n_tracks_t, d)
        Their estimated positions.
    frames : list of FrameRecord
    model : TrackingModel
        The parameters this pass ran with.
    """

    track_ids: list
    track_positions: list
    frames: list
    model: TrackingModel

    def track_paths(self):
        """Each reported track's path: ``{id: (frames, positions)}``."""
        return paths_by_identity(self.track_ids, self.track_positions)


def check_detections(detections, name="detections"):
    """The frames as a list of finite float arrays of shape (n_t, d), one ``d`` for all frames.

    An empty frame may be given as ``[]`` or of shape (0,) or (0, d).
    """
    try:
        frames = list(detections)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of arrays of shape (n_detections, d), got {detections!r}") from None
    if not frames:
        raise ValueError(f"{name} must hold at least one frame, got none")
    arrays = [check_points(points, f"{name}[{t}]") for t, points in enumerate(frames)]
    n_position = next((array.shape[1] for array in arrays if len(array)), None)
    if n_position is None:
        raise ValueError(f"{name} holds no detection in any frame: nothing to track")
    for t, array in enumerate(arrays):
        if len(array) and array.shape[1] != n_position:
            raise ValueError(
                f"{name}[{t}] has {array.shape[1]} columns but earlier frames have {n_position}: "
                f"every frame must have shape (n_detections, {n_position})"
            )
    return [array if len(array) else array.reshape(0, n_position) for array in arrays]


class EMTracker:
    """Multi-object tracker: per-frame MAP-EM with a clutter component, births, deaths, a learned model.

    Every track carries a constant-velocity Kalman state and an existence probability ``r``
    (as in a Bernoulli filter). Each frame, :meth:`track` runs the steps

    1. **predict** the states (:func:`gmmlib.tracking.motion.kalman_predict`) and ``r <- p_S r``;
    2. **MAP-EM** (:func:`map_em_frame`) from the predicted positions; tracks (of existence at
       least ``restart_threshold``) whose velocity is still unknown (its variance above half a
       newborn's ``sigma_v^2``: newborns not yet measured twice) and that explain less than a
       point are restarted at the unexplained cluster
       most likely under their prediction (within its 99.9 % gate), and the run with the higher
       log-posterior is kept: a newborn of unknown velocity finds its object in the next frame,
       however far it moved, and the Kalman update learns the velocity from the displacement;
    3. **existence update**, ``logit r <- logit r + log L_k`` with the likelihood ratio of
       :func:`log_existence_ratio`: a track that explains nothing loses existence frame after
       frame (death), one with points close by gains it;
    4. **pruning** of the tracks with ``r < prune_threshold``;
    5. **birth**: detections that the background explains best (responsibility above 1/2), form a
       cluster of at least ``min_birth_detections`` points linked by distances below
       ``birth_gate * sigma``, and no restarted track took, each give a new track at the
       cluster's mean, with velocity 0 of variance ``sigma_v^2``, and existence
       ``logit r = logit birth_prior + log L`` (:func:`extended_object_log_ratio`);
    6. **report** the tracks with ``r >= existence_threshold``.

    The model's parameters left as None are learned (:meth:`run`): EM over the sequence, each
    iteration a tracking pass (the E-step: responsibilities, and the tracks' states smoothed by
    :func:`gmmlib.tracking.motion.rts_smooth`) and the closed-form updates of
    :mod:`gmmlib.tracking.learning` (the M-step), until the log-posterior per detection changes
    by less than ``learning_tol``; a last pass tracks with the learned model. Deterministic.

    Parameters
    ----------
    background_volume : float
        Volume ``V`` of the region the clutter covers (its area for 2-D detections).
    measurement_sigma : float or None, default=None
        Spread of an object's detections about its position, per coordinate: ``R = sigma^2 I``.
        None: learned, starting from :func:`gmmlib.tracking.learning.initial_measurement_sigma`.
    points_per_object : float or None, default=None
        Mean number ``lambda`` of detections of a detected object. None: learned, from 3.
    detection_probability : float or None, default=None
        Probability ``P_D`` that a present object is detected in a frame. None: learned, from 0.9.
    process_noise : float or None, default=None
        ``q`` of the constant-velocity model (:func:`gmmlib.tracking.motion.constant_velocity_model`).
        None: learned, from ``0.1 sigma^2``.
    clutter_rate : float or None, default=None
        Mean number ``lambda_c > 0`` of clutter detections per frame. None: learned, from half the
        mean number of detections per frame.
    birth_velocity_sigma : float or None, default=None
        Prior standard deviation of a new track's velocity, per coordinate, per frame. None:
        learned from the tracks' first velocities, from ``V^(1/d) / 10`` (a tenth of the region's side).
    survival_probability : float or None, default=None
        ``p_S``, probability that an object present in a frame is still present in the next.
        None: learned from the tracks' lifetimes, from 0.99.
    birth_prior : float, default=1e-5
        Prior probability that a cluster of unexplained detections is a new object: small,
        because the clusters are picked from many clutter points after the fact.
    existence_threshold : float, default=0.5
        Tracks with at least this existence probability are reported.
    prune_threshold : float, default=0.01
        Tracks below this existence probability after an update are deleted.
    restart_threshold : float, default=0.1
        Newborns of at least this predicted existence probability are restarted at an unexplained
        cluster when they find no points (step 2); below it (most births from chance groups of
        clutter) a restart would let a clutter track capture the next new object.
    birth_gate : float, default=3.0
        Linking distance of birth clusters, in units of ``sigma``.
    min_birth_detections : int, default=2
        Unexplained detections needed for a birth.
    max_iter : int, default=50
    tol : float, default=1e-6
        EM settings of :func:`map_em_frame`.
    learning_max_iter : int, default=5
        Most EM iterations (tracking passes) that learn the model.
    learning_tol : float, default=1e-3
        Learning stops when the sequence's log-posterior per detection changes by less.

    Attributes
    ----------
    measurement_sigma_, process_noise_, clutter_rate_, points_per_object_ : float
    detection_probability_, birth_velocity_sigma_, survival_probability_ : float
        The model :meth:`run` tracked with: the given values, or the learned ones.
    model_ : TrackingModel
        The same, as one object.
    learning_lower_bounds_ : list of float
        The sequence's log-posterior per detection at each learning iteration (empty when
        nothing is learned).
    n_learning_iter_ : int
    learning_converged_ : bool
    learned_parameters_ : tuple of str
        The parameters (argument names) some learning pass had data for. The others left as None
        keep their start values: an update without data (no established track) is skipped, and
        :meth:`run` warns (:class:`gmmlib.tracking.learning.LearningWarning`), as it does when the
        last pass reports no track at all.

    Examples
    --------
    >>> from gmmlib.tracking import EMTracker, simulate_scenario
    >>> scenario = simulate_scenario(40, 3, clutter_per_frame=10.0, random_state=0)
    >>> tracker = EMTracker(scenario.background_volume)
    >>> result = tracker.run(scenario.detections)
    >>> len(result.track_ids), round(tracker.measurement_sigma_, 1), round(tracker.points_per_object_)
    (40, 1.0, 4)
    """

    def __init__(
        self,
        background_volume,
        measurement_sigma=None,
        *,
        points_per_object=None,
        detection_probability=None,
        process_noise=None,
        clutter_rate=None,
        birth_velocity_sigma=None,
        survival_probability=None,
        birth_prior=1e-5,
        existence_threshold=0.5,
        prune_threshold=0.01,
        restart_threshold=0.1,
        birth_gate=3.0,
        min_birth_detections=2,
        max_iter=50,
        tol=1e-6,
        learning_max_iter=5,
        learning_tol=1e-3,
    ):
        self.background_volume = background_volume
        self.measurement_sigma = measurement_sigma
        self.points_per_object = points_per_object
        self.detection_probability = detection_probability
        self.process_noise = process_noise
        self.clutter_rate = clutter_rate
        self.birth_velocity_sigma = birth_velocity_sigma
        self.survival_probability = survival_probability
        self.birth_prior = birth_prior
        self.existence_threshold = existence_threshold
        self.prune_threshold = prune_threshold
        self.restart_threshold = restart_threshold
        self.birth_gate = birth_gate
        self.min_birth_detections = min_birth_detections
        self.max_iter = max_iter
        self.tol = tol
        self.learning_max_iter = learning_max_iter
        self.learning_tol = learning_tol

    def _check_parameters(self):
        check_scalar(self.background_volume, "background_volume", float, minimum=0, include_minimum=False)
        for name in PARAMETER_NAMES.values():
            if getattr(self, name) is not None:
                check_model_parameter(getattr(self, name), name)
        check_scalar(self.birth_gate, "birth_gate", float, minimum=0, include_minimum=False)
        for name in ("existence_threshold", "restart_threshold"):
            check_probability(getattr(self, name), name)
        for name in ("birth_prior", "prune_threshold"):
            check_probability(getattr(self, name), name, open_above=True)
        if self.prune_threshold >= self.existence_threshold:
            raise ValueError(
                f"prune_threshold must be below existence_threshold, got {self.prune_threshold!r} "
                f">= {self.existence_threshold!r}"
            )
        check_scalar(self.min_birth_detections, "min_birth_detections", int, minimum=1)
        check_scalar(self.max_iter, "max_iter", int, minimum=0)
        check_scalar(self.tol, "tol", float, minimum=0)
        check_scalar(self.learning_max_iter, "learning_max_iter", int, minimum=0)
        check_scalar(self.learning_tol, "learning_tol", float, minimum=0)

    # -- learning: EM over the sequence ---------------------------------------------------------------
    def _fixed(self):
        """The model parameters the user gave (``name -> value``), in :class:`TrackingModel`'s terms."""
        given = {
            "measurement_variance": None if self.measurement_sigma is None else float(self.measurement_sigma) ** 2,
            "process_noise": self.process_noise,
            "clutter_rate": self.clutter_rate,
            "points_per_object": self.points_per_object,
            "detection_probability": self.detection_probability,
            "birth_velocity_variance": None
            if self.birth_velocity_sigma is None
            else float(self.birth_velocity_sigma) ** 2,
            "survival_probability": self.survival_probability,
        }
        return {name: float(value) for name, value in given.items() if value is not None}

    def _initial_model(self, frames):
        fixed = self._fixed()
        sigma = np.sqrt(fixed.get("measurement_variance", 0.0)) or learning.initial_measurement_sigma(
            frames, self.background_volume
        )
        start = {
            "measurement_variance": sigma**2,
            "process_noise": 0.1 * sigma**2,
            "clutter_rate": 0.5 * np.mean([len(points) for points in frames]),
            "points_per_object": 3.0,
            "detection_probability": 0.9,
            "birth_velocity_variance": (self.background_volume ** (1 / frames[0].shape[1]) / 10) ** 2,
            "survival_probability": 0.99,
        }
        return TrackingModel(**(start | fixed))

    def run(self, detections):
        """Learn the parameters left as None, then track through the frames with the learned model.

        Parameters
        ----------
        detections : list of array-like of shape (n_detections_t, d)
            One array per frame (for example ``Scenario.detections``); every frame has the same
            number ``d`` of columns (an empty frame may be ``[]``).

        Returns
        -------
        TrackingResult
            The last pass, with the learned model.
        """
        self._check_parameters()
        frames = check_detections(detections)
        fixed = self._fixed()
        n_detections = max(sum(len(points) for points in frames), 1)

        def e_step(model):
            result = self.track(frames, model)
            objective = sum(record.fit.objective[-1] for record in result.frames) / n_detections
            return result, objective

        learned = set()  # the parameters some M-step had data for; the others keep their start values

        def m_step(result, model):
            updates = learning.model_updates(learning.sequence_statistics(result, self.existence_threshold))
            learned.update(name for name in updates if name not in fixed)
            return replace(model, **(updates | fixed))

        learns = len(fixed) < len(TrackingModel.__dataclass_fields__)
        start = self._initial_model(frames)
        learning_run = run_em(
            e_step,
            m_step,
            start,
            max_iter=self.learning_max_iter if learns else 0,
            tol=self.learning_tol,
        )
        self.model_ = learning_run.parameters
        self.learning_lower_bounds_ = learning_run.lower_bounds
        self.n_learning_iter_ = learning_run.n_iter
        self.learning_converged_ = learning_run.converged or not learns
        self.measurement_sigma_ = float(np.sqrt(self.model_.measurement_variance))
        self.process_noise_ = self.model_.process_noise
        self.clutter_rate_ = self.model_.clutter_rate
        self.points_per_object_ = self.model_.points_per_object
        self.detection_probability_ = self.model_.detection_probability
        self.birth_velocity_sigma_ = float(np.sqrt(self.model_.birth_velocity_variance))
        self.survival_probability_ = self.model_.survival_probability
        self.learned_parameters_ = tuple(PARAMETER_NAMES[name] for name in PARAMETER_NAMES if name in learned)
        never_learned = [PARAMETER_NAMES[name] for name in PARAMETER_NAMES if name not in learned | fixed.keys()]
        if self.n_learning_iter_ and never_learned:
            start_values = ", ".join(f"{name}={getattr(self, name + '_'):.4g}" for name in never_learned)
            warnings.warn(
                f"no learning pass established a track (reported in at least {learning.MIN_REPORTED_FRAMES} frames) "
                f"that measured {', '.join(never_learned)}: not learned, they keep their start values "
                f"({start_values}); learned_parameters_ lists the parameters learned from the data",
                learning.LearningWarning,
                stacklevel=2,
            )
        result = self.track(frames, self.model_)
        if not any(len(ids) for ids in result.track_ids):
            sigma_start = np.sqrt(start.measurement_variance)
            warnings.warn(
                f"no track was reported in any frame (measurement_sigma {self.measurement_sigma_:.4g}, "
                f"{'given' if 'measurement_variance' in fixed else f'learned from a start of {sigma_start:.4g}'}); "
                "if the objects' spread is known, give measurement_sigma",
                learning.LearningWarning,
                stacklevel=2,
            )
        return result

    # -- tracking: one pass with a given model -------------------------------------------------------
    def track(self, detections, model):
        """One tracking pass with the parameters ``model`` (no learning): the six steps per frame.

        Parameters
        ----------
        detections : list of array-like of shape (n_detections_t, d)
        model : TrackingModel

        Returns
        -------
        TrackingResult
        """
        self._check_parameters()
        if not isinstance(model, TrackingModel):
            raise TypeError(f"model must be a TrackingModel, got {type(model).__name__}")
        frames = check_detections(detections)
        n_position = frames[0].shape[1]
        transition, process_covariance = constant_velocity_model(model.process_noise, n_dimensions=n_position)
        measurement = MeasurementModel.from_covariance(model.measurement_variance * np.eye(n_position))
        tracks = Tracks.empty(2 * n_position)
        next_id = 0
        result = TrackingResult([], [], [], model)
        # Thousands of tiny factorisations: idle OpenBLAS threads spinning between them cost more than they save.
        with single_threaded_blas():
            for points in frames:
                predicted = self._predict(tracks, transition, process_covariance, model.survival_probability)
                fit, restarted = self._map_em(points, predicted, model, measurement)
                updated = self._update_existence(predicted, fit, model)
                kept = self._prune(updated)
                births = self._birth(points, fit, restarted, predicted, model, measurement, next_id)
                next_id += len(births.ids)
                tracks = kept.extend(births)
                result.frames.append(
                    FrameRecord(
                        points, updated.ids, updated.existence, fit, births.ids, predicted.ids[restarted], tracks
                    )
                )
                self._report(tracks, result, n_position)
        return result

    def _predict(self, tracks, transition, process_covariance, survival_probability):
        """Step 1: Kalman prediction of every state, and ``r <- p_S r``."""
        means, covariances = kalman_predict(tracks.means, tracks.covariances, transition, process_covariance)
        return Tracks(tracks.ids, means, covariances, survival_probability * tracks.existence)

    def _map_em(self, points, predicted, model, measurement):
        """Step 2: the frame's MAP-EM, and a restart of newborns at unexplained clusters.

        Returns the kept :class:`FrameFit` and a boolean mask of the restarted tracks.
        """

        def fit_from(start_positions=None):
            return map_em_frame(
                points,
                predicted.means,
                predicted.covariances,
                measurement.covariance,
                self.background_volume,
                self.max_iter,
                self.tol,
                start_positions=start_positions,
                measurement=measurement,
            )

        fit = fit_from()
        restarted, positions = self._restart_positions(points, fit, predicted, model, measurement)
        if not np.any(restarted):
            return fit, restarted
        start = fit.positions.copy()
        start[restarted] = positions
        second = fit_from(start)
        if second.objective[-1] <= fit.objective[-1]:
            return fit, np.zeros_like(restarted)
        return second, restarted

    def _restart_positions(self, points, fit, predicted, model, measurement):
        """Which newborns restart (a boolean mask), and the unexplained clusters' centres they restart at.

        A newborn restarts when its velocity is still unknown (variance above half of
        ``sigma_v^2``), it explains less than a point and its predicted existence is at least
        ``restart_threshold``; it takes the cluster most likely under its prediction,
        ``-log N(centre | H m_j, H P_j H^T + R / n_c)``, inside the 99.9 % gate, one cluster per
        newborn (an optimal assignment).
        """
        n_position = points.shape[1]
        restarted = np.zeros(len(predicted.ids), dtype=bool)
        velocity_variance = np.diagonal(predicted.covariances[:, n_position:, n_position:], axis1=1, axis2=2)
        candidates = np.flatnonzero(
            (np.max(velocity_variance, axis=1, initial=0) > 0.5 * model.birth_velocity_variance)
            & (fit.resp[:, :-1].sum(axis=0) < 1)
            & (predicted.existence >= self.restart_threshold)
        )
        centres, sizes, _ = self._unexplained_clusters(points, fit, model) if len(candidates) else ([], [], [])
        if not len(centres):
            return restarted, np.empty((0, n_position))
        spread = (
            predicted.covariances[candidates][:, None, :n_position, :n_position]
            + measurement.covariance / sizes[None, :, None, None]
        )
        offsets = centres[None] - predicted.means[candidates][:, None, :n_position]
        mahalanobis = np.einsum("jcd,jcd->jc", offsets, np.linalg.solve(spread, offsets[..., None])[..., 0])
        cost = 0.5 * (mahalanobis + np.linalg.slogdet(spread)[1])
        inside = mahalanobis <= chi2.ppf(0.999, n_position)
        rows, columns = linear_sum_assignment(np.where(inside, cost, cost.max() + 1e6))
        pairs = sorted((candidates[r], c) for r, c in zip(rows, columns) if inside[r, c])
        restarted[[track for track, _ in pairs]] = True
        return restarted, centres[[column for _, column in pairs]].reshape(-1, n_position)

    def _unexplained_clusters(self, points, fit, model):
        """Centres and sizes of the clusters of detections the background explains best."""
        unexplained = points[fit.resp[:, -1] > 0.5]
        clusters = birth_clusters(
            unexplained, self.birth_gate * np.sqrt(model.measurement_variance), self.min_birth_detections
        )
        return (*cluster_means(unexplained, clusters), [unexplained[c] for c in clusters])

    def _update_existence(self, predicted, fit, model):
        """Step 3: the tracks at their MAP states, with ``logit r <- logit r + log L_k``."""
        log_odds = _log_odds(predicted.existence) + log_existence_ratio(
            fit, predicted.existence, model, self.background_volume
        )
        return Tracks(predicted.ids, fit.state_means, fit.state_covariances, _logistic(log_odds))

    def _prune(self, tracks):
        """Step 4: delete the tracks with ``r < prune_threshold``."""
        return tracks.select(tracks.existence >= self.prune_threshold)

    def _birth(self, points, fit, restarted, predicted, model, measurement, next_id):
        """Step 5: a new track at every unexplained cluster that no restarted track took."""
        n_position = points.shape[1]
        centres, _, members = self._unexplained_clusters(points, fit, model)
        if len(centres) and np.any(restarted):
            taken = np.linalg.norm(centres[:, None] - fit.positions[restarted][None], axis=2).min(axis=1)
            free = taken > self.birth_gate * np.sqrt(model.measurement_variance)
            centres, members = centres[free], [m for m, f in zip(members, free) if f]
        if not len(centres):
            return Tracks.empty(2 * n_position)
        # Each cluster against the frame's other explanations: clutter and the tracks.
        unexplained = np.concatenate(members)
        log_density = log_measurement_density(unexplained, centres, measurement.whitener, measurement.log_det)
        bounds = np.cumsum([0] + [len(m) for m in members])
        in_cluster = np.zeros(log_density.shape, dtype=bool)
        for c in range(len(members)):
            in_cluster[bounds[c] : bounds[c + 1], c] = True
        log_tracks = log_measurement_density(unexplained, fit.positions, measurement.whitener, measurement.log_det)
        with np.errstate(divide="ignore"):
            log_tracks = log_tracks + np.log(
                predicted.existence * model.detection_probability * model.points_per_object
            )
            log_clutter = np.log(model.clutter_rate / self.background_volume)
        log_rest = np.logaddexp(_normalise_rows(log_tracks)[0], log_clutter)
        log_ratio = extended_object_log_ratio(
            np.where(in_cluster, log_density, -np.inf),
            np.broadcast_to(log_rest[:, None], log_density.shape),
            model.points_per_object,
            model.detection_probability,
        )
        n_births = len(centres)
        covariance = np.diag([model.measurement_variance] * n_position + [model.birth_velocity_variance] * n_position)
        return Tracks(
            np.arange(next_id, next_id + n_births),
            np.hstack([centres, np.zeros_like(centres)]),
            np.repeat(covariance[None], n_births, axis=0),
            _logistic(_log_odds(self.birth_prior) + log_ratio),
        )

    def _report(self, tracks, result, n_position):
        """Step 6: the tracks with ``r >= existence_threshold``."""
        reported = tracks.existence >= self.existence_threshold
        result.track_ids.append(tracks.ids[reported])
        result.track_positions.append(tracks.means[reported, :n_position])
