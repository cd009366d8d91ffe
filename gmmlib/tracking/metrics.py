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

from .._validation import check_scalar

OSPA = namedtuple("OSPA", ["distance", "localisation", "cardinality"])
GOSPA = namedtuple("GOSPA", ["distance", "localisation", "missed", "false"])
ClearMOT = namedtuple("ClearMOT", ["mota", "motp", "matches", "misses", "false_positives", "mismatches", "n_truth"])


def _point_set(points, name, n_features=None):
    array = np.asarray(points, dtype=np.float64)
    if array.size == 0:
        return array.reshape(0, n_features or (array.shape[-1] if array.ndim == 2 else 0))
    if array.ndim != 2 or not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be a finite array of shape (n_points, n_features), got shape {array.shape}")
    return array


def _point_sets(truth, estimates):
    X = _point_set(truth, "truth")
    Y = _point_set(estimates, "estimates", X.shape[1] if len(X) else None)
    if len(X) == 0 and len(Y):
        X = X.reshape(0, Y.shape[1])
    if len(X) and len(Y) and X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"truth and estimates must have the same number of features, got {X.shape[1]} and {Y.shape[1]}"
        )
    return X, Y


def _check_order(c, p):
    check_scalar(c, "c", float, minimum=0, include_minimum=False)
    check_scalar(p, "p", float, minimum=1)


def _cut_off_costs(X, Y, c, p):
    """``min(d(x_i, y_j), c)^p`` and its optimal assignment (rows, columns)."""
    costs = np.minimum(cdist(X, Y), c) ** p
    rows, columns = linear_sum_assignment(costs)
    return costs, rows, columns


def optimal_assignment(truth, estimates, c, p=1.0):
    """The pairs of GOSPA's optimal assignment: true points matched to estimates closer than ``c``.

    The assignment minimises ``sum min(d, c)^p`` over one-to-one pairings (as in
    :func:`ospa` and :func:`gospa`); pairs at distance ``c`` or more are dropped.

    Parameters
    ----------
    truth : array-like of shape (m, n_features)
    estimates : array-like of shape (n, n_features)
    c : float
        Cut-off, > 0.
    p : float, default=1.0
        Order, >= 1.

    Returns
    -------
    rows, columns : ndarray of int
        ``truth[rows[i]]`` is matched to ``estimates[columns[i]]``.
    """
    _check_order(c, p)
    X, Y = _point_sets(truth, estimates)
    if not (len(X) and len(Y)):
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    costs, rows, columns = _cut_off_costs(X, Y, c, p)
    inside = costs[rows, columns] < c**p
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
    minimises the sum of ``d^(c)`` to the power ``p`` (which matters for ``p > 1``).

    Parameters
    ----------
    truth : array-like of shape (m, n_features)
    estimates : array-like of shape (n, n_features)
    c : float
        Cut-off, > 0.
    p : float, default=1.0
        Order, >= 1.

    Returns
    -------
    OSPA
        Named tuple ``(distance, localisation, cardinality)``.
    """
    _check_order(c, p)
    X, Y = _point_sets(truth, estimates)
    m, n = len(X), len(Y)
    largest = max(m, n)
    if largest == 0:
        return OSPA(0.0, 0.0, 0.0)
    localisation_sum = 0.0
    if min(m, n) > 0:
        costs, rows, columns = _cut_off_costs(X, Y, c, p)
        localisation_sum = float(costs[rows, columns].sum())
    cardinality_sum = c**p * abs(m - n)
    return OSPA(
        float(((localisation_sum + cardinality_sum) / largest) ** (1 / p)),
        float((localisation_sum / largest) ** (1 / p)),
        float((cardinality_sum / largest) ** (1 / p)),
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
    miss and a false estimate (the same cost).

    Parameters
    ----------
    truth : array-like of shape (m, n_features)
    estimates : array-like of shape (n, n_features)
    c : float
        Cut-off, > 0.
    p : float, default=1.0
        Order, >= 1.

    Returns
    -------
    GOSPA
        Named tuple ``(distance, localisation, missed, false)``.
    """
    _check_order(c, p)
    X, Y = _point_sets(truth, estimates)
    m, n = len(X), len(Y)
    rows, columns = optimal_assignment(X, Y, c, p)
    localisation = float(np.sum(np.linalg.norm(X[rows] - Y[columns], axis=1) ** p))
    n_assigned = len(rows)
    missed = c**p / 2 * (m - n_assigned)
    false = c**p / 2 * (n - n_assigned)
    return GOSPA(float((localisation + missed + false) ** (1 / p)), localisation, float(missed), float(false))


