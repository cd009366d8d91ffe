"""Fuzzing the tracking entry points: a correct result or a documented error, never NaN or a raw numpy error.

Documented errors are ``ValueError`` and ``TypeError`` whose message names the argument; anything
else (IndexError, LinAlgError, OverflowError, a numpy broadcast error ...) fails these tests.
"""

import pathlib
import tempfile
import warnings

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_tracking_metrics import assert_same_as_motmetrics

from gmmlib.tracking import (
    EMTracker,
    LearningWarning,
    clear_mot,
    gospa,
    ospa,
    read_trajectories,
    simulate_detections,
    trajectories_by_frame,
)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOCUMENTED = (ValueError, TypeError)

finite = st.floats(-1e6, 1e6, allow_nan=False)
any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
scalar = st.one_of(any_float, st.integers(-10, 10), st.none(), st.text(max_size=3), st.booleans())


def point_sets(n_columns=None, elements=finite):
    n_columns = st.integers(0, 3) if n_columns is None else n_columns
    return n_columns.flatmap(
        lambda d: hnp.arrays(np.float64, st.tuples(st.integers(0, 5), st.just(d)), elements=elements)
    )


# -- the trajectory loader ------------------------------------------------------------------------------
token = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    finite.map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "x", "", "#", "0.5", "1e30", "\u00e9"]),
)
valid_line = st.tuples(st.integers(0, 50), st.integers(0, 5), finite, finite).map(
    lambda row: f"{row[0] * 10}.0\t{row[1]}.0\t{row[2]!r}\t{row[3]!r}"
)
line = st.one_of(valid_line, valid_line, valid_line, st.lists(token, max_size=6).map(" ".join))


