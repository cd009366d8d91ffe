"""Multi-object scenarios: true positions frame by frame and the detections a sensor reports.

The conventions follow Stone Soup's simulators: objects move with constant velocity and process
noise (:func:`gmmlib.tracking.motion.constant_velocity_model`), appear and disappear, and each
frame the sensor reports

- for every present object, detected with probability ``detection_probability`` (otherwise
  missed as a whole, as when occluded), ``Poisson(points_per_object)`` points drawn from
  ``N(position, measurement_sigma^2 I)`` (an extended object);
- ``Poisson(clutter_per_frame)`` clutter points uniform over the region.

:func:`simulate_scenario` makes a synthetic scene; :mod:`gmmlib.tracking.trajectories` turns
recorded trajectories into detections with the same :func:`simulate_detections`. Used in
``notebooks/05_multi_object_tracking.ipynb``.
"""

from dataclasses import dataclass

import numpy as np

from .._validation import check_random_state, check_scalar
from .motion import constant_velocity_model

#: Label of a clutter detection in ``Scenario.detection_labels``.
CLUTTER = -1
#: Largest mean number of points per object or of clutter points per frame that the simulators accept.
MAX_MEAN_POINTS = 1e6


@dataclass(frozen=True)
class Scenario:
    """True objects and detections, frame by frame.

    Attributes
    ----------
    region : ndarray of shape (2, 2)
        ``[[x_min, x_max], [y_min, y_max]]``, the region clutter is drawn over.
    truth_ids : list of ndarray of shape (n_objects_t,)
        Integer identity of each object present in frame ``t``.
    truth_positions : list of ndarray of shape (n_objects_t, 2)
    detections : list of ndarray of shape (n_detections_t, 2)
    detection_labels : list of ndarray of shape (n_detections_t,)
        Identity of the object that gave each detection, or ``CLUTTER`` (-1).
    crossing : tuple of (int, int, int) or None
        ``(id_a, id_b, frame)`` of a designed crossing: both objects are at the same place in
        that frame. None for recorded trajectories.
    """

    region: np.ndarray
    truth_ids: list
    truth_positions: list
    detections: list
    detection_labels: list
    crossing: tuple = None

    @property
    def n_frames(self):
        return len(self.detections)

    @property
    def background_volume(self):
        """Volume ``V`` of the region (its area in 2-D): the uniform clutter density is ``1 / V``."""
        return float(np.prod(self.region[:, 1] - self.region[:, 0]))

    def truth_paths(self):
        """Each object's path: ``{id: (frames, positions)}`` with positions of shape (n, 2)."""
        return paths_by_identity(self.truth_ids, self.truth_positions)


def paths_by_identity(ids_per_frame, positions_per_frame):
    """``{id: (frames, positions)}`` from per-frame identities and positions.

    Parameters
    ----------
    ids_per_frame : list of array-like of int, shape (n_t,)
    positions_per_frame : list of array-like of shape (n_t, d)

    Returns
    -------
    dict
        For each identity, the frames it appears in (increasing) and its positions there.

    Examples
    --------
    >>> from gmmlib.tracking import paths_by_identity
    >>> paths = paths_by_identity([[1], [1, 2]], [[[0.0, 0.0]], [[1.0, 0.0], [5.0, 5.0]]])
    >>> paths[1][0], paths[2][1]
    (array([0, 1]), array([[5., 5.]]))
    """
    if not ids_per_frame:
        return {}
    frames = np.concatenate([np.full(len(ids), t) for t, ids in enumerate(ids_per_frame)]).astype(int)
    ids = np.concatenate([np.reshape(ids, -1) for ids in ids_per_frame]).astype(int)
    n_dimensions = max((np.shape(p)[-1] for p in positions_per_frame if np.size(p)), default=2)
    positions = np.concatenate([np.reshape(p, (-1, n_dimensions)) for p in positions_per_frame])
    return {int(i): (frames[ids == i], positions[ids == i]) for i in np.unique(ids)}


