"""Recorded trajectories (the ETH/UCY pedestrian format) turned into detections.

A trajectory file has one row per object and frame, ``frame id x y``, separated by whitespace
or tabs (the ``*.txt`` files of the ETH and UCY data sets as distributed with Social GAN, for
example UCY ``zara01``, positions in metres, a row every 10 video frames, 2.5 per second).
Blank lines and lines starting with ``#`` are skipped. Frame numbers and ids may be written as
integral floats (``780.0``). The text is UTF-8 (a byte-order mark is skipped), or else Latin-1
(every byte is a character there, and only the numbers matter). Frames are renumbered 0, 1, 2,
... in steps of the file's frame step (the greatest common divisor of the gaps), so that frames
without rows stay as empty frames; a file that leaves more than ``MAX_EMPTY_FRAMES`` such frames
empty (for example frames 0, 1 and 999999) is refused, before they are made, unless ``max_frames``
stops before its gaps. Used in
``notebooks/05_multi_object_tracking.ipynb``.
"""

import codecs
import math
import pathlib

import numpy as np

from .._validation import check_scalar
from .scenario import simulate_detections

#: Malformed lines listed in a read error before "and N more".
MAX_REPORTED_LINES = 10
#: Most frames without rows that :func:`trajectories_by_frame` makes (the gaps' cost; the rows' frames are free).
MAX_EMPTY_FRAMES = 10_000


def _read_text(path):
    """The file's text: UTF-8 without its byte-order mark, or Latin-1 when it is not UTF-8."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _integral(text):
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"{text!r} is not an integer")
    if abs(value) >= 2**62:
        raise ValueError(f"{text!r} is out of range (|value| < 2**62)")
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

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gmmlib.tracking import read_trajectories
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "walk.txt"
    >>> _ = path.write_text("780.0 1.0 1.41 5.68\\n790.0 1.0 1.50 5.60\\n")
    >>> frames, ids, positions = read_trajectories(path)
    >>> frames, ids, positions[1]
    (array([780, 790]), array([1, 1]), array([1.5, 5.6]))
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(f"path must name an existing file, got {str(path)!r}")
    frames, ids, positions, line_numbers, problems = [], [], [], [], []
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
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
        Keep only the first ``max_frames`` frames (at least 1).

    Returns
    -------
    truth_ids : list of ndarray of shape (n_objects_t,)
    truth_positions : list of ndarray of shape (n_objects_t, 2)

    Raises
    ------
    ValueError
        If the arrays' shapes disagree, or more than ``MAX_EMPTY_FRAMES`` of the frames kept would be empty.

    Examples
    --------
    >>> from gmmlib.tracking import trajectories_by_frame
    >>> truth_ids, _ = trajectories_by_frame([780, 790, 810], [1, 2, 1], [[0.0, 0.0], [3.0, 1.0], [0.5, 0.0]])
    >>> [ids.tolist() for ids in truth_ids]
    [[1], [2], [], [1]]
    """
    if max_frames is not None:
        check_scalar(max_frames, "max_frames", int, minimum=1)
    frames, ids = _integers(frames, "frames"), _integers(ids, "ids")
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape != (len(frames), 2) or len(ids) != len(frames) or not len(frames):
        raise ValueError(
            f"frames, ids and positions must describe the same rows, of shapes (n,), (n,) and (n, 2) with n >= 1; "
            f"got {frames.shape}, {ids.shape} and {positions.shape}"
        )
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions must be finite")
    unique = np.unique(frames)
    step = int(np.gcd.reduce(np.diff(unique))) if len(unique) > 1 else 1
    index = (frames - unique[0]) // step
    n_frames = int(index.max()) + 1 if max_frames is None else min(int(index.max()) + 1, max_frames)
    kept = unique[(unique - unique[0]) // step < n_frames]
    if n_frames - len(kept) > MAX_EMPTY_FRAMES:  # refused before a list of n_frames frames is made
        # Empty frames after each kept frame, up to the next one or to the last frame kept.
        empty_after = np.diff(np.append((kept - unique[0]) // step, n_frames)) - 1
        longest = int(np.argmax(empty_after))
        raise ValueError(
            f"the rows leave {n_frames - len(kept)} of their {n_frames} frames of step {step} empty, more than "
            f"MAX_EMPTY_FRAMES = {MAX_EMPTY_FRAMES} (the longest gap: {empty_after[longest]} empty frames after "
            f"frame {kept[longest]}); pass max_frames or split the file where it has long gaps"
        )
    order = np.lexsort((ids, index))
    index, ids, positions = index[order], ids[order], positions[order]
    bounds = np.searchsorted(index, np.arange(n_frames + 1))
    return (
        [ids[bounds[t] : bounds[t + 1]] for t in range(n_frames)],
        [positions[bounds[t] : bounds[t + 1]] for t in range(n_frames)],
    )


def _integers(values, name):
    array = np.asarray(values).reshape(-1) if np.ndim(values) else np.asarray([values])
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, got {array.dtype} values {array[:3]}")
    return array.astype(np.int64)


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
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, default=None

    Returns
    -------
    Scenario

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gmmlib.tracking import scenario_from_trajectories
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "walk.txt"
    >>> _ = path.write_text("".join(f"{10 * t} 1 {0.4 * t:.1f} 2.0\\n" for t in range(20)))
    >>> scenario = scenario_from_trajectories(path, measurement_sigma=0.15, clutter_per_frame=5.0, random_state=0)
    >>> scenario.n_frames, scenario.region.round(2).tolist()
    (20, [[-0.45, 8.05], [1.55, 2.45]])
    """
    if margin is not None:
        check_scalar(margin, "margin", float, minimum=0)
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
