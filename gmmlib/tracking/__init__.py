"""Multi-object tracking from point detections with EM: scenarios, real trajectories, a MAP-EM
tracker with a clutter component that learns its model, its baselines, and the field's metrics.

Walked through in ``notebooks/05_multi_object_tracking.ipynb``.
"""

from .baselines import cluster_centroids, per_frame_em, stone_soup_gmphd, stone_soup_gnn
from .learning import LearningWarning
from .metrics import clear_mot, gospa, optimal_assignment, ospa
from .motion import constant_velocity_model, kalman_predict, kalman_update_weighted_mean, rts_smooth
from .scenario import CLUTTER, Scenario, paths_by_identity, simulate_detections, simulate_scenario
from .tracker import EMTracker, TrackingModel, TrackingResult, map_em_frame
from .trajectories import read_trajectories, scenario_from_trajectories, trajectories_by_frame

__all__ = [
    "CLUTTER",
    "EMTracker",
    "LearningWarning",
    "Scenario",
    "TrackingModel",
    "TrackingResult",
    "clear_mot",
    "cluster_centroids",
    "constant_velocity_model",
    "gospa",
    "kalman_predict",
    "kalman_update_weighted_mean",
    "map_em_frame",
    "optimal_assignment",
    "ospa",
    "paths_by_identity",
    "per_frame_em",
    "read_trajectories",
    "rts_smooth",
    "scenario_from_trajectories",
    "simulate_detections",
    "simulate_scenario",
    "stone_soup_gmphd",
    "stone_soup_gnn",
    "trajectories_by_frame",
]
