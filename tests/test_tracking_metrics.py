"""OSPA, GOSPA and CLEAR MOT on hand-computed cases, following the papers' definitions.

The worked example used throughout: truth X = {(0, 0), (10, 0)}, estimates
Y = {(0, 3), (10, 4), (50, 50)}, cut-off c = 10. The optimal assignment pairs (0, 0)-(0, 3)
(distance 3) and (10, 0)-(10, 4) (distance 4); (50, 50) is unassigned.
"""

import itertools
import warnings

import motmetrics
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from gmmlib.tracking import clear_mot, gospa, optimal_assignment, ospa

X = [[0.0, 0.0], [10.0, 0.0]]
Y = [[0.0, 3.0], [10.0, 4.0], [50.0, 50.0]]
EMPTY = np.empty((0, 2))


# -- OSPA (Schuhmacher, Vo and Vo 2008) ------------------------------------------------------------
def test_ospa_both_empty_is_zero():
    assert ospa(EMPTY, EMPTY, c=10) == (0.0, 0.0, 0.0)
    assert ospa([], [], c=10, p=2) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("p", [1, 2, 3.5])
def test_ospa_one_empty_is_the_cut_off(p):
    assert ospa(X, EMPTY, c=10, p=p) == pytest.approx((10.0, 0.0, 10.0))
    assert ospa(EMPTY, Y, c=10, p=p) == pytest.approx((10.0, 0.0, 10.0))


def test_ospa_equal_sets_is_zero():
    assert ospa(Y, Y[::-1], c=10) == pytest.approx((0.0, 0.0, 0.0))


def test_ospa_known_assignment_order_1():
    # ((3 + 4) + 10 * (3 - 2)) / 3 = 17/3; localisation 7/3, cardinality 10/3.
    assert ospa(X, Y, c=10, p=1) == pytest.approx((17 / 3, 7 / 3, 10 / 3))
    assert ospa(Y, X, c=10, p=1) == pytest.approx((17 / 3, 7 / 3, 10 / 3))  # symmetric


def test_ospa_known_assignment_order_2():
    # sqrt((9 + 16 + 100) / 3) = sqrt(125/3) = 6.45497; localisation sqrt(25/3), cardinality sqrt(100/3).
    result = ospa(X, Y, c=10, p=2)
    assert result == pytest.approx((6.454972243679028, 2.886751345948129, 5.773502691896258))
    assert result.distance**2 == pytest.approx(result.localisation**2 + result.cardinality**2)


def test_ospa_pairs_beyond_the_cut_off_cost_c_as_localisation():
    # One pair 20 apart: d^(c) = min(20, 10) = 10, and it counts as localisation (m = n).
    assert ospa([[0.0, 0.0]], [[20.0, 0.0]], c=10) == pytest.approx((10.0, 10.0, 0.0))
    assert ospa([[0.0, 0.0]], [[20.0, 0.0]], c=10, p=2) == pytest.approx((10.0, 10.0, 0.0))


def test_ospa_assignment_minimises_the_sum_of_p_th_powers():
    # Brute force over every injection of the smaller set into the larger.
    rng = np.random.default_rng(0)
    for _ in range(30):
        m, n = rng.integers(1, 5, size=2)
        A, B = rng.uniform(0, 8, size=(m, 2)), rng.uniform(0, 8, size=(n, 2))
        c, p = 5.0, float(rng.choice([1, 2, 3]))
        small, large = (A, B) if m <= n else (B, A)
        d = np.minimum(np.linalg.norm(small[:, None] - large[None], axis=2), c) ** p
        best = min(
            sum(d[i, j] for i, j in enumerate(perm)) for perm in itertools.permutations(range(len(large)), len(small))
        )
        expected = ((best + c**p * abs(m - n)) / max(m, n)) ** (1 / p)
        assert ospa(A, B, c=c, p=p).distance == pytest.approx(expected)


def test_ospa_is_bounded_by_the_cut_off():
    rng = np.random.default_rng(1)
    for _ in range(20):
        A, B = rng.uniform(0, 100, size=(rng.integers(0, 6), 2)), rng.uniform(0, 100, size=(rng.integers(0, 6), 2))
        assert 0.0 <= ospa(A, B, c=7.0, p=2).distance <= 7.0 + 1e-12


