"""Tracking sweep: gmmlib's MAP-EM tracker against Stone Soup's GNN and GM-PHD trackers.

Every condition of speed / sigma in {0.5, 2, 5, 10}, clutter points per frame in {0, 10, 30, 100},
P_D in {1, 0.9, 0.7} and objects in {4, 20, 50} (144 scenes) is simulated by
``gmmlib.tracking.simulate_scenario`` (sigma = 1, 4 points per object, q = 0.005, speeds within
+-20 % of the condition's, a crossing pair and a pair walking side by side, a square region of side
100 max(1, sqrt(n_objects / 16))) and tracked by

- ``MAP-EM``: ``EMTracker(V)``, which learns sigma, q, the clutter rate, the points per object, P_D,
  the newborns' velocity spread and p_S from the scene itself (its time includes the learning);
- ``GNN`` and ``GM-PHD``: ``gmmlib.tracking.stone_soup_gnn`` / ``stone_soup_gmphd`` on each frame's
  cluster centroids, given the true sigma, q, P_D, clutter rate and speed. Their free settings are
  tuned first, on a scene of their own (seed 1000, speed 5 sigma, 30 clutter points, P_D 0.9,
  20 objects), by the best MOTA over a small grid (printed with the result).

Scored per frame by OSPA (c = 5 sigma, p = 1, mean over frames) and CLEAR MOT (gate 5 sigma): MOTA
and identity switches; ms per frame is the wall time over the frames. A last table times MAP-EM at
50 objects and 100 clutter points: learning and tracking, and one tracking pass with the learned
model. Timings on a shared machine are noisy; the load average is printed beside them.

Usage: python benchmarks/bench_tracking.py [--frames 30] [--quick]
(``--quick``: speeds {2, 10}, clutter {10, 100}, P_D {0.9}, objects {4, 20}.)
"""

import argparse
import itertools
import os
import time

import numpy as np

from gmmlib.tracking import EMTracker, clear_mot, ospa, simulate_scenario, stone_soup_gmphd, stone_soup_gnn

SIGMA, POINTS_PER_OBJECT, PROCESS_NOISE, CUT_OFF = 1.0, 4.0, 0.005, 5.0
SPEEDS, CLUTTER, DETECTION, OBJECTS = (0.5, 2.0, 5.0, 10.0), (0.0, 10.0, 30.0, 100.0), (1.0, 0.9, 0.7), (4, 20, 50)
GNN_GRID = {"gate": (3.0, 5.0), "max_missed": (2, 4), "min_cluster_size": (1, 2)}
GMPHD_GRID = {"gate": (3.0, 5.0), "birth_rate": (0.05, 0.5)}


def load():
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def scene(speed, clutter, detection_probability, n_objects, n_frames, seed):
    side = 100.0 * max(1.0, np.sqrt(n_objects / 16))
    return simulate_scenario(
        n_frames,
        n_objects,
        region=((0.0, side), (0.0, side)),
        speed=(0.8 * speed, 1.2 * speed),
        process_noise=PROCESS_NOISE,
        n_groups=1 if n_objects >= 4 else 0,
        points_per_object=POINTS_PER_OBJECT,
        measurement_sigma=SIGMA,
        detection_probability=detection_probability,
        clutter_per_frame=clutter,
        random_state=seed,
    )


def run_tracker(name, scenario, speed, clutter, detection_probability, settings):
    truth = dict(measurement_sigma=SIGMA, process_noise=PROCESS_NOISE, velocity_sigma=1.2 * speed)
    start = time.perf_counter()
    if name == "MAP-EM":
        result = EMTracker(scenario.background_volume).run(scenario.detections)
        ids, positions = result.track_ids, result.track_positions
    elif name == "GNN":
        ids, positions = stone_soup_gnn(scenario.detections, **truth, **settings)
    else:
        ids, positions = stone_soup_gmphd(
            scenario.detections,
            scenario.region,
            clutter_rate=clutter,
            detection_probability=detection_probability,
            points_per_object=POINTS_PER_OBJECT,
            **truth,
            **settings,
        )
    elapsed = time.perf_counter() - start
    mot = clear_mot(scenario.truth_ids, scenario.truth_positions, ids, positions, gate=CUT_OFF)
    mean_ospa = float(np.mean([ospa(t, e, CUT_OFF).distance for t, e in zip(scenario.truth_positions, positions)]))
    return mean_ospa, mot.mota, mot.mismatches, 1000 * elapsed / scenario.n_frames


