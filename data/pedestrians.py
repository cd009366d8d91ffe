"""Write a synthetic pedestrian trajectory file in the ETH/UCY ``frame id x y`` format.

No recorded ETH/UCY file ships with gmm-em, so the tests and the tracking benchmark write one of the
same kind: positions in metres in a 15 m x 14 m area (about UCY zara01's), a row every 10 video
frames at 2.5 rows per second, written as Social GAN distributes them (tab-separated floats,
``780.0<TAB>1.0<TAB>1.41<TAB>5.68``). Pedestrians enter at the edges at Poisson times, walk across
with a speed drawn around ``speed`` (metres per row) and a slowly wandering heading, and leave at the
edges; a fraction of them arrive as groups of two or three walking side by side, 0.7 m apart.

Usage: ``python data/pedestrians.py OUT.txt [--rows 200] [--speed 0.52] [--seed 0]``
(``--speed 1.0``: about 7 sigma per row at the 0.15 m sensor spread that notebook 05 uses for such a file).
"""

import argparse
import pathlib

import numpy as np

AREA = (15.0, 14.0)  # metres
FRAME_STEP = 10  # video frames per row


def pedestrian_rows(n_rows, *, speed=0.52, arrival_rate=0.2, group_fraction=0.3, seed=0):
    """Rows ``"frame\\tid\\tx\\ty"`` of pedestrians crossing the area.

    Parameters
    ----------
    n_rows : int
        Number of time steps (the file's frames are 0, 10, 20, ...).
    speed : float, default=0.52
        Mean walking speed in metres per row (0.52 is 1.3 m/s at 2.5 rows per second); each
        pedestrian or group walks at ``speed`` times a factor drawn from N(1, 0.15).
    arrival_rate : float, default=0.2
        Mean number of arrivals (single pedestrians or groups) per row.
    group_fraction : float, default=0.3
        Fraction of arrivals that are groups of two or three walking side by side.
    seed : int, default=0

    Returns
    -------
    rows : list of str
    """
    rng = np.random.default_rng(seed)
    size = np.array(AREA)
    rows, walking, next_id = [], [], 1
    for t in range(n_rows):
        for _ in range(rng.poisson(arrival_rate)):
            side, u = rng.integers(4), rng.uniform(0.15, 0.85)
            start = np.array(
                [(0.0, u * size[1]), (size[0], u * size[1]), (u * size[0], 0.0), (u * size[0], size[1])][side]
            )
            heading = (0.0, np.pi, np.pi / 2, -np.pi / 2)[side] + rng.normal(0, 0.3)
            direction = np.array([np.cos(heading), np.sin(heading)])
            velocity = speed * max(rng.normal(1.0, 0.15), 0.5) * direction
            size_of_group = rng.choice([2, 3]) if rng.uniform() < group_fraction else 1
            side_step = 0.7 * np.array([-direction[1], direction[0]])  # side by side, across the heading
            for member in range(size_of_group):
                offset = (member - (size_of_group - 1) / 2) * side_step
                walking.append({"id": next_id, "position": start + offset, "velocity": velocity.copy()})
                next_id += 1
        still = []
        for pedestrian in walking:
            # A slowly wandering heading at a nearly constant speed (groups drift a little apart).
            turn = rng.normal(0, 0.03)
            rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
            pedestrian["velocity"] = rotation @ pedestrian["velocity"] * (1 + rng.normal(0, 0.01))
            pedestrian["position"] = pedestrian["position"] + pedestrian["velocity"]
            x, y = pedestrian["position"]
            if 0 <= x <= size[0] and 0 <= y <= size[1]:
                rows.append(f"{float(t * FRAME_STEP)}\t{float(pedestrian['id'])}\t{x:.2f}\t{y:.2f}")
                still.append(pedestrian)
        walking = still
    return rows


def write_pedestrian_file(path, n_rows, **kwargs):
    """Write :func:`pedestrian_rows` to ``path`` (a new file; an existing one is refused)."""
    path = pathlib.Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; choose a new file name")
    path.write_text("\n".join(pedestrian_rows(n_rows, **kwargs)) + "\n")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--speed", type=float, default=0.52)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    write_pedestrian_file(arguments.path, arguments.rows, speed=arguments.speed, seed=arguments.seed)
