"""The baselines: per-frame EM and Stone Soup's GNN and GM-PHD trackers on cluster centroids."""

import numpy as np
import pytest

from gmmlib.tracking import clear_mot, cluster_centroids, simulate_scenario, stone_soup_gmphd, stone_soup_gnn


def test_cluster_centroids_drop_small_clusters():
    points = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [10.0, 10.0], [20.0, 20.0], [20.5, 20.0]])
    centroids, sizes = cluster_centroids(points, radius=1.5)
    np.testing.assert_allclose(centroids, [[1.0, 0.0], [20.25, 20.0]])
    assert sizes.tolist() == [3, 2]
    assert len(cluster_centroids(points, radius=1.5, min_cluster_size=1)[0]) == 3


@pytest.fixture(scope="module")
def easy_scene():
    return simulate_scenario(25, 3, clutter_per_frame=5.0, random_state=2)


@pytest.mark.parametrize("tracker", ["gnn", "gmphd"])
def test_stone_soup_trackers_follow_an_easy_scene(easy_scene, tracker):
    scenario = easy_scene
    common = dict(measurement_sigma=1.0, process_noise=0.005, velocity_sigma=1.4)
    if tracker == "gnn":
        ids, positions = stone_soup_gnn(scenario.detections, **common)
    else:
        ids, positions = stone_soup_gmphd(
            scenario.detections,
            scenario.region,
            clutter_rate=5.0,
            detection_probability=1.0,
            points_per_object=4.0,
            **common,
        )
    assert len(ids) == len(positions) == scenario.n_frames
    assert all(p.shape == (len(i), 2) and len(set(i.tolist())) == len(i) for i, p in zip(ids, positions))
    mot = clear_mot(scenario.truth_ids, scenario.truth_positions, ids, positions, gate=3.0)
    assert mot.mota > 0.8 and mot.motp < 1.0, mot


def test_stone_soup_baselines_want_two_columns():
    with pytest.raises(ValueError, match="2 columns"):
        stone_soup_gnn([np.zeros((3, 3))], measurement_sigma=1.0, process_noise=0.01, velocity_sigma=1.0)
