"""Multi-object tracking from point detections with EM: scenarios, real trajectories, a MAP-EM
tracker with a clutter component, its per-frame EM baseline, and the field's metrics.

Walked through in ``notebooks/05_multi_object_tracking.ipynb``.
"""

from .metrics import clear_mot, gospa, optimal_assignment, ospa
from .motion import constant_velocity_model, kalman_predict, kalman_update_weighted_mean
from .scenario import CLUTTER, Scenario, simulate_detections, simulate_scenario
from .tracker import EMTracker, TrackingResult, map_em_frame, per_frame_em
from .trajectories import read_trajectories, scenario_from_trajectories, trajectories_by_frame

__all__ = [
    "CLUTTER",
    "EMTracker",
    "Scenario",
    "TrackingResult",
    "clear_mot",
    "constant_velocity_model",
    "gospa",
    "kalman_predict",
    "kalman_update_weighted_mean",
    "map_em_frame",
    "optimal_assignment",
    "ospa",
    "per_frame_em",
    "read_trajectories",
    "scenario_from_trajectories",
    "simulate_detections",
    "simulate_scenario",
    "trajectories_by_frame",
]
