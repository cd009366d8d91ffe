"""Multi-object tracking metrics: OSPA, GOSPA and CLEAR MOT, with numpy and scipy only.

Points are compared by Euclidean distance; the optimal assignments come from
:func:`scipy.optimize.linear_sum_assignment`. ``X`` is the set of true positions (``m`` points)
and ``Y`` the estimates (``n`` points). Used in ``notebooks/05_multi_object_tracking.ipynb``.

References
----------
D. Schuhmacher, B.-T. Vo and B.-N. Vo, "A consistent metric for performance evaluation of
multi-object filters", IEEE Trans. Signal Processing 56(8), 2008.
A. S. Rahmathullah, A. F. Garcia-Fernandez and L. Svensson, "Generalized optimal sub-pattern
assignment metric", 20th International Conference on Information Fusion, 2017.
K. Bernardin and R. Stiefelhagen, "Evaluating multiple object tracking performance: the CLEAR
MOT metrics", EURASIP Journal on Image and Video Processing, 2008.
"""

from collections import namedtuple

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from scipy.special import logsumexp

from .._validation import check_scalar
from ._checks import check_ids, check_points

OSPA = namedtuple("OSPA", ["distance", "localisation", "cardinality"])
GOSPA = namedtuple("GOSPA", ["distance", "localisation", "missed", "false"])
ClearMOT = namedtuple("ClearMOT", ["mota", "motp", "matches", "misses", "false_positives", "mismatches", "n_truth"])


def _point_sets(truth, estimates):
    X, Y = check_points(truth, "truth"), check_points(estimates, "estimates")
    X = X if len(X) else X.reshape(0, Y.shape[1])
    Y = Y if len(Y) else Y.reshape(0, X.shape[1])
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"truth and estimates must have the same number of features, got {X.shape[1]} and {Y.shape[1]}"
        )
    return X, Y


def _check_order(c, p):
    check_scalar(c, "c", float, minimum=0, include_minimum=False)
    check_scalar(p, "p", float, minimum=1)
    return float(c), float(p)


def _scaled_distances(X, Y, c):
    """``min(d(x_i, y_j), c) / c``, in [0, 1]: distances in units of the cut-off, for any finite c > 0.

    The points are first divided by their largest coordinate (or ``c``, if larger), so that
    ``cdist`` never squares a number beyond the float range; the cut-off in those units may then
    underflow to 0 (a subnormal ``c``), and the ratio overflow: a distance of 0 stays 0 and any
    other distance at or beyond the cut-off counts as 1, so no ``0 * inf`` ever appears.
    """
    scale = max(float(np.max(np.abs(X), initial=0)), float(np.max(np.abs(Y), initial=0)), c)
    distances = cdist(X / scale, Y / scale)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ratios = distances / (c / scale)
    return np.where(distances > 0, np.minimum(ratios, 1.0), 0.0)


def _assignment(scaled, p):
    """The assignment minimising ``sum scaled^p``, with the costs divided by their largest (no underflow of all)."""
    top = float(scaled.max(initial=0))
    costs = (scaled / top) ** p if top > 0 else scaled
    return linear_sum_assignment(costs)


def _log_power_sum(scaled, p, extra=0.0):
    """``log(sum_i scaled_i^p + extra)`` from logarithms (no underflow for large p or tiny distances)."""
    with np.errstate(divide="ignore"):
        terms = np.append(p * np.log(scaled), np.log(extra))
    return float(logsumexp(terms)) if np.any(np.isfinite(terms)) else -np.inf


def _power_root(log_sum, log_count, p, c):
    """``c (exp(log_sum) / exp(log_count))^(1/p)``, computed as ``c exp((log_sum - log_count) / p)``."""
    return float(c * np.exp((log_sum - log_count) / p))


