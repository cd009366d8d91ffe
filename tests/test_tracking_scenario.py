"""The scenario generator and the ETH/UCY trajectory loader (on files the tests write)."""

import tracemalloc

import numpy as np
import pytest

from gmmlib.tracking import (
    CLUTTER,
    read_trajectories,
    scenario_from_trajectories,
    simulate_detections,
    simulate_scenario,
    trajectories_by_frame,
)
from gmmlib.tracking.trajectories import MAX_EMPTY_FRAMES


# -- simulate_scenario ------------------------------------------------------------------------------
def test_scenario_is_deterministic_from_the_seed():
    first, second = simulate_scenario(random_state=3), simulate_scenario(random_state=3)
    other = simulate_scenario(random_state=4)
    assert all(np.array_equal(a, b) for a, b in zip(first.detections, second.detections))
    assert all(np.array_equal(a, b) for a, b in zip(first.truth_positions, second.truth_positions))
    assert not all(np.array_equal(a, b) for a, b in zip(first.detections, other.detections))


@pytest.mark.parametrize("seed", range(5))
def test_the_crossing_pair_meets_at_the_crossing_frame(seed):
    scenario = simulate_scenario(random_state=seed)
    a, b, frame = scenario.crossing
    paths = scenario.truth_paths()
    where = [paths[i][1][list(paths[i][0]).index(frame)] for i in (a, b)]
    np.testing.assert_allclose(where[0], where[1], atol=1e-9)
    # Their headings differ, so they cross rather than travel together: 2 frames later they are apart.
    later = [paths[i][1][list(paths[i][0]).index(frame + 2)] for i in (a, b)]
    assert np.linalg.norm(later[0] - later[1]) > 0.5


def test_default_scene_has_objects_that_appear_and_disappear():
    scenario = simulate_scenario(random_state=0)
    spans = {i: (frames[0], frames[-1]) for i, (frames, _) in scenario.truth_paths().items()}
    assert len(spans) == 4 and scenario.n_frames == 60 and scenario.background_volume == 100.0 * 100.0
    assert any(first > 0 for first, _ in spans.values())
    assert any(last < scenario.n_frames - 1 for _, last in spans.values())
    for frames, _ in scenario.truth_paths().values():
        assert np.all(np.diff(frames) == 1)  # once gone, an object stays gone
    for positions in scenario.truth_positions:  # objects are present only inside the region
        assert np.all((positions >= 0) & (positions <= 100))


def test_detections_follow_the_sensor_model():
    # A long static scene: 3 objects, many frames, to check the rates and the spread.
    n_frames, ids = 400, np.array([0, 1, 2])
    positions = np.array([[20.0, 20.0], [50.0, 80.0], [80.0, 30.0]])
    scenario = simulate_detections(
        [ids] * n_frames,
        [positions] * n_frames,
        [[0, 100], [0, 100]],
        points_per_object=4.0,
        measurement_sigma=1.5,
        detection_probability=0.8,
        clutter_per_frame=30.0,
        random_state=0,
    )
    labels = np.concatenate(scenario.detection_labels)
    points = np.concatenate(scenario.detections)
    clutter = points[labels == CLUTTER]
    assert len(clutter) / n_frames == pytest.approx(30.0, rel=0.03)
    assert np.all((clutter >= 0) & (clutter <= 100))
    # Mean points per object and frame: P_D * lambda = 3.2; the chance of none: 1 - P_D + P_D e^-4.
    per_object = np.array([[np.sum(labels == i) for i in ids] for labels in scenario.detection_labels])
    assert per_object.mean() == pytest.approx(3.2, rel=0.05)
    assert np.mean(per_object == 0) == pytest.approx(0.2 + 0.8 * np.exp(-4), abs=0.03)
    for i in ids:
        offsets = points[labels == i] - positions[i]
        np.testing.assert_allclose(offsets.mean(axis=0), 0.0, atol=0.1)
        np.testing.assert_allclose(offsets.std(axis=0), 1.5, rtol=0.05)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(region=[[0, 1], [5, 2]]), "region must be"),
        (dict(measurement_sigma=0.0), "measurement_sigma must be > 0"),
        (dict(detection_probability=1.5), "detection_probability must be <= 1"),
        (dict(clutter_per_frame=-1.0), "clutter_per_frame must be >= 0"),
        (dict(speed=(2.0, 1.0)), "speed must be a pair"),
        (dict(n_objects=1), "n_objects must be >= 2"),
    ],
)
def test_scenario_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_scenario(**kwargs)


