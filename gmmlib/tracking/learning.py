"""The tracker's model learned by EM over the sequence: the statistics and the closed-form updates.

The complete data of a sequence are the detections, which object (or the clutter) gave each of
them, the objects' states and whether each object was detected in each frame. Its expected
log-likelihood, given a tracking pass (the E-step: the responsibilities ``gamma`` of every
frame's MAP-EM, and each track's states smoothed by
:func:`gmmlib.tracking.motion.rts_smooth`, means ``x_t|T`` and covariances ``P_t|T``), splits
into one term per parameter, each maximised in closed form (the M-step):

- measurement noise ``R = sigma^2 I`` (``d`` coordinates):
  ``sigma^2 = sum gamma_ik (||z_i - H x_k||^2 + tr(H P_k H^T)) / (d sum gamma_ik)``,
  the responsibilities' mean squared residual about the smoothed positions;
- process noise ``Q = q Q_1`` (``Q_1`` the constant-velocity covariance of ``q = 1``):
  ``q = sum_t tr(Q_1^{-1} E[w_t w_t^T]) / (2 d n_transitions)`` with the smoothed state
  differences ``w_t = x_t - F x_t-1``;
- clutter rate ``lambda_c = sum_t sum_i gamma_i0 / n_frames`` (a Poisson mean);
- detection probability and points per object, from each track-frame's expected count
  ``E[n] = sum_i gamma_ik`` and the probability that it was detected,
  ``E[delta] = 1 - P(n = 0) (1 - P_D) / (1 - P_D + P_D e^{-lambda})`` with
  ``P(n = 0) = prod_i (1 - gamma_ik)``: ``P_D = sum E[delta] / n_track_frames`` and
  ``lambda = sum E[n] / sum E[delta]``;
- newborns' velocity spread ``sigma_v^2 = sum ||v_0||^2 / (d n_tracks)``, the smoothed first
  velocities of the tracks (these two iterated to convergence with the assignments held fixed,
  :func:`motion_em`);
- survival probability ``p_S = (n_survivals + 1) / (n_survivals + n_deaths + 2)``, the MAP
  estimate under a Beta(2, 2) prior (which keeps it inside (0, 1)): a track's span of ``m``
  frames is ``m - 1`` survivals, and a death unless it reaches the last frame.

The track-frames counted are those of a track from the frame after its first report to its last
frame with a point (so that the frames that chose to report it, and those in which it outlives its
object, are left out), each weighted by the track's existence probability after the frame before
(the probability that it is an object, before this frame's detections speak): a track on clutter
that lived a few frames counts little. Tracks reported in fewer than three frames are left out. The
tracking pass is an approximate E-step (births, deaths and the restarts are decisions, not
expectations), so the sequence's log-posterior is reported, not guaranteed to increase.

A pass may establish no track (objects each seen in a single frame, or a sigma start far from the
data's): every update but the clutter rate's then has no data (its sums and counts are 0, the ratio
0/0), returns None, and the parameter keeps its value; :func:`model_updates` leaves it out. Derived in
``notebooks/05_multi_object_tracking.ipynb``, where each update is checked to maximise its term.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.distance import pdist, squareform
from scipy.special import gammaln

from ..em_loop import run_em
from ..exceptions import GmmlibWarning
from ..gaussian import LOG_2PI
from .motion import constant_velocity_model, kalman_predict, kalman_update_weighted_mean, rts_smooth


class LearningWarning(GmmlibWarning):
    """EM over the sequence had no track to learn from: a parameter kept its start value, or no track formed."""


#: Tracks reported for fewer frames do not enter the statistics (clutter that lived briefly).
MIN_REPORTED_FRAMES = 3
#: Track-frames explaining fewer points are taken as measuring nothing (their ``R / N`` would overflow).
MIN_COUNT = 1e-6
#: Smallest learned process noise (``q = 0`` would make every later Kalman prediction certain).
MIN_PROCESS_NOISE = 1e-12
#: Smallest learned clutter rate per frame: a rate of exactly 0 would make any stray point certain proof of an object.
MIN_CLUTTER_RATE = 1e-3


@dataclass
class TrackMeasurements:
    """The established tracks of a pass as measurements of a linear Gaussian model, padded to one length.

    Frame 0 of track ``k`` is its birth, with the prior ``N(prior_means[k], prior_covariances[k])``;
    in frame ``t`` it has ``counts[k, t] = N_kt`` points summing to ``sums[k, t]``: one measurement
    ``N_kt^{-1} sums[k, t]`` of covariance ``R / N_kt`` (MAP-EM's own Kalman update). ``valid[k, t]``
    marks the frames of its span.
    """

    prior_means: np.ndarray
    prior_covariances: np.ndarray
    counts: np.ndarray
    sums: np.ndarray
    valid: np.ndarray


@dataclass
class SequenceStatistics:
    """The expected sufficient statistics of a tracking pass (see the module's equations)."""

    n_position: int
    measurement_variance: float  # sigma^2 of the pass (the pseudo-measurements' R)
    process_noise: float  # q of the pass
    birth_velocity_variance: float  # sigma_v^2 of the pass
    tracks: TrackMeasurements
    residual_sum: float  # sum r gamma (||z - H x||^2 + tr(H P H^T))
    residual_weight: float  # sum r gamma
    transition_sum: float  # sum tr(Q_1^{-1} E[w w^T]) at the pass's q
    n_transitions: int
    clutter_count: float  # sum gamma_i0
    n_frames: int
    expected_detected: float  # sum r E[delta]
    expected_count: float  # sum r E[n]
    n_track_frames: float  # sum r, the track-frames weighted by existence
    velocity_sum: float  # sum E||v_0||^2
    n_births: int
    n_survivals: int
    n_deaths: int


def smooth_tracks(tracks, process_noise, measurement_variance):
    """Kalman filter and RTS smoother of every track at once, and the measurements' log-likelihood.

    Returns
    -------
    means : ndarray of shape (n_tracks, n_frames, n_state)
    covariances : ndarray of shape (n_tracks, n_frames, n_state, n_state)
    lag_one : ndarray of shape (n_tracks, n_frames - 1, n_state, n_state)
    log_likelihood : float
        ``sum log N(zbar_kt | H x_kt|t-1, H P_kt|t-1 H^T + R / N_kt)`` over the frames with points:
        the innovations form of the measurements' marginal likelihood.
    """
    n_tracks, n_frames, n_position = tracks.sums.shape
    transition, process_covariance = constant_velocity_model(process_noise, n_dimensions=n_position)
    measurement_covariance = measurement_variance * np.eye(n_position)
    means = np.empty((n_tracks, n_frames, 2 * n_position))
    covariances = np.empty((n_tracks, n_frames, 2 * n_position, 2 * n_position))
    predicted_positions = np.empty((n_tracks, n_frames, n_position))  # H x_t|t-1
    predicted_spreads = np.empty((n_tracks, n_frames, n_position, n_position))  # H P_t|t-1 H^T
    mean, covariance = tracks.prior_means, tracks.prior_covariances
    for t in range(n_frames):
        if t:
            mean, covariance = kalman_predict(mean, covariance, transition, process_covariance)
            predicted_positions[:, t] = mean[:, :n_position]
            predicted_spreads[:, t] = covariance[:, :n_position, :n_position]
            mean, covariance = kalman_update_weighted_mean(
                mean, covariance, tracks.counts[:, t], tracks.sums[:, t], measurement_covariance
            )
        means[:, t], covariances[:, t] = mean, covariance
    # The innovations of every measured frame after the first, in one batch.
    measured = tracks.counts > 0
    measured[:, 0] = False
    counts = tracks.counts[measured]
    innovation = tracks.sums[measured] / counts[:, None] - predicted_positions[measured]
    spread = predicted_spreads[measured] + measurement_covariance / counts[:, None, None]
    solved = np.linalg.solve(spread, innovation[..., None])[..., 0]
    log_likelihood = -0.5 * float(
        np.sum(n_position * LOG_2PI + np.linalg.slogdet(spread)[1] + np.einsum("kd,kd->k", innovation, solved))
    )
    smoothed_means, smoothed_covariances, lag_one = rts_smooth(means, covariances, transition, process_covariance)
    return smoothed_means, smoothed_covariances, lag_one, log_likelihood


def transition_statistics(tracks, means, covariances, lag_one):
    """``sum_t tr(Q_1^{-1} E[w_t w_t^T])`` over the tracks' spans, and the number of transitions.

    ``E[w w^T] = r_t r_t^T + P_t - C_t F^T - F C_t^T + F P_t-1 F^T`` with the smoothed ``m, P``,
    ``r_t = m_t - F m_t-1`` and ``C_t = Cov(x_t, x_t-1)``. The trace is taken term by term, with
    ``F`` moved onto ``Q_1^{-1}`` (``tr(A B) = tr(B A)``, ``Q_1^{-1}`` symmetric), so that no product
    of the stacked covariances is formed:

        tr(Q_1^{-1} E[w w^T]) = r_t^T Q_1^{-1} r_t + tr(Q_1^{-1} P_t) - 2 tr(F^T Q_1^{-1} C_t)
                                + tr(F^T Q_1^{-1} F P_t-1).
    """
    n_position = tracks.sums.shape[2]
    transition = constant_velocity_model(0.0, n_dimensions=n_position)[0]
    unit_inverse = np.linalg.inv(constant_velocity_model(1.0, n_dimensions=n_position)[1])
    residual = means[:, 1:] - means[:, :-1] @ transition.T
    back = transition.T @ unit_inverse  # F^T Q_1^{-1}
    traces = (
        np.einsum("ktj,ktj->kt", residual @ unit_inverse, residual)
        + np.einsum("ij,ktji->kt", unit_inverse, covariances[:, 1:])
        - 2 * np.einsum("ij,ktji->kt", back, lag_one)
        + np.einsum("ij,ktji->kt", back @ transition, covariances[:, :-1])
    )
    valid = tracks.valid[:, 1:]
    return float(traces[valid].sum()), int(valid.sum())


def first_velocity_moment(means, covariances, n_position):
    """``sum_k E||v_k0||^2 = sum_k ||v_k0|T||^2 + tr(Cov(v_k0))``: the tracks' smoothed first velocities."""
    velocities = means[:, 0, n_position:]
    return float(np.sum(velocities**2) + np.trace(covariances[:, 0, n_position:, n_position:], axis1=1, axis2=2).sum())


def initial_measurement_sigma(frames, background_volume):
    """A start for ``sigma`` from nearest-neighbour distances within frames.

    A detection whose nearest neighbour in its frame is closer than clutter would put one (the
    chance of a clutter neighbour that close, ``1 - exp(-n |B(r)| / V)`` with ``n`` the frame's
    detections, below 5 %) is taken as a point of an object; the median of those distances is
    about ``sigma`` for a few points per object. EM refines it.
    """
    kept = []
    for points in frames:
        if len(points) < 2:
            continue
        n_position = points.shape[1]
        distances = squareform(pdist(points))
        np.fill_diagonal(distances, np.inf)
        nearest = distances.min(axis=1)
        ball = np.pi ** (n_position / 2) / np.exp(gammaln(n_position / 2 + 1)) * nearest**n_position
        kept.append(nearest[-np.expm1(-len(points) * ball / background_volume) < 0.05])
    kept = np.concatenate(kept) if kept else np.empty(0)
    kept = kept[kept > 0]
    return float(np.median(kept)) if len(kept) else float(background_volume ** (1 / 2) / 100)


def _track_histories(result):
    """``{id: (frames, means, covariances, existence)}`` from every frame's surviving tracks."""
    histories = defaultdict(list)
    for t, record in enumerate(result.frames):
        tracks = record.tracks
        for j, identity in enumerate(tracks.ids):
            histories[int(identity)].append((t, tracks.means[j], tracks.covariances[j], tracks.existence[j]))
    return {
        identity: (
            np.array([h[0] for h in rows]),
            np.array([h[1] for h in rows]),
            np.array([h[2] for h in rows]),
            np.array([h[3] for h in rows]),
        )
        for identity, rows in histories.items()
    }


def _object_spans(result, histories, existence_threshold):
    """Each well-established track's span: from its first reported frame to its last frame with a point.

    A track keeps being reported for a frame or two after its object has gone; those frames say
    nothing about the sensor (the object is not there to be detected), so they are left out. Tracks
    reported in fewer than ``MIN_REPORTED_FRAMES`` frames of their span are left out whole.
    """
    explained = defaultdict(list)  # id -> frames in which it explained at least half a point
    for t, record in enumerate(result.frames):
        counts = record.fit.resp[:, :-1].sum(axis=0)
        for identity in record.track_ids[counts >= 0.5].tolist():
            explained[identity].append(t)
    spans = {}
    for identity, (frames, _, _, existence) in histories.items():
        reported = frames[existence >= existence_threshold]
        if not len(reported) or not explained[identity]:
            continue
        first, last = int(reported[0]), min(max(explained[identity]), int(frames[-1]))
        if np.sum((reported >= first) & (reported <= last)) >= MIN_REPORTED_FRAMES:
            spans[identity] = (first, last)
    return spans


def sequence_statistics(result, existence_threshold=0.5):
    """The E-step's statistics of a tracking pass (:meth:`gmmlib.tracking.EMTracker.track`).

    Parameters
    ----------
    result : TrackingResult
        Its frames' records hold the detections, the responsibilities and the tracks' states.
    existence_threshold : float, default=0.5
        A track is reported while its existence probability is at least this.

    Returns
    -------
    SequenceStatistics
    """
    model = result.model
    n_position = result.frames[0].detections.shape[1]
    histories = _track_histories(result)
    spans = _object_spans(result, histories, existence_threshold)
    identities = sorted(spans)
    births = {identity: int(histories[identity][0][0]) for identity in identities}
    length = max((spans[i][1] - births[i] + 1 for i in identities), default=1)
    counts = np.zeros((len(identities), length))
    sums = np.zeros((len(identities), length, n_position))
    valid = np.zeros((len(identities), length), dtype=bool)
    row_of = {identity: row for row, identity in enumerate(identities)}
    for row, identity in enumerate(identities):
        valid[row, : spans[identity][1] - births[identity] + 1] = True
    # Per frame: its points, and the responsibilities, rows, ages and existence after the previous
    # frame of its counted track-frames (batched per frame below).
    counted_frames = []
    clutter_count = 0.0
    for t, record in enumerate(result.frames):
        resp, points = record.fit.resp, record.detections
        clutter_count += float(resp[:, -1].sum())
        frame_counts, frame_sums = resp[:, :-1].sum(axis=0), resp[:, :-1].T @ points
        columns, rows, ages, previous = [], [], [], []
        for k, identity in enumerate(record.track_ids.tolist()):
            if identity not in spans or t > spans[identity][1]:
                continue
            row, age = row_of[identity], t - births[identity]
            if frame_counts[k] >= MIN_COUNT:
                counts[row, age], sums[row, age] = frame_counts[k], frame_sums[k]
            if t > spans[identity][0]:
                columns.append(k)
                rows.append(row)
                ages.append(age)
                previous.append(histories[identity][3][age - 1])
        if columns:
            counted_frames.append((points, resp[:, columns], np.array(rows), np.array(ages), np.array(previous)))
    tracks = TrackMeasurements(
        np.array([histories[i][1][0] for i in identities]).reshape(-1, 2 * n_position),
        np.array([histories[i][2][0] for i in identities]).reshape(-1, 2 * n_position, 2 * n_position),
        counts,
        sums,
        valid,
    )
    means, covariances, lag_one, _ = smooth_tracks(tracks, model.process_noise, model.measurement_variance)
    transition_sum, n_transitions = transition_statistics(tracks, means, covariances, lag_one)
    velocity_sum = first_velocity_moment(means, covariances, n_position)
    residual_sum = residual_weight = expected_detected = n_track_frames = 0.0
    miss_given_none = (1 - model.detection_probability) / (
        1 - model.detection_probability + model.detection_probability * np.exp(-model.points_per_object)
    )
    for points, gamma, rows, ages, weights in counted_frames:
        offsets = points[:, None, :] - means[rows, ages, :n_position][None]
        squared = np.einsum("nkd,nkd->nk", offsets, offsets)
        point_counts = gamma.sum(axis=0)
        traces = np.trace(covariances[rows, ages, :n_position, :n_position], axis1=1, axis2=2)
        residual_sum += float(weights @ (np.einsum("nk,nk->k", gamma, squared) + point_counts * traces))
        residual_weight += float(weights @ point_counts)
        with np.errstate(divide="ignore"):
            log_none = np.sum(np.log1p(-np.minimum(gamma, 1.0)), axis=0)
        expected_detected += float(weights @ (1 - np.exp(log_none) * miss_given_none))
        n_track_frames += float(weights.sum())
    return SequenceStatistics(
        n_position=n_position,
        measurement_variance=model.measurement_variance,
        process_noise=model.process_noise,
        birth_velocity_variance=model.birth_velocity_variance,
        tracks=tracks,
        residual_sum=residual_sum,
        residual_weight=residual_weight,
        transition_sum=transition_sum,
        n_transitions=n_transitions,
        clutter_count=clutter_count,
        n_frames=len(result.frames),
        expected_detected=float(expected_detected),
        expected_count=residual_weight,  # the same sum r E[n] = sum r gamma
        n_track_frames=n_track_frames,
        velocity_sum=velocity_sum,
        n_births=len(identities),
        n_survivals=sum(last - first for first, last in spans.values()),
        n_deaths=sum(last < len(result.frames) - 1 for _, last in spans.values()),
    )


def measurement_variance_update(statistics):
    """``sigma^2 = sum gamma (||z - H x||^2 + tr(H P H^T)) / (d sum gamma)``; None without residuals."""
    if not (statistics.residual_weight > 0 and statistics.residual_sum > 0):
        return None
    return statistics.residual_sum / (statistics.n_position * statistics.residual_weight)


def process_noise_update(statistics):
    """``q = sum_t tr(Q_1^{-1} E[w_t w_t^T]) / (2 d n_transitions)``: one M-step at the pass's smoothed states.

    None without transitions (no established track).
    """
    if not statistics.n_transitions:
        return None
    return max(statistics.transition_sum / (2 * statistics.n_position * statistics.n_transitions), MIN_PROCESS_NOISE)


def motion_em(statistics, max_iter=20, tol=1e-4):
    """``q`` and ``sigma_v^2`` by EM on the tracks' measurements alone (Shumway and Stoffer 1982).

    EM for a variance is slow when the data say little about it (each update moves it only a
    little from where it started), and every iteration of the sequence's EM costs a tracking pass.
    With the assignments held fixed, the tracks are a linear Gaussian model of their
    :class:`TrackMeasurements` (each starting from ``N((c, 0), diag(sigma^2 I, sigma_v^2 I))``):
    this EM re-smooths them (:func:`smooth_tracks`) at each ``(q, sigma_v^2)`` and applies
    :func:`process_noise_update` and :func:`birth_velocity_variance_update`, through
    :func:`gmmlib.em_loop.run_em`, climbing their marginal log-likelihood, the lower bound it records.

    Each call starts from the pass's ``(q, sigma_v^2)``, the previous call's result, so the
    sequence's iterations continue one chain; ``max_iter`` bounds one call's share.

    Returns
    -------
    EMRun or None
        ``parameters`` is the new ``(q, sigma_v^2)``; ``lower_bounds`` the log-likelihood per
        measured track-frame. None without an established track.
    """
    if not statistics.n_births:
        return None
    tracks, d = statistics.tracks, statistics.n_position
    n_measured = int(np.sum(tracks.counts > 0))

    def e_step(parameters):
        process_noise, velocity_variance = parameters
        priors = tracks.prior_covariances.copy()
        priors[:, d:, d:] = velocity_variance * np.eye(d)
        means, covariances, lag_one, log_likelihood = smooth_tracks(
            replace(tracks, prior_covariances=priors), process_noise, statistics.measurement_variance
        )
        velocity_sum = first_velocity_moment(means, covariances, d)
        return (*transition_statistics(tracks, means, covariances, lag_one), velocity_sum), log_likelihood / n_measured

    def m_step(sums, parameters):  # every established track spans at least three frames: n_transitions > 0
        transition_sum, n_transitions, velocity_sum = sums
        return max(transition_sum / (2 * d * n_transitions), MIN_PROCESS_NOISE), velocity_sum / (d * len(tracks.counts))

    start = (statistics.process_noise, statistics.birth_velocity_variance)
    return run_em(e_step, m_step, start, max_iter=max_iter, tol=tol)


def clutter_rate_update(statistics):
    """``lambda_c = sum_t sum_i gamma_i0 / n_frames``, at least ``MIN_CLUTTER_RATE``."""
    return max(statistics.clutter_count / statistics.n_frames, MIN_CLUTTER_RATE)


def detection_updates(statistics):
    """``P_D = sum E[delta] / n_track_frames`` and ``lambda = sum E[n] / sum E[delta]``.

    None without counted track-frames or points in them (no established track).
    """
    if not (statistics.n_track_frames > 0 and statistics.expected_count > 0):
        return None
    return (
        statistics.expected_detected / statistics.n_track_frames,
        statistics.expected_count / statistics.expected_detected,
    )


def birth_velocity_variance_update(statistics):
    """``sigma_v^2 = sum E||v_0||^2 / (d n_tracks)``; None without an established track."""
    if not statistics.n_births:
        return None
    return statistics.velocity_sum / (statistics.n_position * statistics.n_births)


def survival_probability_update(statistics):
    """``p_S = (n_survivals + 1) / (n_survivals + n_deaths + 2)``: MAP under a Beta(2, 2) prior.

    None without an established track: the prior alone (1/2) is not learned from the data.
    """
    if not statistics.n_births:
        return None
    return (statistics.n_survivals + 1) / (statistics.n_survivals + statistics.n_deaths + 2)


def expected_log_likelihood_terms(statistics, model):
    """Each parameter's term of the expected complete-data log-likelihood (constants dropped).

    The updates of this module maximise these terms one by one; ``notebooks/05`` and the tests
    check it numerically.

    Returns
    -------
    dict
        ``measurement``, ``process``, ``clutter``, ``detection``, ``birth_velocity`` and
        ``survival`` (with its Beta(2, 2) log-prior) terms.
    """
    s, d = statistics, statistics.n_position
    unit_log_det = np.linalg.slogdet(constant_velocity_model(1.0, n_dimensions=d)[1])[1]
    p_d, rate = model.detection_probability, model.points_per_object
    with np.errstate(divide="ignore", invalid="ignore"):  # P_D = 1 with every track-frame detected: 0 log 0 = 0
        miss_term = (s.n_track_frames - s.expected_detected) * np.log1p(-p_d) if p_d < 1 else 0.0
    return {
        "measurement": -0.5
        * (
            d * s.residual_weight * np.log(2 * np.pi * model.measurement_variance)
            + s.residual_sum / model.measurement_variance
        ),
        "process": -0.5
        * (
            s.n_transitions * (2 * d * (LOG_2PI + np.log(model.process_noise)) + unit_log_det)
            + s.transition_sum / model.process_noise
        ),
        "clutter": s.clutter_count * np.log(model.clutter_rate) - s.n_frames * model.clutter_rate,
        "detection": s.expected_detected * np.log(p_d)
        + miss_term
        + s.expected_count * np.log(rate)
        - s.expected_detected * rate,
        "birth_velocity": -0.5
        * (
            d * s.n_births * np.log(2 * np.pi * model.birth_velocity_variance)
            + s.velocity_sum / model.birth_velocity_variance
        ),
        "survival": (s.n_survivals + 1) * np.log(model.survival_probability)
        + (s.n_deaths + 1) * np.log1p(-model.survival_probability),
    }


def model_updates(statistics):
    """The M-step: every parameter whose statistics are not empty, by its closed-form update.

    ``q`` and ``sigma_v^2`` come from :func:`motion_em`, the rest from the one-step updates above.

    Parameters
    ----------
    statistics : SequenceStatistics

    Returns
    -------
    dict
        ``{name: value}`` in :class:`gmmlib.tracking.TrackingModel`'s names, without the parameters
        the pass says nothing about: all but the clutter rate when it established no track.
    """
    updates = {
        "measurement_variance": measurement_variance_update(statistics),
        "clutter_rate": clutter_rate_update(statistics),
        "survival_probability": survival_probability_update(statistics),
    }
    detection = detection_updates(statistics)
    if detection is not None:
        updates["detection_probability"], updates["points_per_object"] = detection
    motion = motion_em(statistics)
    if motion is not None:
        updates["process_noise"], updates["birth_velocity_variance"] = motion.parameters
    return {name: float(value) for name, value in updates.items() if value is not None}