def clear_mot(truth_ids, truth_positions, track_ids, track_positions, gate):
    """CLEAR MOT accuracy and precision (Bernardin and Stiefelhagen 2008).

    Frame by frame, true objects ``o`` are matched to track hypotheses ``h`` closer than
    ``gate`` (distance <= gate): first every correspondence ``(o, h)`` of the current mapping is
    kept if both are present and still within the gate; the remaining objects and hypotheses are
    then matched by the assignment of least total distance among pairs within the gate. A new
    match ``(o, h)`` for an object whose mapping was ``(o, h')``, ``h' != h``, is a mismatch
    (identity switch); the mapping keeps an object's last hypothesis through frames in which it
    is unmatched, and a hypothesis belongs to one object at a time. Then

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
    """
    check_scalar(gate, "gate", float, minimum=0, include_minimum=False)
    if not len(truth_ids) == len(truth_positions) == len(track_ids) == len(track_positions):
        raise ValueError(
            f"truth_ids, truth_positions, track_ids and track_positions must have one entry per "
            f"frame, got lengths {len(truth_ids)}, {len(truth_positions)}, {len(track_ids)} and "
            f"{len(track_positions)}"
        )
    mapping = {}  # object -> hypothesis
    matches = misses = false_positives = mismatches = n_truth = 0
    distance_sum = 0.0
    for frame, (objects, X, hypotheses, Y) in enumerate(zip(truth_ids, truth_positions, track_ids, track_positions)):
        objects, hypotheses = (np.asarray(a, dtype=int).reshape(-1) for a in (objects, hypotheses))
        X, Y = _point_sets(X, Y)
        if len(objects) != len(X) or len(hypotheses) != len(Y):
            raise ValueError(
                f"frame {frame}: ids and positions differ in length ({len(objects)} objects with "
                f"{len(X)} positions, {len(hypotheses)} tracks with {len(Y)} positions)"
            )
        distances = cdist(X, Y) if len(X) and len(Y) else np.empty((len(X), len(Y)))
        column_of = {int(h): j for j, h in enumerate(hypotheses)}
        pairs = []
        for i, o in enumerate(objects):
            j = column_of.get(mapping.get(int(o)), -1)
            if j >= 0 and distances[i, j] <= gate:
                pairs.append((i, j))
        free_rows = np.setdiff1d(np.arange(len(X)), [i for i, _ in pairs])
        free_columns = np.setdiff1d(np.arange(len(Y)), [j for _, j in pairs])
        if len(free_rows) and len(free_columns):
            block = distances[np.ix_(free_rows, free_columns)]
            # Pairs outside the gate get a cost that no set of gated pairs can beat.
            cost = np.where(block <= gate, block, gate * (1 + min(block.shape)) + 1.0)
            rows, columns = linear_sum_assignment(cost)
            new = [
                (int(free_rows[r]), int(free_columns[col])) for r, col in zip(rows, columns) if block[r, col] <= gate
            ]
            updates = {int(objects[i]): int(hypotheses[j]) for i, j in new}
            mismatches += sum(o in mapping and mapping[o] != h for o, h in updates.items())
            taken = set(updates.values())
            mapping = {o: h for o, h in mapping.items() if h not in taken} | updates
            pairs.extend(new)
        matches += len(pairs)
        misses += len(X) - len(pairs)
        false_positives += len(Y) - len(pairs)
        n_truth += len(X)
        distance_sum += float(sum(distances[i, j] for i, j in pairs))
    motp = distance_sum / matches if matches else float("nan")
    mota = 1 - (misses + false_positives + mismatches) / n_truth if n_truth else float("nan")
    return ClearMOT(float(mota), float(motp), matches, misses, false_positives, int(mismatches), n_truth)