# -- the trajectory loader --------------------------------------------------------------------------
def write(tmp_path, text, name="trajectories.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_trajectories_tabs_spaces_floats_and_comments(tmp_path):
    path = write(tmp_path, "# frame id x y\n780.0\t1.0\t1.41\t5.68\n\n780 2   3.5 -1\n790.0 1.0 1.50 5.60\n")
    frames, ids, positions = read_trajectories(path)
    np.testing.assert_array_equal(frames, [780, 780, 790])
    np.testing.assert_array_equal(ids, [1, 2, 1])
    np.testing.assert_allclose(positions, [[1.41, 5.68], [3.5, -1.0], [1.5, 5.6]])


def test_frames_are_renumbered_by_the_frame_step_keeping_empty_frames():
    truth_ids, truth_positions = trajectories_by_frame(
        [780, 780, 800, 830], [2, 1, 1, 1], [[0, 0], [1, 1], [2, 2], [3, 3]]
    )
    assert [ids.tolist() for ids in truth_ids] == [[1, 2], [], [1], [], [], [1]]  # step 10
    np.testing.assert_allclose(truth_positions[0], [[1, 1], [0, 0]])
    assert len(trajectories_by_frame([0, 10, 20], [1, 1, 1], np.zeros((3, 2)), max_frames=2)[0]) == 2


def test_malformed_lines_are_reported_with_their_numbers(tmp_path):
    text = (
        "0 1 1.0 2.0\n"
        "0 2 1.0\n"  # line 2: three fields
        "10 1 one 2.0\n"  # line 3: not a number
        "10.5 1 1.0 2.0\n"  # line 4: a fractional frame
        "20 1 nan 2.0\n"  # line 5: not finite
        "30 1 1.0 2.0 7\n"
    )  # line 6: five fields
    with pytest.raises(ValueError) as error:
        read_trajectories(write(tmp_path, text))
    message = str(error.value)
    for number in (2, 3, 4, 5, 6):
        assert f"line {number}:" in message
    assert "line 1:" not in message and "trajectories.txt" in message
    assert "expected 4 fields" in message


def test_repeated_frame_and_id_is_reported(tmp_path):
    with pytest.raises(ValueError, match=r"lines 1, 3: frame 0 and id 1 appear more than once"):
        read_trajectories(write(tmp_path, "0 1 1 1\n0 2 2 2\n0 1 3 3\n"))


def test_many_malformed_lines_are_summarised(tmp_path):
    with pytest.raises(ValueError, match=r"line 10: .*; and 5 more$"):
        read_trajectories(write(tmp_path, "bad\n" * 15))


def test_a_file_without_rows_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="has no rows"):
        read_trajectories(write(tmp_path, "# only a comment\n\n"))


def test_scenario_from_trajectories(tmp_path):
    rows = [
        f"{10 * t} {i} {2.0 + 0.4 * t + 3 * i:.2f} {5.0 + i:.2f}"
        for t in range(30)
        for i in range(3)
        if not (i == 2 and t < 10)
    ]  # object 2 enters at frame 10
    path = write(tmp_path, "\n".join(rows) + "\n")
    scenario = scenario_from_trajectories(path, measurement_sigma=0.15, clutter_per_frame=5.0, random_state=0)
    assert scenario.n_frames == 30 and scenario.crossing is None
    assert [len(ids) for ids in scenario.truth_ids[8:12]] == [2, 2, 3, 3]
    # The region is the bounding box widened by 3 sigma.
    np.testing.assert_allclose(scenario.region, [[2.0 - 0.45, 2.0 + 0.4 * 29 + 6 + 0.45], [5.0 - 0.45, 7.45]])
    short = scenario_from_trajectories(path, max_frames=12, measurement_sigma=0.15, random_state=0)
    assert short.n_frames == 12