def tune(name, grid, n_frames):
    """The grid point of best MOTA on the tuning scene."""
    speed, clutter, detection_probability, n_objects = 5.0, 30.0, 0.9, 20
    scenario = scene(speed, clutter, detection_probability, n_objects, n_frames, seed=1000)
    best = None
    for values in itertools.product(*grid.values()):
        settings = dict(zip(grid, values))
        _, mota, _, _ = run_tracker(name, scenario, speed, clutter, detection_probability, settings)
        if best is None or mota > best[0]:
            best = (mota, settings)
    print(f"{name} tuned on seed 1000 (speed 5, clutter 30, P_D 0.9, 20 objects): {best[1]}, MOTA {best[0]:.3f}")
    return best[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    speeds, clutters, detections, objects = (
        ((2.0, 10.0), (10.0, 100.0), (0.9,), (4, 20)) if arguments.quick else (SPEEDS, CLUTTER, DETECTION, OBJECTS)
    )
    print(f"Load average before: {load()}")
    settings = {"MAP-EM": {}, "GNN": tune("GNN", GNN_GRID, arguments.frames)}
    settings["GM-PHD"] = tune("GM-PHD", GMPHD_GRID, arguments.frames)
    names = list(settings)
    header = f"{'speed':>5} {'clutter':>7} {'P_D':>4} {'objects':>7} |" + "|".join(f"{name:^31}" for name in names)
    print("\n" + header)
    print(f"{'':>27} |" + "|".join(f"{'OSPA':>7} {'MOTA':>7} {'IDsw':>5} {'ms/fr':>8} " for _ in names))
    ahead = {"OSPA": 0, "MOTA": 0}
    n_conditions = 0
    # The fewest objects first: the slowest scenes (50 objects, 100 clutter points) come last.
    conditions = [(s, c, d, n) for n, c, s, d in itertools.product(objects, clutters, speeds, detections)]
    for seed, (speed, clutter, detection_probability, n_objects) in enumerate(conditions):
        scenario = scene(speed, clutter, detection_probability, n_objects, arguments.frames, seed)
        scores = {
            name: run_tracker(name, scenario, speed, clutter, detection_probability, settings[name]) for name in names
        }
        row = "|".join(f"{o:7.3f} {m:7.3f} {s:5d} {ms:8.1f} " for o, m, s, ms in scores.values())
        print(f"{speed:5g} {clutter:7g} {detection_probability:4g} {n_objects:7d} |{row}", flush=True)
        ours = scores["MAP-EM"]
        ahead["OSPA"] += all(ours[0] < scores[n][0] for n in names[1:])
        ahead["MOTA"] += all(ours[1] > scores[n][1] for n in names[1:])
        n_conditions += 1
    print(
        f"\nMAP-EM ahead of both Stone Soup trackers: OSPA in {ahead['OSPA']} of {n_conditions} conditions, "
        f"MOTA in {ahead['MOTA']} of {n_conditions}."
    )
    scenario = scene(2.0, 100.0, 1.0, 50, arguments.frames, seed=2000)
    print(f"\nMAP-EM at 50 objects and 100 clutter points per frame ({arguments.frames} frames, load {load()}):")
    tracker = EMTracker(scenario.background_volume)
    start = time.perf_counter()
    tracker.run(scenario.detections)
    learning = time.perf_counter() - start
    start = time.perf_counter()
    tracker.track(scenario.detections, tracker.model_)
    single = time.perf_counter() - start
    per_frame = 1000 / scenario.n_frames
    print(
        f"  learning ({tracker.n_learning_iter_} EM iterations) and tracking: {learning * per_frame:.1f} ms per frame"
    )
    print(f"  one tracking pass with the learned model: {single * per_frame:.1f} ms per frame")
    print(f"Load average after: {load()}")


if __name__ == "__main__":
    main()
