"""The tracking plot helpers draw what they are given and return their artists."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.colors import to_rgba
from PIL import Image

from gmmlib.plotting import save_animation
from gmmlib.tracking import EMTracker, map_em_frame, simulate_scenario
from gmmlib.tracking.plotting import animate_tracking, identity_colors, plot_frame, plot_paths


def test_plot_paths_breaks_lines_at_missing_frames():
    fig, ax = plt.subplots()
    paths = {3: (np.array([0, 1, 2, 5, 6]), np.arange(10.0).reshape(5, 2)), 4: (np.array([0, 1]), np.ones((2, 2)))}
    lines = plot_paths(paths, ax=ax, label="tracks")
    x = lines[0].get_xdata()
    assert len(lines) == 2 and len(x) == 6 and np.isnan(x[3])  # one NaN between frames 2 and 5
    assert lines[0].get_color() == identity_colors([3, 4])[3] and lines[1].get_label().startswith("_")
    assert lines[0].get_color() != lines[1].get_color()
    assert all(line.get_color() == "k" for line in plot_paths(paths, ax=ax, color="k"))
    plt.close(fig)


def test_plot_frame_colours_clutter_grey_and_draws_one_ellipse_per_track():
    fig, ax = plt.subplots()
    points = np.array([[0.0, 0.0], [5.0, 5.0]])
    states = np.array([[0.0, 0.0, 0, 0], [9.0, 9.0, 0, 0]])
    fit = map_em_frame(points, states, np.repeat(np.eye(4)[None] * 1e-6, 2, axis=0), np.eye(2), 1e4)
    # The first point is on track 7; the second, 7 sigma from both, is clutter.
    scatter, ellipses = plot_frame(points, fit, [7, 8], ax=ax)
    colours = scatter.get_facecolors()
    np.testing.assert_allclose(colours[0], to_rgba(identity_colors([7, 8])[7]), atol=1e-3)
    np.testing.assert_allclose(colours[1], to_rgba("0.6"), atol=1e-3)
    assert len(ellipses) == 2 and ellipses[0].width == 4.0  # the 2-sigma circle of R = I
    plt.close(fig)


def test_animate_tracking_saves_one_gif_frame_per_frame(tmp_path):
    scenario = simulate_scenario(8, 2, clutter_per_frame=5.0, random_state=0)
    result = EMTracker(scenario.background_volume).run(scenario.detections)
    fig, ax = plt.subplots(figsize=(2, 2))
    animation = animate_tracking(scenario, result, frames=range(3), ax=ax)
    assert isinstance(animation, FuncAnimation)
    name = save_animation(animation, tmp_path, "tracking.gif", dpi=40)
    plt.close(fig)
    with Image.open(tmp_path / name) as gif:
        assert gif.n_frames == 3


def test_no_two_tracks_of_a_frame_share_a_colour(tmp_path):
    scenario = simulate_scenario(30, 24, clutter_per_frame=20.0, random_state=0)
    result = EMTracker(scenario.background_volume, learning_max_iter=1).run(scenario.detections)
    for t in (12, 16, 20):
        fig, ax = plt.subplots(figsize=(2, 2))
        animation = animate_tracking(scenario, result, frames=[t], ax=ax)  # draws frame t at once
        colours = [tuple(np.round(ellipse.get_edgecolor(), 6)) for ellipse in ax.patches]
        assert len(colours) == len(result.frames[t].track_ids) > 10  # more than the property cycle's ten
        assert len(set(colours)) == len(colours)
        save_animation(animation, tmp_path, f"frame{t}.gif", dpi=20)
        plt.close(fig)