@FUZZ
@given(lines=st.lists(line, max_size=8), encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1"]))
def test_loader_reads_or_names_the_problem(lines, encoding):
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "fuzz.txt"
        path.write_bytes("\n".join(lines).encode(encoding))
        try:
            frames, ids, positions = read_trajectories(path)
        except ValueError as error:
            assert "fuzz.txt" in str(error)
            event("refused")
            return
    event("read")
    assert len(frames) == len(ids) == len(positions) >= 1
    assert positions.shape[1] == 2 and np.all(np.isfinite(positions))


@FUZZ
@given(
    frames=st.lists(st.integers(-(10**8), 10**8), min_size=0, max_size=6),
    positions=hnp.arrays(np.float64, st.tuples(st.integers(0, 6), st.integers(0, 3)), elements=any_float),
    max_frames=st.one_of(st.none(), st.integers(-2, 50), st.floats(0, 5)),
)
def test_trajectories_by_frame_groups_or_refuses(frames, positions, max_frames):
    try:
        truth_ids, truth_positions = trajectories_by_frame(frames, list(range(len(frames))), positions, max_frames)
    except DOCUMENTED:
        return
    assert sum(len(ids) for ids in truth_ids) <= len(frames)
    assert all(p.shape == (len(i), 2) for i, p in zip(truth_ids, truth_positions))


# -- the scenario and the tracker ------------------------------------------------------------------------
@FUZZ
@given(
    positions=point_sets(),
    measurement_sigma=scalar,
    clutter=st.one_of(st.floats(0, 50), scalar),
)
def test_simulate_detections_simulates_or_refuses(positions, measurement_sigma, clutter):
    ids = np.arange(len(positions))
    try:
        scenario = simulate_detections(
            [ids], [positions], [[0, 10], [0, 10]], measurement_sigma=measurement_sigma, clutter_per_frame=clutter
        )
    except DOCUMENTED:
        return
    assert scenario.detections[0].shape[1] == 2 and np.all(np.isfinite(scenario.detections[0]))


frames_of_points = st.lists(
    point_sets(n_columns=st.sampled_from([0, 2, 2, 2, 3]), elements=st.floats(-50, 50)), max_size=5
)


@FUZZ
@given(
    detections=frames_of_points,
    background_volume=st.one_of(st.floats(1e-3, 1e6), st.floats(1e-3, 1e6), scalar),
    measurement_sigma=st.one_of(st.none(), st.floats(1e-3, 10), scalar),
    detection_probability=st.one_of(st.none(), st.floats(0, 1.5), scalar),
)
def test_tracker_tracks_or_refuses(detections, background_volume, measurement_sigma, detection_probability):
    tracker = EMTracker(
        background_volume, measurement_sigma, detection_probability=detection_probability, learning_max_iter=2
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = tracker.run(detections)
        except DOCUMENTED as error:
            event(f"refused: {str(error).split()[0]}")
            return
    # Frames with no object to learn from are a documented outcome: the tracker says so, and nothing else.
    assert all(issubclass(warning.category, LearningWarning) for warning in caught), [str(w.message) for w in caught]
    event("tracked, with a LearningWarning" if caught else "tracked")
    assert len(result.track_ids) == len(detections)
    for ids, positions in zip(result.track_ids, result.track_positions):
        assert positions.shape[0] == len(ids) and np.all(np.isfinite(positions))
    learned = [tracker.measurement_sigma_, tracker.process_noise_, tracker.clutter_rate_, tracker.points_per_object_]
    assert np.all(np.isfinite(learned)) and 0 <= tracker.detection_probability_ <= 1


# -- the metrics -----------------------------------------------------------------------------------------
@FUZZ
@given(
    truth=point_sets(),
    estimates=point_sets(),
    c=st.one_of(st.floats(1e-300, 1e300), scalar),
    p=st.one_of(st.floats(1, 500), scalar),
)
def test_ospa_and_gospa_are_finite_or_refused(truth, estimates, c, p):
    try:
        result = ospa(truth, estimates, c, p)
    except DOCUMENTED:
        return
    assert np.all(np.isfinite(result)) and 0 <= result.distance <= c * (1 + 1e-9)
    try:
        distance = gospa(truth, estimates, c, p)
    except ValueError as error:
        assert "c**p" in str(error)
        return
    assert np.all(np.isfinite(distance)) and distance.distance >= 0


# Each frame: (identity, site) pairs. Objects and tracks stand near one of three sites 2 apart, so that
# with a gate of about 1 they meet, part and meet again under other identities (switches, tracks taken
# over by another object); the jitter keeps distances distinct, so the optimal assignment is unique.
frames_of_ids = st.lists(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), max_size=4, unique_by=lambda pair: pair[0]),
    min_size=1,
    max_size=8,
)
# Sometimes one id is replaced by one that is refused: a fraction, NaN, a repeat of the frame's first id.
bad_identity = st.one_of(st.none(), st.none(), st.none(), st.sampled_from([0.5, np.nan, "repeat"]))


@FUZZ
@given(
    truth=frames_of_ids,
    tracks=frames_of_ids,
    gate=st.one_of(st.floats(0.3, 1.5), st.floats(0.3, 1.5), st.floats(0.01, 100), scalar),
    bad=bad_identity,
    seed=st.integers(0, 3),
)
def test_clear_mot_counts_or_refuses(truth, tracks, gate, bad, seed):
    rng = np.random.default_rng(seed)
    tracks = (tracks * len(truth))[: len(truth)]
    if bad is not None and truth[-1]:
        truth[-1][-1] = (truth[-1][0][0] if bad == "repeat" else bad, truth[-1][-1][1])

    def ids_and_positions(frames):
        ids = [[identity for identity, _ in frame] for frame in frames]
        positions = [[np.array([2.0 * site, 0.0]) + rng.normal(0, 0.2, 2) for _, site in frame] for frame in frames]
        return ids, positions

    (truth_ids, truth_positions), (track_ids, track_positions) = ids_and_positions(truth), ids_and_positions(tracks)
    try:
        clear_mot(truth_ids, truth_positions, track_ids, track_positions, gate)
    except DOCUMENTED:
        event("refused")
        return
    # Accepted input: the counts are py-motmetrics' (the reference implementation of CLEAR MOT).
    result = assert_same_as_motmetrics(truth_ids, truth_positions, track_ids, track_positions, gate)
    event(f"mismatches: {min(result.mismatches, 2)}")