# -- bad or unusual inputs (issue 10) ------------------------------------------------------------------
def test_read_trajectories_reads_a_byte_order_mark_and_latin_1(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf0 1 1.0 2.0\n10 1 1.5 2.0\n")
    np.testing.assert_array_equal(read_trajectories(bom)[0], [0, 10])
    latin = tmp_path / "latin.txt"
    latin.write_bytes("# café, Zürich\n0 1 1.0 2.0\n".encode("latin-1"))
    np.testing.assert_allclose(read_trajectories(latin)[2], [[1.0, 2.0]])


def test_read_trajectories_names_a_missing_file_and_huge_numbers(tmp_path):
    with pytest.raises(ValueError, match="path must name an existing file"):
        read_trajectories(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match=r"line 1: '1e30' is out of range"):
        read_trajectories(write(tmp_path, "1e30 1 0 0\n"))


def test_a_long_gap_is_refused_before_its_frames_are_made_unless_max_frames_cuts_it(tmp_path):
    # Three rows with a gap of a million frames used to build a million empty frames (about 290 MB, and
    # 1.1 GB and 50 s for their clutter in scenario_from_trajectories) before any limit applied.
    frames, ids, positions = [0, 1, 999_999], [1, 1, 1], np.zeros((3, 2))
    tracemalloc.start()
    with pytest.raises(ValueError, match=r"leave 999997 of .* 999997 empty frames after frame 1\)"):
        trajectories_by_frame(frames, ids, positions)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000, peak
    gaps = [0, 1, 2 + MAX_EMPTY_FRAMES]  # exactly MAX_EMPTY_FRAMES empty frames: accepted
    assert len(trajectories_by_frame(gaps, ids, positions)[0]) == MAX_EMPTY_FRAMES + 3
    assert len(trajectories_by_frame(frames, ids, positions, max_frames=5)[0]) == 5
    # A cut inside a gap: the empty frames before the cut make the gap named.
    for cut_frames, longest in (
        ([0, 100_000, 100_001], "49999 empty frames after frame 0"),
        ([0, 1, 100_000], "49998 empty frames after frame 1"),
    ):
        with pytest.raises(ValueError, match=rf"leave \d+ of their 50000 frames.* {longest}\)"):
            trajectories_by_frame(cut_frames, ids, positions, max_frames=50_000)
    with pytest.raises(ValueError, match="max_frames must be >= 1"):
        trajectories_by_frame(frames, ids, positions, max_frames=0)
    path = write(tmp_path, "0 1 0 0\n1 1 1 0\n999999 1 2 0\n")
    assert scenario_from_trajectories(path, max_frames=2, random_state=0).n_frames == 2


@pytest.mark.parametrize(
    "positions, message",
    [
        (np.zeros((2, 3)), r"shapes \(n,\), \(n,\) and \(n, 2\)"),
        (np.zeros(4), r"\(n, 2\)"),
        ([[0, np.nan]] * 2, "finite"),
    ],
)
def test_trajectories_by_frame_wants_two_columns(positions, message):
    with pytest.raises(ValueError, match=message):
        trajectories_by_frame([0, 1], [1, 1], positions)


def test_simulate_detections_wants_two_columns_and_integer_ids():
    with pytest.raises(ValueError, match=r"truth_positions\[0\] must be finite, of shape \(n_objects, 2\)"):
        simulate_detections([[1]], [[[0.0, 0.0, 0.0]]], [[0, 10], [0, 10]])
    with pytest.raises(ValueError, match=r"truth_ids\[0\] must hold integer identities"):
        simulate_detections([[1.5]], [[[0.0, 0.0]]], [[0, 10], [0, 10]])