def optimal_assignment(truth, estimates, c, p=1.0):
    """The pairs of GOSPA's optimal assignment: true points matched to estimates closer than ``c``.

    The assignment minimises ``sum min(d, c)^p`` over one-to-one pairings (as in
    :func:`ospa` and :func:`gospa`); pairs at distance ``c`` or more are dropped.

    Parameters
    ----------
    truth : array-like of shape (m, n_features)
    estimates : array-like of shape (n, n_features)
    c : float
        Cut-off, > 0 and finite.
    p : float, default=1.0
        Order, >= 1 and finite.

    Returns
    -------
    rows, columns : ndarray of int
        ``truth[rows[i]]`` is matched to ``estimates[columns[i]]``.

    Examples
    --------
    >>> from gmmlib.tracking import optimal_assignment
    >>> optimal_assignment([[0, 0], [10, 0]], [[10, 1], [50, 50]], c=5.0)
    (array([1]), array([0]))
    """
    c, p = _check_order(c, p)
    X, Y = _point_sets(truth, estimates)
    if not (len(X) and len(Y)):
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    scaled = _scaled_distances(X, Y, c)
    rows, columns = _assignment(scaled, p)
    inside = scaled[rows, columns] < 1
    return rows[inside], columns[inside]


def ospa(truth, estimates, c, p=1.0):
    """OSPA distance of order ``p`` with cut-off ``c`` (Schuhmacher et al. 2008).

    With ``d^(c)(x, y) = min(d(x, y), c)`` and, for ``m <= n`` (else swap the sets),

        OSPA = ( (1/n) ( min_pi sum_{i=1..m} d^(c)(x_i, y_pi(i))^p + c^p (n - m) ) )^(1/p),

    the minimum over injections ``pi`` of the smaller set into the larger. It splits into

        localisation = ( (1/n) min_pi sum_i d^(c)(x_i, y_pi(i))^p )^(1/p),
        cardinality  = ( c^p (n - m) / n )^(1/p),

    with ``OSPA^p = localisation^p + cardinality^p`` (a plain sum for ``p = 1``). Two empty sets
    are at distance 0; an empty set and a non-empty one at distance ``c``. The assignment
    minimises the sum of ``d^(c)`` to the power ``p`` (which matters for ``p > 1``). Computed in
    units of ``c`` and from logarithms, so any finite ``c > 0`` and ``p >= 1`` give a finite
    result.

    Parameters
    ----------
    truth : array-like of shape (m, n_features)
    estimates : array-like of shape (n, n_features)
    c : float
        Cut-off, > 0 and finite.
    p : float, default=1.0
        Order, >= 1 and finite.

    Returns
    -------
    OSPA
        Named tuple ``(distance, localisation, cardinality)``.

    Examples
    --------
    Two objects, found 3 and 4 away, and a false estimate: ``((3 + 4) + 10) / 3``.

    >>> from gmmlib.tracking import ospa
    >>> result = ospa([[0, 0], [10, 0]], [[0, 3], [10, 4], [50, 50]], c=10.0)
    >>> [round(value, 4) for value in result]
    [5.6667, 2.3333, 3.3333]
    """
    c, p = _check_order(c, p)
    X, Y = _point_sets(truth, estimates)
    m, n = len(X), len(Y)
    largest = max(m, n)
    if largest == 0:
        return OSPA(0.0, 0.0, 0.0)
    assigned = np.empty(0)
    if min(m, n) > 0:
        scaled = _scaled_distances(X, Y, c)
        rows, columns = _assignment(scaled, p)
        assigned = scaled[rows, columns]
    log_count = np.log(largest)
    return OSPA(
        _power_root(_log_power_sum(assigned, p, abs(m - n)), log_count, p, c),
        _power_root(_log_power_sum(assigned, p), log_count, p, c),
        _power_root(_log_power_sum(np.empty(0), p, abs(m - n)), log_count, p, c),
    )