@pytest.mark.parametrize(
    "c, p, message", [(0, 1, "c must be > 0"), (10, 0.5, "p must be >= 1"), (-1.0, 1, "c must be > 0")]
)
def test_ospa_rejects_bad_parameters(c, p, message):
    with pytest.raises(ValueError, match=message):
        ospa(X, Y, c=c, p=p)


def test_metrics_reject_sets_of_different_dimension():
    with pytest.raises(ValueError, match="same number of features"):
        ospa([[0.0, 0.0]], [[0.0, 0.0, 0.0]], c=1)


# -- GOSPA, alpha = 2 (Rahmathullah, Garcia-Fernandez and Svensson 2017) -------------------------
def test_gospa_both_empty_is_zero():
    assert gospa(EMPTY, EMPTY, c=10) == (0.0, 0.0, 0.0, 0.0)


def test_gospa_one_empty_counts_half_the_cut_off_per_point():
    # Missed: 2 points * 10 / 2 = 10. False: 3 points * 10 / 2 = 15.
    assert gospa(X, EMPTY, c=10) == pytest.approx((10.0, 0.0, 10.0, 0.0))
    assert gospa(EMPTY, Y, c=10) == pytest.approx((15.0, 0.0, 0.0, 15.0))
    # p = 2: 3 * 10^2 / 2 = 150 false, distance sqrt(150).
    assert gospa(EMPTY, Y, c=10, p=2) == pytest.approx((np.sqrt(150.0), 0.0, 0.0, 150.0))


def test_gospa_equal_sets_is_zero():
    assert gospa(X, X, c=10, p=2) == pytest.approx((0.0, 0.0, 0.0, 0.0))


def test_gospa_known_assignment():
    # p = 1: localisation 3 + 4 = 7, one false estimate 10 / 2 = 5, distance 12 (not normalised).
    assert gospa(X, Y, c=10, p=1) == pytest.approx((12.0, 7.0, 0.0, 5.0))
    # p = 2: localisation 9 + 16 = 25, false 100 / 2 = 50, distance sqrt(75).
    assert gospa(X, Y, c=10, p=2) == pytest.approx((np.sqrt(75.0), 25.0, 0.0, 50.0))


def test_gospa_pair_beyond_the_cut_off_is_a_miss_and_a_false_estimate():
    assert gospa([[0.0, 0.0]], [[20.0, 0.0]], c=10) == pytest.approx((10.0, 0.0, 5.0, 5.0))
    assert gospa([[0.0, 0.0]], [[10.0, 0.0]], c=10) == pytest.approx((10.0, 0.0, 5.0, 5.0))  # exactly c
    assert gospa([[0.0, 0.0]], [[9.0, 0.0]], c=10) == pytest.approx((9.0, 9.0, 0.0, 0.0))


def test_gospa_parts_add_up():
    rng = np.random.default_rng(2)
    for _ in range(20):
        A, B = rng.uniform(0, 30, size=(rng.integers(0, 6), 2)), rng.uniform(0, 30, size=(rng.integers(0, 6), 2))
        result = gospa(A, B, c=8.0, p=2)
        assert result.distance**2 == pytest.approx(result.localisation + result.missed + result.false)


def test_optimal_assignment_drops_pairs_beyond_the_cut_off():
    rows, columns = optimal_assignment(X, Y, c=10)
    assert sorted(zip(rows.tolist(), columns.tolist())) == [(0, 0), (1, 1)]
    rows, columns = optimal_assignment(X, Y, c=3.5)  # only the pair at distance 3 survives
    assert list(zip(rows.tolist(), columns.tolist())) == [(0, 0)]
    assert [len(a) for a in optimal_assignment(EMPTY, Y, c=10)] == [0, 0]


# -- CLEAR MOT (Bernardin and Stiefelhagen 2008) ---------------------------------------------------
def test_clear_mot_perfect_tracking():
    ids = [[1, 2]] * 3
    positions = [[[0.0, 0.0], [5.0, 5.0]], [[1.0, 0.0], [5.0, 6.0]], [[2.0, 0.0], [5.0, 7.0]]]
    result = clear_mot(ids, positions, [[7, 8]] * 3, positions, gate=1.0)
    assert result == (1.0, 0.0, 6, 0, 0, 0, 6)