def check_region(region):
    """Return ``region`` as a (2, 2) float array with ``min < max`` in each row."""
    array = np.asarray(region, dtype=np.float64)
    if array.shape != (2, 2) or not np.all(np.isfinite(array)) or not np.all(array[:, 0] < array[:, 1]):
        raise ValueError(f"region must be [[x_min, x_max], [y_min, y_max]] with finite min < max, got {region!r}")
    return array


def simulate_detections(
    truth_ids,
    truth_positions,
    region,
    *,
    points_per_object=4.0,
    measurement_sigma=1.0,
    detection_probability=1.0,
    clutter_per_frame=30.0,
    random_state=None,
    crossing=None,
):
    """Detections from true positions: extended-object points plus uniform clutter.

    Parameters
    ----------
    truth_ids : list of array-like of shape (n_objects_t,)
    truth_positions : list of array-like of shape (n_objects_t, 2)
    region : array-like of shape (2, 2)
        ``[[x_min, x_max], [y_min, y_max]]`` for the clutter.
    points_per_object : float, default=4.0
        Mean of the Poisson number of points a detected object gives (at most ``MAX_MEAN_POINTS``).
    measurement_sigma : float, default=1.0
        Standard deviation of each point about the object's position, per coordinate.
    detection_probability : float, default=1.0
        Probability that a present object is detected at all in a frame.
    clutter_per_frame : float, default=30.0
        Mean of the Poisson number of clutter points per frame (at most ``MAX_MEAN_POINTS``).
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, default=None
    crossing : tuple or None, default=None
        Stored in the returned :class:`Scenario`.

    Returns
    -------
    Scenario
        Within a frame the detections are shuffled, so their order tells nothing.

    Examples
    --------
    One object at rest for two frames, 4 points on average, no clutter:

    >>> from gmmlib.tracking import CLUTTER, simulate_detections
    >>> scenario = simulate_detections(
    ...     [[0], [0]], [[[5.0, 5.0]], [[5.0, 5.0]]], [[0, 10], [0, 10]], clutter_per_frame=0.0, random_state=0
    ... )
    >>> [points.shape[1] for points in scenario.detections], bool(np.all(scenario.detection_labels[0] != CLUTTER))
    ([2, 2], True)
    """
    region = check_region(region)
    check_scalar(points_per_object, "points_per_object", float, minimum=0, include_minimum=False)
    check_scalar(measurement_sigma, "measurement_sigma", float, minimum=0, include_minimum=False)
    check_scalar(detection_probability, "detection_probability", float, minimum=0)
    if detection_probability > 1:
        raise ValueError(f"detection_probability must be <= 1, got {detection_probability!r}")
    check_scalar(clutter_per_frame, "clutter_per_frame", float, minimum=0)
    for name, value in (("points_per_object", points_per_object), ("clutter_per_frame", clutter_per_frame)):
        if value > MAX_MEAN_POINTS:
            raise ValueError(f"{name} must be <= {MAX_MEAN_POINTS:g} (a frame must fit in memory), got {value!r}")
    if len(truth_ids) != len(truth_positions):
        raise ValueError(
            f"truth_ids and truth_positions must have one entry per frame, got {len(truth_ids)} "
            f"and {len(truth_positions)}"
        )
    rng = check_random_state(random_state)
    ids_out, positions_out, detections, labels = [], [], [], []
    for t, (ids, positions) in enumerate(zip(truth_ids, truth_positions)):
        ids = np.asarray(ids).reshape(-1)
        if ids.size and (ids.dtype.kind not in "iuf" or not np.all(ids == np.round(ids))):
            raise ValueError(f"truth_ids[{t}] must hold integer identities, got {ids[:3]!r}")
        ids = ids.astype(int)
        positions = np.asarray(positions, dtype=np.float64)
        if positions.size == 0:
            positions = positions.reshape(0, 2)
        if positions.ndim != 2 or positions.shape[1] != 2 or not np.all(np.isfinite(positions)):
            raise ValueError(
                f"truth_positions[{t}] must be finite, of shape (n_objects, 2), got shape {positions.shape}"
            )
        if len(ids) != len(positions):
            raise ValueError(f"frame {t} has {len(ids)} truth ids but {len(positions)} positions")
        detected = rng.uniform(size=len(ids)) < detection_probability
        counts = np.where(detected, rng.poisson(points_per_object, size=len(ids)), 0)
        points = np.repeat(positions, counts, axis=0) + measurement_sigma * rng.standard_normal((counts.sum(), 2))
        n_clutter = rng.poisson(clutter_per_frame)
        clutter = region[:, 0] + (region[:, 1] - region[:, 0]) * rng.uniform(size=(n_clutter, 2))
        frame_points = np.vstack([points, clutter])
        frame_labels = np.concatenate([np.repeat(ids, counts), np.full(n_clutter, CLUTTER)])
        order = rng.permutation(len(frame_points))
        ids_out.append(ids)
        positions_out.append(positions)
        detections.append(frame_points[order])
        labels.append(frame_labels[order])
    return Scenario(region, ids_out, positions_out, detections, labels, crossing)


