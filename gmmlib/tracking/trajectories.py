"""Recorded trajectories (the ETH/UCY pedestrian format) turned into detections.

A trajectory file has one row per object and frame, ``frame id x y``, separated by whitespace
or tabs (the ``*.txt`` files of the ETH and UCY data sets as distributed with Social GAN, for
example UCY ``zara01``, positions in metres, a row every 10 video frames, 2.5 per second).
Blank lines and lines starting with ``#`` are skipped. Frame numbers and ids may be written as
integral floats (``780.0``). Frames are renumbered 0, 1, 2, ... in steps of the file's frame
step (the greatest common divisor of the gaps), so that frames without rows stay as empty
frames. Used in ``notebooks/05_multi_object_tracking.ipynb``.
"""

import math
import pathlib

import numpy as np

from .scenario import simulate_detections

#: Malformed lines listed in a read error before "and N more".
MAX_REPORTED_LINES = 10


def _integral(text):
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"{text!r} is not an integer")
    return int(value)


def read_trajectories(path):
    """Read a ``frame id x y`` file.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    frames : ndarray of int, shape (n_rows,)
        Frame numbers as written in the file.
    ids : ndarray of int, shape (n_rows,)
    positions : ndarray of shape (n_rows, 2)

    Raises
    ------
    ValueError
        If a line does not hold four numbers (integral frame and id, finite x and y), if an
        (frame, id) pair repeats, or if the file has no rows; the message lists the offending
        line numbers (1-based) and their text.
    """
    path = pathlib.Path(path)
    frames, ids, positions, line_numbers, problems = [], [], [], [], []
    with path.open() as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            fields = text.split()
            try:
                if len(fields) != 4:
                    raise ValueError(f"expected 4 fields 'frame id x y', got {len(fields)}")
                frame, identity = _integral(fields[0]), _integral(fields[1])
                x, y = float(fields[2]), float(fields[3])
                if not (math.isfinite(x) and math.isfinite(y)):
                    raise ValueError("x and y must be finite")
            except ValueError as error:
                problems.append(f"line {number}: {error}: {text[:60]!r}")
                continue
            frames.append(frame)
            ids.append(identity)
            positions.append((x, y))
            line_numbers.append(number)
    if not problems and frames:
        keys = np.array([frames, ids]).T
        _, first, counts = np.unique(keys, axis=0, return_index=True, return_counts=True)
        for index in np.sort(first[counts > 1]):
            repeats = [line_numbers[i] for i in np.flatnonzero(np.all(keys == keys[index], axis=1))]
            problems.append(
                f"lines {', '.join(map(str, repeats))}: frame {keys[index][0]} and id "
                f"{keys[index][1]} appear more than once"
            )
    if problems:
        shown = problems[:MAX_REPORTED_LINES]
        more = len(problems) - len(shown)
        raise ValueError(
            f"malformed trajectory file {path.name}: " + "; ".join(shown) + (f"; and {more} more" if more else "")
        )
    if not frames:
        raise ValueError(f"trajectory file {path.name} has no rows 'frame id x y'")
    return np.array(frames, dtype=int), np.array(ids, dtype=int), np.array(positions, dtype=np.float64)


def trajectories_by_frame(frames, ids, positions, max_frames=None):
    """Group rows by frame, renumbering frames 0, 1, ... in steps of the file's frame step.

    Parameters
    ----------
    frames, ids : array-like of int, shape (n_rows,)
    positions : array-like of shape (n_rows, 2)
    max_frames : int or None, default=None
        Keep only the first ``max_frames`` frames.

    Returns
    -------
    truth_ids : list of ndarray of shape (n_objects_t,)
    truth_positions : list of ndarray of shape (n_objects_t, 2)
    """
    frames, ids = np.asarray(frames, dtype=int), np.asarray(ids, dtype=int)
    positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    unique = np.unique(frames)
    step = int(np.gcd.reduce(np.diff(unique))) if len(unique) > 1 else 1
    index = (frames - unique[0]) // step
    n_frames = int(index.max()) + 1 if max_frames is None else min(int(index.max()) + 1, max_frames)
    order = np.lexsort((ids, index))
    index, ids, positions = index[order], ids[order], positions[order]
    bounds = np.searchsorted(index, np.arange(n_frames + 1))
    return (
        [ids[bounds[t] : bounds[t + 1]] for t in range(n_frames)],
        [positions[bounds[t] : bounds[t + 1]] for t in range(n_frames)],
    )


def scenario_from_trajectories(
    path,
    *,
    max_frames=None,
    points_per_object=4.0,
    measurement_sigma=1.0,
    detection_probability=1.0,
    clutter_per_frame=30.0,
    margin=None,
    random_state=None,
):
    """Detections from a recorded trajectory file, as :func:`gmmlib.tracking.simulate_scenario` makes.

    Each recorded position is an object's true position; detections and clutter come from
    :func:`gmmlib.tracking.scenario.simulate_detections` with the given parameters. The clutter
    region is the bounding box of all recorded positions widened by ``margin`` on every side.

    Parameters
    ----------
    path : str or pathlib.Path
    max_frames : int or None, default=None
        Use only the first ``max_frames`` frames.
    points_per_object, measurement_sigma, detection_probability, clutter_per_frame : float
        As in :func:`gmmlib.tracking.scenario.simulate_detections`.
    margin : float or None, default=None
        Widening of the bounding box; ``3 * measurement_sigma`` when None.
    random_state : None, int or numpy.random.Generator, default=None

    Returns
    -------
    Scenario
    """
    frames, ids, positions = read_trajectories(path)
    truth_ids, truth_positions = trajectories_by_frame(frames, ids, positions, max_frames)
    used = np.concatenate(truth_positions)
    margin = 3 * measurement_sigma if margin is None else margin
    region = np.column_stack([used.min(axis=0) - margin, used.max(axis=0) + margin])
    return simulate_detections(
        truth_ids,
        truth_positions,
        region,
        points_per_object=points_per_object,
        measurement_sigma=measurement_sigma,
        detection_probability=detection_probability,
        clutter_per_frame=clutter_per_frame,
        random_state=random_state,
    )