def gospa(truth, estimates, c, p=1.0):
    """GOSPA distance with ``alpha = 2`` (Rahmathullah, Garcia-Fernandez and Svensson 2017).

    With ``alpha = 2`` the metric is an optimal assignment ``gamma`` of some true points to some
    estimates, each assigned pair closer than ``c``:

        GOSPA = ( min_gamma sum_{(i, j) in gamma} d(x_i, y_j)^p
                  + c^p / 2 (m - |gamma|) + c^p / 2 (n - |gamma|) )^(1/p),

    that is a localisation term, ``c^p / 2`` per missed true point and ``c^p / 2`` per false
    estimate. It is not normalised by the number of points (unlike OSPA), so it grows with the
    number of errors. The parts are returned in units of the ``p``-th power, as in Stone Soup:
    ``distance^p == localisation + missed + false``. A pair exactly ``c`` apart counts as a
    miss and a false estimate (the same cost). The distance is computed in units of ``c`` and
    from logarithms, finite for any finite ``c > 0`` and ``p >= 1``; the parts are powers and
    need ``c^p`` to be a finite float.

    Parameters
    ----------
    truth : array-like of shape (m, n_features)
    estimates : array-like of shape (n, n_features)
    c : float
        Cut-off, > 0 and finite.
    p : float, default=1.0
        Order, >= 1 and finite.

    Returns
    -------
    GOSPA
        Named tuple ``(distance, localisation, missed, false)``.

    Raises
    ------
    ValueError
        If ``c**p`` overflows (the parts could not be represented).

    Examples
    --------
    >>> from gmmlib.tracking import gospa
    >>> result = gospa([[0, 0], [10, 0]], [[0, 3], [10, 4], [50, 50]], c=10.0)
    >>> result.distance, result.localisation, result.missed, result.false
    (12.0, 7.0, 0.0, 5.0)
    """
    c, p = _check_order(c, p)
    with np.errstate(over="ignore"):
        c_power = float(np.power(c, p))
    if not np.isfinite(c_power):
        raise ValueError(f"c**p must be a finite float for GOSPA's parts, got c={c!r} and p={p!r} (c**p overflows)")
    X, Y = _point_sets(truth, estimates)
    m, n = len(X), len(Y)
    rows, columns = optimal_assignment(X, Y, c, p)
    scaled = _scaled_distances(X[rows], Y[columns], c).diagonal() if len(rows) else np.empty(0)
    unassigned = (m - len(rows)) + (n - len(rows))
    distance = _power_root(_log_power_sum(scaled, p, unassigned / 2), 0.0, p, c)
    localisation = float(c_power * np.sum(scaled**p))
    return GOSPA(distance, localisation, c_power / 2 * (m - len(rows)), c_power / 2 * (n - len(rows)))