def test_clear_mot_known_sequence():
    # t0: 1-a (distance 1) and 2-b (distance 2).
    # t1: the tracks swap: the old pairs are 10 apart (beyond the gate), the assignment matches
    #     1-b and 2-a at distance 0.5 each: two mismatches.
    # t2: 1-b at distance 0; object 2 has no track within the gate (miss), track c is false.
    # MOTA = 1 - (1 miss + 1 false + 2 mismatches) / 6 = 1/3; MOTP = (1 + 2 + 0.5 + 0.5 + 0) / 5 = 0.8.
    truth_ids = [[1, 2], [1, 2], [1, 2]]
    truth = [[[0, 0], [10, 0]], [[1, 0], [11, 0]], [[2, 0], [12, 0]]]
    track_ids = [[10, 11], [10, 11], [11, 12]]
    tracks = [[[0, 1], [10, 2]], [[11, 0.5], [1, 0.5]], [[2, 0], [30, 0]]]
    result = clear_mot(truth_ids, truth, track_ids, tracks, gate=5.0)
    assert result.mota == pytest.approx(1 / 3)
    assert result.motp == pytest.approx(0.8)
    assert (result.matches, result.misses, result.false_positives, result.mismatches, result.n_truth) == (5, 1, 1, 2, 6)


def test_clear_mot_keeps_a_valid_correspondence_over_a_cheaper_swap():
    # t1: keeping 1-a and 2-b costs 2 + 2, swapping would cost 1 + 1; the kept mapping wins, no mismatch.
    truth = [[[0, 0], [3, 0]], [[0, 0], [3, 0]]]
    tracks = [[[0, 0], [3, 0]], [[2, 0], [1, 0]]]
    result = clear_mot([[1, 2], [1, 2]], truth, [[10, 11], [10, 11]], tracks, gate=4.0)
    assert result == (1.0, 1.0, 4, 0, 0, 0, 4)


def test_clear_mot_mismatch_is_counted_after_a_gap():
    # Object 1 is tracked by 10, lost for a frame (a miss), then found by 11: one mismatch.
    result = clear_mot(
        [[1], [1], [1]], [[[0, 0]], [[1, 0]], [[2, 0]]], [[10], [], [11]], [[[0, 0]], EMPTY, [[2, 0]]], gate=1.0
    )
    assert result.mismatches == 1 and result.misses == 1
    assert result.mota == pytest.approx(1 - 2 / 3)


def test_clear_mot_counts_a_switch_to_a_track_another_object_held_in_between():
    # Object 0 is matched to track 1, object 1 takes track 1 in frame 1, and object 0 comes back
    # with track 2: object 0 still remembers track 1, so that is an identity switch (the paper,
    # py-motmetrics). Forgetting object 0's last match when object 1 took its track hid it.
    positions = [[[0, 0]], [[10, 0]], [[0, 0]]]
    result = clear_mot([[0], [1], [0]], positions, [[1], [1], [2]], positions, gate=1.0)
    assert result.mismatches == 1 and result.matches == 3
    assert result.mota == pytest.approx(2 / 3)


def test_clear_mot_keeps_a_remembered_track_for_one_object_only():
    # Objects 0 and 1 both remember track 1 (0 from frame 0, 1 from frame 1). In frame 2 both are
    # within the gate of it: the first keeps it, the second is matched to track 2 (a switch), and
    # track 1 is not matched twice.
    truth_ids = [[0], [1], [0, 1]]
    truth = [[[0, 0]], [[0.5, 0]], [[0, 0], [0.5, 0]]]
    track_ids = [[1], [1], [1, 2]]
    tracks = [[[0, 0]], [[0.5, 0]], [[0.2, 0], [0.4, 0]]]
    result = clear_mot(truth_ids, truth, track_ids, tracks, gate=1.0)
    assert (result.matches, result.misses, result.false_positives, result.mismatches) == (4, 0, 0, 1)
    assert result.motp == pytest.approx((0 + 0 + 0.2 + 0.1) / 4)
    assert_same_as_motmetrics(truth_ids, truth, track_ids, tracks, gate=1.0)


