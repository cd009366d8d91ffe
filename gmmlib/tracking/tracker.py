"""Tracking several objects from point detections with EM: a MAP-EM tracker and a baseline.

Each frame, the detections ``z_1..z_n`` are modelled as a mixture of one Gaussian per track,
``N(z | mu_k, R)`` with ``R = measurement_sigma^2 I`` the spread of an object's points, plus a
uniform clutter component of density ``1 / V`` (the background column of :func:`gmmlib.e_step`):

    p(z) = pi_0 / V + sum_k pi_k N(z | mu_k, R).

:func:`map_em_frame` runs EM on one frame with a Gaussian prior on every mean, the
constant-velocity Kalman prediction of its track: the E-step is :func:`gmmlib.e_step`'s equation
(through :func:`gmmlib.gaussian.log_gaussian_density_from_precision_cholesky`), the weights start
afresh each frame (so no component starves), and the MAP mean is a Kalman update whose
measurement is the responsibility-weighted mean ``zbar_k`` with covariance ``R / N_k``
(:func:`gmmlib.tracking.motion.kalman_update_weighted_mean`). :class:`EMTracker` adds an
existence probability per track (Bernoulli-filter style): births from detections no component
explains, and death of tracks that explain nothing for several frames.
:func:`per_frame_em` is the baseline: plain EM (:class:`gmmlib.GaussianMixture` with a
background) in each frame on its own.

Derived and evaluated in ``notebooks/05_multi_object_tracking.ipynb``.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist, squareform
from scipy.special import logsumexp

from .._validation import check_random_state, check_scalar
from ..exceptions import ConvergenceWarning
from ..gaussian import LOG_2PI, log_gaussian_density_from_precision_cholesky, precision_cholesky
from ..mixture import GaussianMixture
from ..statistics import single_threaded_blas
from .motion import N_POSITION, constant_velocity_model, kalman_predict, kalman_update_weighted_mean
from .scenario import _paths


@dataclass
class FrameFit:
    """The result of :func:`map_em_frame` on one frame.

    Attributes
    ----------
    state_means : ndarray of shape (n_tracks, 4)
        MAP states ``(p_x, p_y, v_x, v_y)``; the component means are ``state_means[:, :2]``.
    state_covariances : ndarray of shape (n_tracks, 4, 4)
        Their Kalman posterior covariances.
    weights : ndarray of shape (n_tracks + 1,)
        Mixing weights, the background's last; the tracks' are equal.
    resp : ndarray of shape (n_detections, n_tracks + 1)
        Responsibilities at the returned means, the background column last.
    log_component_density : ndarray of shape (n_detections, n_tracks)
        ``log N(z_i | mu_k, R)`` at the returned means.
    log_density : ndarray of shape (n_detections,)
        ``log p(z_i)`` under the returned mixture.
    objective : list of float
        Log-posterior ``sum_i log p(z_i) + sum_k log N(mu_k | H m_k, H P_k H^T)`` at each E-step;
        MAP-EM never decreases it.
    """

    state_means: np.ndarray
    state_covariances: np.ndarray
    weights: np.ndarray
    resp: np.ndarray
    log_component_density: np.ndarray
    log_density: np.ndarray
    objective: list


def log_prior_density(positions, prior_means, prior_covariances):
    """``sum_k log N(mu_k | m_k, S_k)``: the log-prior of the component means.

    Through the Cholesky factors ``S_k = L_k L_k^T``, batched over components (the matrices are
    2 x 2 and many, so one numpy call beats a loop).

    Parameters
    ----------
    positions, prior_means : ndarray of shape (n_tracks, 2)
    prior_covariances : ndarray of shape (n_tracks, 2, 2)
    """
    lower = np.linalg.cholesky(prior_covariances)
    whitened = np.linalg.solve(lower, (positions - prior_means)[:, :, None])[:, :, 0]
    log_det = 2 * np.sum(np.log(np.diagonal(lower, axis1=1, axis2=2)), axis=1)
    return float(-0.5 * np.sum(N_POSITION * LOG_2PI + log_det + np.einsum("kj,kj->k", whitened, whitened)))


def map_em_frame(
    detections,
    predicted_means,
    predicted_covariances,
    measurement_covariance,
    background_volume,
    max_iter=50,
    tol=1e-6,
    measurement_precision_cholesky=None,
):
    """EM on one frame with a uniform background and a Kalman prior on each component's mean.

    Starts from the predicted positions and equal weights ``1 / (n_tracks + 1)``. E-step:
    responsibilities of the tracks and the background (:func:`gmmlib.e_step`'s equation).
    M-step, maximising the expected complete-data log-posterior:

    - weights: ``pi_0 = N_0 / n`` for the background, and the tracks share the rest equally,
      ``pi_k = (1 - pi_0) / n_tracks``. Every object gives the same expected number of points,
      so this is the maximiser under that constraint; weights learned one by one let one of two
      overlapping components take every point and starve the other (a track lost at a
      crossing);
    - means: the MAP state by :func:`gmmlib.tracking.motion.kalman_update_weighted_mean`;
    - the component covariance stays ``R``.

    No input checks: the tracker calls this thousands of times on small arrays.

    Parameters
    ----------
    detections : ndarray of shape (n_detections, 2)
    predicted_means : ndarray of shape (n_tracks, 4)
    predicted_covariances : ndarray of shape (n_tracks, 4, 4)
    measurement_covariance : ndarray of shape (2, 2)
        ``R``.
    background_volume : float
        ``V``.
    max_iter : int, default=50
        Maximum number of M-steps.
    tol : float, default=1e-6
        Stop when the objective per detection changes by less than ``tol``.
    measurement_precision_cholesky : ndarray of shape (2, 2) or None, default=None
        ``precision_cholesky(measurement_covariance, "tied")`` if already computed (a tracker
        factorises ``R`` once, not every frame).

    Returns
    -------
    FrameFit
    """
    n_detections, n_tracks = len(detections), len(predicted_means)
    measurement_factor = (
        precision_cholesky(measurement_covariance, "tied")
        if measurement_precision_cholesky is None
        else measurement_precision_cholesky
    )
    prior_means = predicted_means[:, :N_POSITION]
    prior_covariances = predicted_covariances[:, :N_POSITION, :N_POSITION]
    background = np.full((n_detections, 1), -np.log(background_volume))
    eps = 10 * np.finfo(np.float64).eps
    weights = np.full(n_tracks + 1, 1.0 / (n_tracks + 1))
    state_means, state_covariances = predicted_means, predicted_covariances
    objective = []
    for iteration in range(max_iter + 1):
        log_component_density = log_gaussian_density_from_precision_cholesky(
            detections, state_means[:, :N_POSITION], measurement_factor, "tied"
        )
        with np.errstate(divide="ignore"):  # a weight of 0 is a column that explains nothing
            log_joint = np.hstack([log_component_density, background]) + np.log(weights)
        log_norm = logsumexp(log_joint, axis=1)
        resp = np.exp(log_joint - log_norm[:, None])
        objective.append(
            float(log_norm.sum()) + log_prior_density(state_means[:, :N_POSITION], prior_means, prior_covariances)
        )
        if (
            n_detections == 0
            or iteration == max_iter
            or (iteration > 0 and abs(objective[-1] - objective[-2]) < tol * n_detections)
        ):
            break
        counts = resp.sum(axis=0)
        # pi_0 = N_0 / n; the objects share the rest equally (10 eps keeps both parts positive).
        background_weight = (counts[-1] + eps) / (n_detections + 2 * eps)
        weights = np.append(np.full(n_tracks, (1 - background_weight) / max(n_tracks, 1)), background_weight)
        state_means, state_covariances = kalman_update_weighted_mean(
            predicted_means,
            predicted_covariances,
            counts[:n_tracks],
            resp[:, :n_tracks].T @ detections,
            measurement_covariance,
        )
    return FrameFit(state_means, state_covariances, weights, resp, log_component_density, log_norm, objective)


def birth_clusters(points, radius, min_points):
    """Groups of points linked by distances below ``radius``, of at least ``min_points`` points.

    Parameters
    ----------
    points : ndarray of shape (n_points, 2)
    radius : float
    min_points : int

    Returns
    -------
    clusters : list of ndarray of int
        Row indices into ``points``, one array per cluster, in order of their first point.
    """
    if len(points) < min_points:
        return []
    adjacency = squareform(pdist(points) < radius)
    _, labels = connected_components(adjacency, directed=False)
    clusters = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    return [cluster for cluster in clusters if len(cluster) >= min_points]


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
    gain = np.sum(np.log1p(np.exp(np.log(points_per_object) + log_density - log_rest)), axis=0)
    return np.logaddexp(log_miss, log_detect + gain)


def log_other_intensity(fit, existence, background_volume, points_per_object, detection_probability):
    """``log rho(z_i)``: the expected intensity of the detections from clutter and the tracks.

    ``rho(z) = n pi_0 / V + sum_j r_j P_D lambda N(z | mu_j, R)``: the clutter at the rate the
    frame's EM found, and every track at the model's rate ``P_D lambda`` weighted by its
    existence probability ``r_j``.

    Returns
    -------
    log_clutter : ndarray of shape (n_detections, 1)
    log_tracks : ndarray of shape (n_detections, n_tracks)
        The two parts, so that a track can be left out of the sum.
    """
    n_detections = fit.log_component_density.shape[0]
    with np.errstate(divide="ignore"):  # no detections, no clutter or a track of existence 0
        log_clutter = np.full((n_detections, 1), np.log(n_detections * fit.weights[-1] / background_volume))
        log_tracks = fit.log_component_density + np.log(existence * detection_probability * points_per_object)
    return log_clutter, log_tracks


def log_existence_ratio(fit, existence, background_volume, points_per_object, detection_probability):
    """:func:`extended_object_log_ratio` of every track of a fitted frame.

    The rest, for track ``k``, is :func:`log_other_intensity` without track ``k``: points that
    another track is expected to give count little, so of two tracks on one object the weaker
    loses existence, while two objects crossing give twice the points and keep both.

    Parameters
    ----------
    fit : FrameFit
        The frame's fitted mixture (:func:`map_em_frame`).
    existence : ndarray of shape (n_tracks,)
        The tracks' predicted existence probabilities ``r_j``.
    background_volume : float
        ``V``.
    points_per_object : float
        ``lambda``.
    detection_probability : float
        ``P_D``.

    Returns
    -------
    log_ratio : ndarray of shape (n_tracks,)
    """
    n_tracks = len(existence)
    log_clutter, log_tracks = log_other_intensity(
        fit, existence, background_volume, points_per_object, detection_probability
    )
    leave_out = np.where(np.eye(n_tracks, dtype=bool), -np.inf, 0.0)
    columns = np.concatenate(
        [
            log_tracks[:, None, :] + leave_out[None],
            np.broadcast_to(log_clutter[:, :, None], (len(log_clutter), n_tracks, 1)),
        ],
        axis=2,
    )
    log_rest = logsumexp(columns, axis=2)
    return extended_object_log_ratio(fit.log_component_density, log_rest, points_per_object, detection_probability)


@dataclass
class FrameRecord:
    """What the tracker did in one frame (for plots and diagnostics).

    Attributes
    ----------
    track_ids : ndarray of shape (n_tracks,)
        Identities of the components in this frame's EM (reported and tentative).
    existence : ndarray of shape (n_tracks,)
        Their existence probabilities after this frame.
    fit : FrameFit
    births : ndarray of shape (n_births,)
        Identities of the tracks born from this frame's unexplained detections.
    """

    track_ids: np.ndarray
    existence: np.ndarray
    fit: FrameFit
    births: np.ndarray


@dataclass
class TrackingResult:
    """The tracker's output.

    Attributes
    ----------
    track_ids : list of ndarray of shape (n_tracks_t,)
        Identities of the tracks reported in frame ``t`` (existence probability at least
        ``existence_threshold``).
    track_positions : list of ndarray of shape (n_tracks_t, 2)
        Their estimated positions.
    frames : list of FrameRecord
    """

    track_ids: list
    track_positions: list
    frames: list

    def track_paths(self):
        """Each reported track's path: ``{id: (frames, positions)}``."""
        return _paths(self.track_ids, self.track_positions)


class EMTracker:
    """Multi-object tracker: per-frame MAP-EM with a clutter component, births and deaths.

    Every track carries a constant-velocity Kalman state and an existence probability ``r``
    (as in a Bernoulli filter). Each frame:

    1. predict the states (:func:`gmmlib.tracking.motion.kalman_predict`) and ``r <- p_S r``;
    2. run :func:`map_em_frame` warm-started at the predicted positions;
    3. update ``r`` in log-odds by the likelihood ratio of :func:`log_existence_ratio`,
       ``logit r <- logit r + log L_k``: a track that explains nothing loses existence frame
       after frame (death), one with points close by gains it;
    4. delete the tracks with ``r < prune_threshold``;
    5. birth: detections that the background explains best (responsibility above 1/2) and
       that form a cluster of at least ``min_birth_detections`` points, linked by distances
       below ``birth_gate * measurement_sigma``, each give a new track at the cluster's mean,
       with zero velocity of standard deviation ``birth_velocity_sigma``, and existence
       ``logit r = logit birth_prior + log L`` (:func:`extended_object_log_ratio` of its
       cluster against the fitted mixture);
    6. report the tracks with ``r >= existence_threshold``.

    Deterministic: there is no randomness.

    Parameters
    ----------
    background_volume : float
        Area ``V`` of the region the clutter covers.
    measurement_sigma : float, default=1.0
        Spread of an object's detections about its position, per coordinate: ``R = sigma^2 I``.
    points_per_object : float, default=4.0
        Mean number ``lambda`` of detections of a detected object.
    detection_probability : float, default=1.0
        Probability ``P_D`` that a present object is detected in a frame.
    process_noise : float, default=0.005
        ``q`` of the constant-velocity model (:func:`gmmlib.tracking.motion.constant_velocity_model`).
    survival_probability : float, default=0.99
        ``p_S``, probability that an object present in a frame is still present in the next.
    birth_prior : float, default=1e-5
        Prior probability that a cluster of unexplained detections is a new object: small,
        because the clusters are picked from many clutter points after the fact.
    existence_threshold : float, default=0.5
        Tracks with at least this existence probability are reported.
    prune_threshold : float, default=0.01
        Tracks below this existence probability after an update are deleted.
    birth_velocity_sigma : float, default=1.0
        Prior standard deviation of a new track's velocity, per coordinate, per frame.
    birth_gate : float, default=3.0
        Linking distance of birth clusters, in units of ``measurement_sigma``.
    min_birth_detections : int, default=2
        Unexplained detections needed for a birth.
    max_iter : int, default=50
    tol : float, default=1e-6
        EM settings of :func:`map_em_frame`.
    """

    def __init__(
        self,
        background_volume,
        measurement_sigma=1.0,
        *,
        points_per_object=4.0,
        detection_probability=1.0,
        process_noise=0.005,
        survival_probability=0.99,
        birth_prior=1e-5,
        existence_threshold=0.5,
        prune_threshold=0.01,
        birth_velocity_sigma=1.0,
        birth_gate=3.0,
        min_birth_detections=2,
        max_iter=50,
        tol=1e-6,
    ):
        self.background_volume = background_volume
        self.measurement_sigma = measurement_sigma
        self.points_per_object = points_per_object
        self.detection_probability = detection_probability
        self.process_noise = process_noise
        self.survival_probability = survival_probability
        self.birth_prior = birth_prior
        self.existence_threshold = existence_threshold
        self.prune_threshold = prune_threshold
        self.birth_velocity_sigma = birth_velocity_sigma
        self.birth_gate = birth_gate
        self.min_birth_detections = min_birth_detections
        self.max_iter = max_iter
        self.tol = tol

    def _check_parameters(self):
        for name in (
            "background_volume",
            "measurement_sigma",
            "points_per_object",
            "birth_velocity_sigma",
            "birth_gate",
        ):
            check_scalar(getattr(self, name), name, float, minimum=0, include_minimum=False)
        for name in (
            "detection_probability",
            "survival_probability",
            "existence_threshold",
            "birth_prior",
            "prune_threshold",
        ):
            value = check_scalar(getattr(self, name), name, float, minimum=0, include_minimum=False)
            open_above = name in ("birth_prior", "prune_threshold")
            if value > 1 or (open_above and value == 1):
                raise ValueError(f"{name} must be in (0, 1{')' if open_above else ']'}, got {value!r}")
        if self.prune_threshold >= self.existence_threshold:
            raise ValueError(
                f"prune_threshold must be below existence_threshold, got {self.prune_threshold!r} "
                f">= {self.existence_threshold!r}"
            )
        check_scalar(self.process_noise, "process_noise", float, minimum=0)
        check_scalar(self.min_birth_detections, "min_birth_detections", int, minimum=1)
        check_scalar(self.max_iter, "max_iter", int, minimum=0)
        check_scalar(self.tol, "tol", float, minimum=0)

    def run(self, detections):
        """Track through a sequence of frames.

        Parameters
        ----------
        detections : list of array-like of shape (n_detections_t, 2)
            One array per frame (for example ``Scenario.detections``).

        Returns
        -------
        TrackingResult
        """
        self._check_parameters()
        transition, process_covariance = constant_velocity_model(self.process_noise)
        measurement_covariance = self.measurement_sigma**2 * np.eye(N_POSITION)
        measurement_factor = precision_cholesky(measurement_covariance, "tied")
        birth_covariance = np.diag(
            [self.measurement_sigma**2] * N_POSITION + [self.birth_velocity_sigma**2] * N_POSITION
        )
        birth_log_odds = np.log(self.birth_prior) - np.log1p(-self.birth_prior)
        ids = np.empty(0, dtype=int)
        means, covariances = np.empty((0, 4)), np.empty((0, 4, 4))
        existence = np.empty(0)
        next_id = 0
        result = TrackingResult([], [], [])
        # Thousands of tiny factorisations: idle OpenBLAS threads spinning between them cost more than they save.
        with single_threaded_blas():
            for frame, points in enumerate(detections):
                points = np.asarray(points, dtype=np.float64).reshape(-1, N_POSITION)
                if not np.all(np.isfinite(points)):
                    raise ValueError(f"detections of frame {frame} must be finite")
                means, covariances = kalman_predict(means, covariances, transition, process_covariance)
                predicted = self.survival_probability * existence
                fit = map_em_frame(
                    points,
                    means,
                    covariances,
                    measurement_covariance,
                    self.background_volume,
                    self.max_iter,
                    self.tol,
                    measurement_factor,
                )
                means, covariances = fit.state_means, fit.state_covariances
                log_odds = (
                    np.log(predicted)
                    - np.log1p(-predicted)
                    + log_existence_ratio(
                        fit, predicted, self.background_volume, self.points_per_object, self.detection_probability
                    )
                )
                existence = _logistic(log_odds)
                record = FrameRecord(ids, existence, fit, np.empty(0, dtype=int))
                keep = existence >= self.prune_threshold
                ids, means, covariances, existence = ids[keep], means[keep], covariances[keep], existence[keep]
                unexplained = fit.resp[:, -1] > 0.5
                clusters = birth_clusters(
                    points[unexplained], self.birth_gate * self.measurement_sigma, self.min_birth_detections
                )
                if clusters:
                    centres = np.array([points[unexplained][cluster].mean(axis=0) for cluster in clusters])
                    # Each cluster against the fitted mixture, which explains it as clutter.
                    log_density = log_gaussian_density_from_precision_cholesky(
                        points[unexplained], centres, measurement_factor, "tied"
                    )
                    in_cluster = np.zeros(log_density.shape, dtype=bool)
                    for c, cluster in enumerate(clusters):
                        in_cluster[cluster, c] = True
                    log_clutter, log_tracks = log_other_intensity(
                        fit, predicted, self.background_volume, self.points_per_object, self.detection_probability
                    )
                    log_rest = logsumexp(np.hstack([log_clutter, log_tracks])[unexplained], axis=1)
                    log_ratio = extended_object_log_ratio(
                        np.where(in_cluster, log_density, -np.inf),
                        np.broadcast_to(log_rest[:, None], log_density.shape),
                        self.points_per_object,
                        self.detection_probability,
                    )
                    record.births = np.arange(next_id, next_id + len(clusters))
                    next_id += len(clusters)
                    ids = np.concatenate([ids, record.births])
                    means = np.vstack([means, np.hstack([centres, np.zeros_like(centres)])])
                    covariances = np.concatenate(
                        [covariances, np.repeat(birth_covariance[None], len(clusters), axis=0)]
                    )
                    existence = np.concatenate([existence, _logistic(birth_log_odds + log_ratio)])
                reported = existence >= self.existence_threshold
                result.track_ids.append(ids[reported])
                result.track_positions.append(means[reported, :N_POSITION])
                result.frames.append(record)
        return result


def _logistic(log_odds):
    """``1 / (1 + exp(-x))`` without overflow warnings."""
    return np.exp(-np.logaddexp(0.0, -log_odds))


def per_frame_em(detections, n_components, background_volume, *, covariance_type="full", random_state=None):
    """Baseline: plain EM in every frame on its own, with a background component.

    Frame ``t`` is fitted by :class:`gmmlib.GaussianMixture` with ``n_components[t]``
    components (at most the number of detections) and ``background_volume``, from a k-means++
    start; the estimated positions are the component means. No memory between frames, no prior.

    Parameters
    ----------
    detections : list of array-like of shape (n_detections_t, 2)
    n_components : sequence of int
        Components per frame (for example the true number of objects, which favours the baseline).
    background_volume : float
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    positions : list of ndarray of shape (n_components_t, 2)
    n_not_converged : int
        Frames in which EM stopped at ``max_iter`` (their ``ConvergenceWarning`` is counted here
        instead of being printed).
    """
    if len(n_components) != len(detections):
        raise ValueError(f"n_components must have one entry per frame ({len(detections)}), got {len(n_components)}")
    rng = check_random_state(random_state)
    positions, n_not_converged = [], 0
    with single_threaded_blas():  # many small fits: spinning OpenBLAS threads would slow them several-fold
        for points, k in zip(detections, n_components):
            points = np.asarray(points, dtype=np.float64).reshape(-1, N_POSITION)
            k = min(int(k), len(points))
            if k == 0:
                positions.append(np.empty((0, N_POSITION)))
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