def clear_mot(truth_ids, truth_positions, track_ids, track_positions, gate):
    """CLEAR MOT accuracy and precision (Bernardin and Stiefelhagen 2008).

    Frame by frame, true objects ``o`` are matched to track hypotheses ``h`` closer than
    ``gate`` (distance <= gate). Every object remembers the hypothesis of its last match, through
    frames in which it is unmatched and after another object took that hypothesis. First, each
    object (in the order given) keeps its last hypothesis if both are present, they are within the
    gate and no earlier object kept it; the remaining objects and hypotheses are then matched by
    the assignment of least total distance among pairs within the gate. A new match ``(o, h)`` of
    an object whose last hypothesis was ``h' != h`` is a mismatch (identity switch). This is the
    paper's procedure, as py-motmetrics implements it (the tests compare the two). Then

        MOTA = 1 - sum_t (misses_t + false_positives_t + mismatches_t) / sum_t g_t,
        MOTP = sum_{t, i} d_t^i / sum_t c_t,

    with ``g_t`` the true objects in frame ``t``, ``c_t`` the matches and ``d_t^i`` their
    distances. MOTA is 1 at best and can be negative; MOTP is a mean distance (lower is better).

    Parameters
    ----------
    truth_ids : list of array-like of shape (m_t,)
    truth_positions : list of array-like of shape (m_t, n_features)
    track_ids : list of array-like of shape (n_t,)
    track_positions : list of array-like of shape (n_t, n_features)
    gate : float
        Largest distance at which an object and a hypothesis can match, > 0.

    Returns
    -------
    ClearMOT
        Named tuple ``(mota, motp, matches, misses, false_positives, mismatches, n_truth)``;
        ``motp`` is NaN when nothing matched and ``mota`` NaN when there is no true object.

    Raises
    ------
    ValueError
        If a frame's identities repeat or are not integers, or ids and positions differ in length.

    Examples
    --------
    One object, tracked in two frames, but by another track in the second: one identity switch.

    >>> from gmmlib.tracking import clear_mot
    >>> result = clear_mot([[7], [7]], [[[0, 0]], [[1, 0]]], [[1], [2]], [[[0, 0.5]], [[1, 0.5]]], gate=1.0)
    >>> result.mota, result.motp, result.mismatches
    (0.5, 0.5, 1)
    """
    check_scalar(gate, "gate", float, minimum=0, include_minimum=False)
    if not len(truth_ids) == len(truth_positions) == len(track_ids) == len(track_positions):
        raise ValueError(
            f"truth_ids, truth_positions, track_ids and track_positions must have one entry per "
            f"frame, got lengths {len(truth_ids)}, {len(truth_positions)}, {len(track_ids)} and "
            f"{len(track_positions)}"
        )
    last_hypothesis = {}  # object -> the hypothesis of its last match, kept for good
    matches = misses = false_positives = mismatches = n_truth = 0
    distance_sum = 0.0
    for frame, (objects, X, hypotheses, Y) in enumerate(zip(truth_ids, truth_positions, track_ids, track_positions)):
        objects = check_ids(objects, f"truth_ids[{frame}]", unique=True)
        hypotheses = check_ids(hypotheses, f"track_ids[{frame}]", unique=True)
        X, Y = _point_sets(X, Y)
        if len(objects) != len(X) or len(hypotheses) != len(Y):
            raise ValueError(
                f"frame {frame}: ids and positions differ in length ({len(objects)} objects with "
                f"{len(X)} positions, {len(hypotheses)} tracks with {len(Y)} positions)"
            )
        distances = cdist(X, Y) if len(X) and len(Y) else np.empty((len(X), len(Y)))
        column_of = {int(h): j for j, h in enumerate(hypotheses)}
        pairs, kept_columns = [], set()
        for i, o in enumerate(objects):  # step 1: last correspondences still valid, each hypothesis once
            j = column_of.get(last_hypothesis.get(int(o)), -1)
            if j >= 0 and j not in kept_columns and distances[i, j] <= gate:
                pairs.append((i, j))
                kept_columns.add(j)
        free_rows = np.setdiff1d(np.arange(len(X)), [i for i, _ in pairs])
        free_columns = np.setdiff1d(np.arange(len(Y)), list(kept_columns))
        if len(free_rows) and len(free_columns):  # step 2: the rest by least total distance
            block = distances[np.ix_(free_rows, free_columns)]
            # In units of the gate; pairs outside it cost more than any set of gated pairs can save.
            gated = block <= gate
            cost = np.divide(block, gate, out=np.full_like(block, 2.0 + min(block.shape)), where=gated)
            rows, columns = linear_sum_assignment(cost)
            new = [(int(free_rows[r]), int(free_columns[col])) for r, col in zip(rows, columns) if gated[r, col]]
            mismatches += sum(
                last_hypothesis.get(int(objects[i]), int(hypotheses[j])) != int(hypotheses[j]) for i, j in new
            )
            pairs.extend(new)
        last_hypothesis.update({int(objects[i]): int(hypotheses[j]) for i, j in pairs})
        matches += len(pairs)
        misses += len(X) - len(pairs)
        false_positives += len(Y) - len(pairs)
        n_truth += len(X)
        distance_sum += float(sum(distances[i, j] for i, j in pairs))
    motp = distance_sum / matches if matches else float("nan")
    mota = 1 - (misses + false_positives + mismatches) / n_truth if n_truth else float("nan")
    return ClearMOT(float(mota), float(motp), matches, misses, false_positives, int(mismatches), n_truth)