def motmetrics_counts(truth_ids, truth_positions, track_ids, track_positions, gate):
    """py-motmetrics' CLEAR MOT of the same frames, Euclidean distances gated at ``gate``."""
    accumulator = motmetrics.MOTAccumulator(auto_id=True)
    for objects, X, hypotheses, Y in zip(truth_ids, truth_positions, track_ids, track_positions):
        X, Y = np.reshape(np.asarray(X, dtype=float), (-1, 2)), np.reshape(np.asarray(Y, dtype=float), (-1, 2))
        distances = cdist(X, Y) if len(X) and len(Y) else np.empty((len(X), len(Y)))
        accumulator.update(
            np.asarray(objects, dtype=int),
            np.asarray(hypotheses, dtype=int),
            np.where(distances <= gate, distances, np.nan),
        )
    names = ["mota", "motp", "num_matches", "num_switches", "num_misses", "num_false_positives", "num_objects"]
    return motmetrics.metrics.create().compute(accumulator, metrics=names, name="scene").iloc[0].to_dict()


def assert_same_as_motmetrics(truth_ids, truth_positions, track_ids, track_positions, gate):
    ours = clear_mot(truth_ids, truth_positions, track_ids, track_positions, gate)
    reference = motmetrics_counts(truth_ids, truth_positions, track_ids, track_positions, gate)
    # motmetrics counts a switch apart from its matches; clear_mot's matches include the switches.
    assert ours.matches == reference["num_matches"] + reference["num_switches"]
    assert ours.mismatches == reference["num_switches"]
    assert (ours.misses, ours.false_positives, ours.n_truth) == (
        reference["num_misses"],
        reference["num_false_positives"],
        reference["num_objects"],
    )
    if ours.n_truth:
        assert ours.mota == pytest.approx(reference["mota"], abs=1e-12)
    if ours.matches:
        assert ours.motp == pytest.approx(reference["motp"], rel=1e-12)
    return ours


@pytest.mark.parametrize("seed", range(4))
def test_clear_mot_is_py_motmetrics_on_random_scenes(seed):
    # Objects walking about; tracks that follow them with noise, swap identities, drop out, come
    # back under new ids, and false tracks: every kind of event, many times per scene.
    rng = np.random.default_rng(seed)
    n_frames, n_objects = 40, 8
    starts, velocities = rng.uniform(0, 20, (n_objects, 2)), rng.normal(0, 0.5, (n_objects, 2))
    track_of = np.arange(n_objects) + 100
    truth_ids, truth, track_ids, tracks = [], [], [], []
    for t in range(n_frames):
        present = np.flatnonzero(rng.uniform(size=n_objects) < 0.85)
        positions = starts[present] + t * velocities[present]
        if rng.uniform() < 0.3:  # two tracks swap their objects
            a, b = rng.choice(n_objects, 2, replace=False)
            track_of[[a, b]] = track_of[[b, a]]
        if rng.uniform() < 0.2:  # a track is replaced by a new one
            track_of[rng.integers(n_objects)] = 1000 + t
        followed = present[rng.uniform(size=len(present)) < 0.9]
        estimates = starts[followed] + t * velocities[followed] + rng.normal(0, 0.4, (len(followed), 2))
        n_false = rng.poisson(1.0)
        truth_ids.append(present)
        truth.append(positions)
        track_ids.append(np.concatenate([track_of[followed], 5000 + 10 * t + np.arange(n_false)]))
        tracks.append(np.vstack([estimates, rng.uniform(0, 40, (n_false, 2))]))
    result = assert_same_as_motmetrics(truth_ids, truth, track_ids, tracks, gate=1.5)
    assert result.mismatches > 5 and result.misses > 5 and result.false_positives > 5


def test_clear_mot_without_truth_or_matches_is_nan():
    result = clear_mot([[]], [EMPTY], [[3]], [[[0.0, 0.0]]], gate=1.0)
    assert np.isnan(result.mota) and np.isnan(result.motp) and result.false_positives == 1


def test_clear_mot_rejects_inconsistent_input():
    with pytest.raises(ValueError, match="one entry per frame"):
        clear_mot([[1]], [[[0, 0]]], [], [], gate=1.0)
    with pytest.raises(ValueError, match="frame 0"):
        clear_mot([[1, 2]], [[[0, 0]]], [[1]], [[[0, 0]]], gate=1.0)
    with pytest.raises(ValueError, match="gate must be > 0"):
        clear_mot([[1]], [[[0, 0]]], [[1]], [[[0, 0]]], gate=0.0)