def simulate_scenario(
    n_frames=60,
    n_objects=4,
    *,
    region=((0.0, 100.0), (0.0, 100.0)),
    speed=(0.6, 1.4),
    process_noise=0.005,
    crossing_angle=(60.0, 120.0),
    n_groups=0,
    group_spacing=None,
    points_per_object=4.0,
    measurement_sigma=1.0,
    detection_probability=1.0,
    clutter_per_frame=30.0,
    random_state=None,
):
    """A synthetic scene with a crossing pair, groups walking side by side, and objects that come and go.

    Objects 0 and 1 are at the same point, near the centre of the region, in frame
    ``n_frames // 2``, with headings ``crossing_angle`` degrees apart: each path is simulated with
    process noise and then shifted (which keeps it a constant-velocity path) so that it passes
    through the crossing point. Every further object starts at a frame drawn uniformly from the
    first third, somewhere inside the middle 80 % of the region, and stops at a frame drawn from
    the last third; the first ``2 * n_groups`` of them walk in pairs, side by side
    ``group_spacing`` apart (one path, shifted across its heading). An object is present over the
    stretch of frames in which it stays inside the region (around the crossing frame for the pair,
    from its start for the others): objects that leave the region disappear for good.

    Parameters
    ----------
    n_frames : int, default=60
        At least 3.
    n_objects : int, default=4
        At least 2 (the crossing pair).
    region : array-like of shape (2, 2), default=((0, 100), (0, 100))
    speed : pair of float, default=(0.6, 1.4)
        Range of the uniform initial speed, in position units per frame (``speed / measurement_sigma``
        is the motion per frame in units of the sensor's spread).
    process_noise : float, default=0.005
        Stone Soup's ``q`` (see :func:`gmmlib.tracking.motion.constant_velocity_model`).
    crossing_angle : pair of float, default=(60.0, 120.0)
        Range of the uniform angle, in degrees, between the crossing objects' headings.
    n_groups : int, default=0
        Pairs of objects walking side by side; needs ``n_objects >= 2 + 2 * n_groups``.
    group_spacing : float or None, default=None
        Distance between the two members of a pair; ``4 * measurement_sigma`` when None.
    points_per_object, measurement_sigma, detection_probability, clutter_per_frame : float
        As in :func:`simulate_detections` (defaults 4.0, 1.0, 1.0, 30.0).
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, default=None

    Returns
    -------
    Scenario

    Examples
    --------
    >>> from gmmlib.tracking import simulate_scenario
    >>> scenario = simulate_scenario(30, 4, n_groups=1, clutter_per_frame=10.0, random_state=0)
    >>> scenario.n_frames, len(scenario.truth_paths()), scenario.crossing
    (30, 4, (0, 1, 15))
    """
    check_scalar(n_frames, "n_frames", int, minimum=3)
    check_scalar(n_objects, "n_objects", int, minimum=2)
    check_scalar(n_groups, "n_groups", int, minimum=0)
    if n_objects < 2 + 2 * n_groups:
        raise ValueError(f"n_objects must be >= 2 + 2 * n_groups = {2 + 2 * n_groups}, got {n_objects}")
    check_scalar(measurement_sigma, "measurement_sigma", float, minimum=0, include_minimum=False)
    group_spacing = 4.0 * measurement_sigma if group_spacing is None else group_spacing
    check_scalar(group_spacing, "group_spacing", float, minimum=0)
    region = check_region(region)
    low, high = _check_range(speed, "speed", minimum=0)
    angle_low, angle_high = _check_range(crossing_angle, "crossing_angle", minimum=0)
    transition, process_covariance = constant_velocity_model(process_noise)
    rng = check_random_state(random_state)
    noise_factor = np.linalg.cholesky(process_covariance + 1e-12 * np.eye(4))
    centre, size = region.mean(axis=1), region[:, 1] - region[:, 0]

    def path(start, velocity, length):
        states = np.empty((length, 4))
        states[0] = np.concatenate([start, velocity])
        for t in range(1, length):
            states[t] = transition @ states[t - 1] + noise_factor @ rng.standard_normal(4)
        return states[:, :2]

    def heading(angle, speed_value):
        return speed_value * np.array([np.cos(angle), np.sin(angle)])

    crossing_frame = n_frames // 2
    crossing_point = centre + 0.1 * size * rng.uniform(-1, 1, size=2)
    first_angle = rng.uniform(0, 2 * np.pi)
    second_angle = first_angle + rng.choice([-1, 1]) * np.radians(rng.uniform(angle_low, angle_high))
    objects = []  # (first frame, positions, the offset of a frame at which the object is present)
    for angle in (first_angle, second_angle):
        positions = path(np.zeros(2), heading(angle, rng.uniform(low, high)), n_frames)
        objects.append((0, positions - positions[crossing_frame] + crossing_point, crossing_frame))
    n_single = n_objects - 2 - 2 * n_groups
    for group in range(n_groups + n_single):
        first = int(rng.integers(0, n_frames // 3 + 1))
        last = int(rng.integers(n_frames - n_frames // 3, n_frames + 1))
        start = centre + 0.4 * size * rng.uniform(-1, 1, size=2)
        angle = rng.uniform(0, 2 * np.pi)
        positions = path(start, heading(angle, rng.uniform(low, high)), last - first)
        if group < n_groups:  # two members, side by side across the heading
            across = 0.5 * group_spacing * np.array([-np.sin(angle), np.cos(angle)])
            objects.extend([(first, positions + across, 0), (first, positions - across, 0)])
        else:
            objects.append((first, positions, 0))
    truth_ids = [[] for _ in range(n_frames)]
    truth_positions = [[] for _ in range(n_frames)]
    for identity, (first, positions, anchor) in enumerate(objects):
        # Present over the stretch of frames inside the region around the anchor frame.
        inside = np.all((positions >= region[:, 0]) & (positions <= region[:, 1]), axis=1)
        begin, end = anchor, anchor + 1
        while begin > 0 and inside[begin - 1]:
            begin -= 1
        while end < len(positions) and inside[end]:
            end += 1
        for offset in range(begin, end):
            truth_ids[first + offset].append(identity)
            truth_positions[first + offset].append(positions[offset])
    return simulate_detections(
        [np.array(ids, dtype=int) for ids in truth_ids],
        [np.reshape(np.array(p, dtype=np.float64), (-1, 2)) for p in truth_positions],
        region,
        points_per_object=points_per_object,
        measurement_sigma=measurement_sigma,
        detection_probability=detection_probability,
        clutter_per_frame=clutter_per_frame,
        random_state=rng,
        crossing=(0, 1, crossing_frame),
    )


def _check_range(value, name, minimum):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {value!r}") from None
    if not (minimum <= low <= high and np.isfinite(high)):
        raise ValueError(f"{name} must be a pair with {minimum} <= low <= high < inf, got {value!r}")
    return low, high