# -- extreme values and bad identities (issue 10) -------------------------------------------------------
@pytest.mark.parametrize("c, p", [(1e-300, 1.0), (1e300, 2.0), (10.0, 1000.0), (1e-200, 50.0), (1e200, 3.0)])
def test_ospa_stays_finite_and_scales_with_the_cut_off(c, p):
    # OSPA is homogeneous: scaling the points and c by s scales the result by s.
    scale = c / 10
    result = ospa(np.array(X) * scale, np.array(Y) * scale, c=c, p=p)
    reference = ospa(X, Y, c=10.0, p=p)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, np.array(reference) * scale, rtol=1e-9)


@pytest.mark.parametrize("c", [1e-310, 5e-324, 1e-300])
def test_ospa_and_gospa_with_a_subnormal_cut_off(c):
    # The cut-off in units of the points' scale underflows: equal points are still at distance 0
    # (no 0 * inf inside the assignment), distinct ones at the cut-off.
    assert ospa([[1.0, 1.0]], [[1.0, 1.0]], c=c) == (0.0, 0.0, 0.0)
    assert ospa([[1e10, 1.0]], [[1e10, 1.0]], c=c) == (0.0, 0.0, 0.0)
    assert ospa([[1.0, 1.0]], [[1.0, 2.0]], c=c) == (c, c, 0.0)
    assert gospa([[1.0, 1.0]], [[1.0, 1.0]], c=c).distance == 0.0
    assert [len(a) for a in optimal_assignment([[1.0, 1.0]], [[1.0, 2.0]], c=c)] == [0, 0]


def test_clear_mot_with_a_subnormal_gate_matches_only_equal_positions_without_warnings():
    objects, tracks = [[[0.0, 0.0], [5.0, 5.0]]], [[[0.0, 0.0], [5.0, 6.0]]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # distances over the gate used to overflow in the cost
        result = clear_mot([[1, 2]], objects, [[3, 4]], tracks, gate=1e-310)
    assert (result.matches, result.misses, result.false_positives) == (1, 1, 1)


def test_ospa_of_large_order_tends_to_the_largest_distance():
    # p = 1000: ((3^p + 4^p) / 2)^(1/p) is 4 * 2^(-1/1000) = 3.9972 (3^1000 alone overflows a float).
    assert ospa(X, Y[:2], c=10.0, p=1000.0).distance == pytest.approx(4 * 2 ** (-1 / 1000))


def test_gospa_distance_stays_finite_and_parts_that_cannot_be_represented_are_refused():
    assert gospa(X, Y, c=10.0, p=100.0).distance == pytest.approx(10 * (0.3**100 + 0.4**100 + 0.5) ** (1 / 100))
    small = gospa(np.array(X) * 1e-300, np.array(Y) * 1e-300, c=1e-299, p=1.0)
    assert small.distance == pytest.approx(12e-300)
    for c, p in [(1e200, 2.0), (10.0, 1000.0)]:
        with pytest.raises(ValueError, match=r"c\*\*p overflows"):
            gospa(X, Y, c=c, p=p)


@pytest.mark.parametrize("c", [np.inf, np.nan, "10", None])
def test_metrics_reject_non_finite_or_non_numeric_cut_offs(c):
    with pytest.raises((ValueError, TypeError), match="c must be"):
        ospa(X, Y, c=c)
    with pytest.raises((ValueError, TypeError), match="p must be"):
        gospa(X, Y, c=10.0, p=np.inf)


def test_clear_mot_refuses_repeated_or_fractional_identities():
    positions = [[[0.0, 0.0], [5.0, 5.0]]]
    with pytest.raises(ValueError, match=r"truth_ids\[0\] holds identity 3 more than once"):
        clear_mot([[3, 3]], positions, [[1, 2]], positions, gate=1.0)
    with pytest.raises(ValueError, match=r"track_ids\[0\] holds identity 1 more than once"):
        clear_mot([[3, 4]], positions, [[1, 1]], positions, gate=1.0)
    with pytest.raises(ValueError, match=r"track_ids\[0\] must hold integer identities"):
        clear_mot([[3, 4]], positions, [[1.5, 2.0]], positions, gate=1.0)
    assert clear_mot([[3.0, 4.0]], positions, [[1, 2]], positions, gate=1.0).mota == 1.0  # integral floats are ids
