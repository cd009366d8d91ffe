"""The plotting helpers draw what the mathematics says, return their artists and never show.

Animations: one frame per history entry, each frame showing that entry's parameters and
responsibilities, and GIF files that are byte-identical from one save to the next.
"""

import base64

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.animation import AbstractMovieWriter, FuncAnimation
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.contour import QuadContourSet
from matplotlib.lines import Line2D
from matplotlib.patches import Ellipse
from PIL import Image
from scipy.special import logsumexp

from gmmlib import GaussianMixture, e_step, log_weighted_densities
from gmmlib.gaussian import full_covariance
from gmmlib.plotting import (
    GifImage,
    animate_em,
    animate_em_3d,
    component_colors,
    covariance_ellipsoid,
    plot_covariance_ellipses,
    plot_covariance_ellipsoids,
    plot_density_contours,
    plot_log_likelihood,
    plot_responsibilities,
    responsibility_colors,
    save_animation,
)

COVARIANCES_2D = {
    "full": np.array([[[2.0, 0.8], [0.8, 0.5]], [[0.3, -0.2], [-0.2, 1.5]]]),
    "tied": np.array([[1.0, 0.6], [0.6, 2.0]]),
    "diag": np.array([[2.0, 0.5], [0.2, 1.0]]),
    "spherical": np.array([0.7, 2.5]),
}
MEANS_2D = np.array([[0.0, 0.0], [3.0, -1.0]])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def no_show(monkeypatch):
    def fail():
        raise AssertionError("a plotting helper called plt.show()")

    monkeypatch.setattr(plt, "show", fail)


def blobs(n_features, n_per_component=30, seed=0):
    rng = np.random.default_rng(seed)
    centres = 4.0 * np.eye(3, n_features)
    return np.vstack([centre + rng.standard_normal((n_per_component, n_features)) for centre in centres])


def fitted_history(X, max_iter=4, **kwargs):
    model = GaussianMixture(
        3, init_params="random", random_state=0, max_iter=max_iter, tol=0.0, record_history=True, **kwargs
    )
    with pytest.warns(UserWarning, match="did not converge"):
        model.fit(X)
    return model.history_


class RecordingWriter(AbstractMovieWriter):
    """A movie writer that records a snapshot of the axes at every frame instead of pixels."""

    def __init__(self, snapshot):
        super().__init__(fps=1)
        self.snapshot = snapshot
        self.frames = []

    def setup(self, fig, outfile, dpi=None):
        super().setup(fig, outfile, dpi=dpi)

    def grab_frame(self, **savefig_kwargs):
        self.frames.append(self.snapshot())

    def finish(self):
        pass


def test_component_colors_follow_the_property_cycle_and_repeat():
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = component_colors(len(cycle) + 2)
    assert colors[: len(cycle)] == cycle
    assert colors[len(cycle) :] == cycle[:2]


@pytest.mark.parametrize("covariance_type", list(COVARIANCES_2D))
def test_ellipse_axes_are_the_covariance_eigenvalues_and_eigenvectors(covariance_type):
    covariances = COVARIANCES_2D[covariance_type]
    _fig, ax = plt.subplots()
    n_std = (1, 2.5)
    ellipses = plot_covariance_ellipses(MEANS_2D, covariances, covariance_type, ax=ax, n_std=n_std)
    assert len(ellipses) == len(MEANS_2D) * len(n_std)
    assert all(isinstance(e, Ellipse) and e in ax.patches for e in ellipses)
    for k, mean in enumerate(MEANS_2D):
        eigenvalues, eigenvectors = np.linalg.eigh(full_covariance(covariances, covariance_type, k, 2))
        for radius, ellipse in zip(n_std, ellipses[k * len(n_std) : (k + 1) * len(n_std)]):
            np.testing.assert_allclose(ellipse.center, mean)
            np.testing.assert_allclose(
                [ellipse.width, ellipse.height], 2 * radius * np.sqrt(eigenvalues[::-1]), rtol=1e-12
            )
            # The width runs along the eigenvector of the largest eigenvalue (up to its sign).
            direction = np.array([np.cos(np.radians(ellipse.angle)), np.sin(np.radians(ellipse.angle))])
            assert abs(direction @ eigenvectors[:, 1]) == pytest.approx(1.0, abs=1e-12)


def test_ellipses_project_the_covariance_onto_the_chosen_features():
    covariance = np.array([[[4.0, 0.5, 1.0], [0.5, 1.0, 0.2], [1.0, 0.2, 0.25]]])
    _fig, ax = plt.subplots()
    (ellipse,) = plot_covariance_ellipses(np.array([[1.0, 2.0, 3.0]]), covariance, ax=ax, n_std=(1,), dims=(0, 2))
    eigenvalues = np.linalg.eigvalsh(covariance[0][np.ix_([0, 2], [0, 2])])
    np.testing.assert_allclose(ellipse.center, [1.0, 3.0])
    np.testing.assert_allclose([ellipse.width, ellipse.height], 2 * np.sqrt(eigenvalues[::-1]), rtol=1e-12)


def test_ellipsoid_points_lie_at_the_given_mahalanobis_distance_and_reach_the_semi_axes():
    rng = np.random.default_rng(1)
    factor = rng.standard_normal((3, 3))
    covariance = factor @ factor.T + 0.1 * np.eye(3)
    mean = np.array([1.0, -2.0, 0.5])
    surface = covariance_ellipsoid(mean, covariance, n_std=1.5, resolution=41).reshape(-1, 3)
    centred = surface - mean
    mahalanobis = np.einsum("ij,ij->i", centred @ np.linalg.inv(covariance), centred)
    np.testing.assert_allclose(mahalanobis, 1.5**2, rtol=1e-10)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    # The farthest extent along each principal axis is the semi-axis 1.5 sqrt(lambda).
    np.testing.assert_allclose(np.abs(centred @ eigenvectors).max(axis=0), 1.5 * np.sqrt(eigenvalues), rtol=1e-10)


def test_ellipsoids_draw_one_wireframe_per_component_in_its_colour():
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    means = np.array([[0.0, 0.0, 0.0, 9.0], [3.0, 1.0, 2.0, 9.0]])
    wireframes = plot_covariance_ellipsoids(
        means, np.array([1.0, 2.0]), "spherical", ax=ax, dims=(0, 1, 2), colors=["red", "blue"]
    )
    assert len(wireframes) == 2 and all(w in ax.collections for w in wireframes)
    np.testing.assert_allclose(wireframes[1].get_color()[0], to_rgba("blue", 0.9))


def test_ellipsoids_need_3d_axes():
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="3-D Axes"):
        plot_covariance_ellipsoids(np.zeros((1, 3)), np.ones(1), "spherical", ax=ax)


def test_density_contours_follow_the_mixture_log_density():
    weights = np.array([0.3, 0.7])
    _fig, ax = plt.subplots()
    levels = [-6.0, -4.0, -3.0]
    contours = plot_density_contours(
        weights, MEANS_2D, COVARIANCES_2D["full"], ax=ax, xlim=(-5, 7), ylim=(-6, 5), resolution=300, levels=levels
    )
    assert isinstance(contours, QuadContourSet) and not contours.filled and contours in ax.collections
    np.testing.assert_array_equal(contours.levels, levels)
    for level, path in zip(levels, contours.get_paths()):
        vertices = path.vertices
        assert len(vertices) > 10
        log_density = logsumexp(log_weighted_densities(vertices, weights, MEANS_2D, COVARIANCES_2D["full"]), axis=1)
        np.testing.assert_allclose(log_density, level, atol=0.02)  # linear interpolation on the grid


def test_filled_density_contours():
    _fig, ax = plt.subplots()
    contours = plot_density_contours(
        np.array([0.3, 0.7]),
        MEANS_2D,
        COVARIANCES_2D["full"],
        ax=ax,
        xlim=(-5, 7),
        ylim=(-6, 5),
        resolution=50,
        levels=5,
        filled=True,
    )
    assert isinstance(contours, QuadContourSet) and contours.filled


def test_responsibility_colors_mix_the_component_colours():
    colors = ["red", "blue"]
    resp = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.25, 0.75]])
    rgba = responsibility_colors(resp, colors)
    red, blue = np.array(to_rgba("red")), np.array(to_rgba("blue"))
    np.testing.assert_allclose(rgba, [red, blue, (red + blue) / 2, 0.25 * red + 0.75 * blue])


def test_responsibility_colors_paint_the_background_column_grey():
    rgba = responsibility_colors(np.array([[0.0, 0.0, 1.0], [0.5, 0.0, 0.5]]), ["red", "blue"], background_color="0.5")
    np.testing.assert_allclose(rgba[0], to_rgba("0.5"))
    np.testing.assert_allclose(rgba[1], (np.array(to_rgba("red")) + to_rgba("0.5")) / 2)


def test_plot_responsibilities_colours_each_point_by_its_responsibilities():
    X = np.array([[0.0, 0.0, 5.0], [1.0, 2.0, 5.0], [3.0, -1.0, 5.0]])
    resp = np.array([[1.0, 0.0], [0.4, 0.6], [0.0, 1.0]])
    _fig, ax = plt.subplots()
    points = plot_responsibilities(X, resp, ax=ax, dims=(0, 1))
    assert isinstance(points, PathCollection) and points in ax.collections
    np.testing.assert_allclose(points.get_offsets(), X[:, :2])
    np.testing.assert_allclose(points.get_facecolors(), responsibility_colors(resp))


def test_plot_log_likelihood_draws_one_point_per_iteration():
    _fig, ax = plt.subplots()
    line = plot_log_likelihood([-3.0, -2.5, -2.4], ax=ax)
    assert isinstance(line, Line2D) and line in ax.lines
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), [-3.0, -2.5, -2.4])


def test_every_helper_draws_on_the_current_axes_by_default_and_never_shows(no_show, tmp_path):
    X = blobs(2)
    history = fitted_history(X, max_iter=1)
    resp, _ = e_step(X, history[-1]["weights"], history[-1]["means"], history[-1]["covariances"])
    fig, ax = plt.subplots()
    artists = [
        *plot_covariance_ellipses(MEANS_2D, COVARIANCES_2D["full"]),
        plot_responsibilities(X, resp),
        plot_log_likelihood([1.0, 2.0]),
    ]
    contours = plot_density_contours(np.array([0.5, 0.5]), MEANS_2D, COVARIANCES_2D["full"], resolution=20)
    assert all(artist.axes is ax for artist in artists) and contours.axes is ax
    animation = animate_em(X, history)
    assert isinstance(animation, FuncAnimation) and animation._fig is fig
    save_animation(animation, tmp_path, "em.gif")
    fig3d = plt.figure()
    ax3d = fig3d.add_subplot(projection="3d")
    assert all(w.axes is ax3d for w in plot_covariance_ellipsoids(np.zeros((1, 3)), np.ones(1), "spherical"))
    X3 = blobs(3)
    save_animation(animate_em_3d(X3, fitted_history(X3, max_iter=1)), tmp_path, "em3d.gif")


def _ellipse_snapshot(ax):
    return lambda: dict(
        text=ax.texts[0].get_text(),
        facecolors=ax.collections[0].get_facecolors().copy(),
        ellipses=[(e.center, e.width, e.height) for e in ax.patches],
    )


def test_animate_em_shows_each_history_entry_in_its_own_frame(tmp_path):
    X = blobs(2)
    history = fitted_history(X)
    _fig, ax = plt.subplots()
    animation = animate_em(X, history, ax=ax, n_std=(2,))
    writer = RecordingWriter(_ellipse_snapshot(ax))
    animation.save(tmp_path / "unused.gif", writer=writer)
    assert len(writer.frames) == len(history) == 5
    for t, (entry, frame) in enumerate(zip(history, writer.frames)):
        resp, log_likelihood = e_step(X, entry["weights"], entry["means"], entry["covariances"])
        np.testing.assert_allclose(frame["facecolors"], responsibility_colors(resp))
        assert ("start" if t == 0 else f"iteration {t}/4") in frame["text"]
        assert f"{log_likelihood / len(X):.3f}" in frame["text"]
        assert len(frame["ellipses"]) == 3  # the previous frame's ellipses are removed
        for k, (centre, width, height) in enumerate(frame["ellipses"]):
            np.testing.assert_allclose(centre, entry["means"][k])
            eigenvalues = np.linalg.eigvalsh(entry["covariances"][k])
            np.testing.assert_allclose([width, height], 4 * np.sqrt(eigenvalues[::-1]), rtol=1e-12)


def test_animate_em_paints_background_points_grey(tmp_path):
    model = GaussianMixture(3, random_state=0, max_iter=3, tol=0.0, background_volume=4000.0, record_history=True)
    with pytest.warns(UserWarning, match="did not converge"):
        model.fit(blobs(2))
    X = np.vstack([blobs(2), [[30.0, -30.0]]])  # an outlier that only the background explains
    _fig, ax = plt.subplots()
    animation = animate_em(X, model.history_, ax=ax, background_volume=4000.0)
    writer = RecordingWriter(_ellipse_snapshot(ax))
    animation.save(tmp_path / "unused.gif", writer=writer)
    last = model.history_[-1]
    resp, _ = e_step(X, last["weights"], last["means"], last["covariances"], background_volume=4000.0)
    assert resp.shape[1] == 4 and resp[-1, 3] > 0.999
    np.testing.assert_allclose(writer.frames[-1]["facecolors"], responsibility_colors(resp, component_colors(3)))
    np.testing.assert_allclose(writer.frames[-1]["facecolors"][-1], to_rgba("0.6"), atol=1e-3)


def test_animate_em_3d_shows_each_history_entry_and_turns_the_view(tmp_path):
    X = blobs(3)
    history = fitted_history(X)
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    animation = animate_em_3d(X, history, ax=ax, rotation=5.0)
    writer = RecordingWriter(
        lambda: dict(
            text=ax.texts[0].get_text(),
            azimuth=ax.azim,
            n_wireframes=len(ax.collections) - 1,
            facecolors=ax.collections[0].get_facecolors().copy(),
        )
    )
    animation.save(tmp_path / "unused.gif", writer=writer)
    assert len(writer.frames) == len(history)
    # The wireframes are drawn over the points, not hidden behind them by depth sorting.
    assert not ax.computed_zorder and all(w.get_zorder() > ax.collections[0].get_zorder() for w in ax.collections[1:])
    start = writer.frames[0]["azimuth"]
    for t, (entry, frame) in enumerate(zip(history, writer.frames)):
        assert ("start" if t == 0 else f"iteration {t}/{len(history) - 1}") in frame["text"]
        assert frame["azimuth"] == pytest.approx(start + 5.0 * t)
        assert frame["n_wireframes"] == 3
        resp, _ = e_step(X, entry["weights"], entry["means"], entry["covariances"])
        np.testing.assert_allclose(np.sort(frame["facecolors"], axis=0), np.sort(responsibility_colors(resp), axis=0))


@pytest.mark.parametrize("three_d", [False, True], ids=["2d", "3d"])
def test_gif_has_one_frame_per_entry_and_identical_bytes_in_two_saves(tmp_path, three_d):
    X = blobs(3 if three_d else 2)
    history = fitted_history(X)

    def save(name, frames):
        fig = plt.figure(figsize=(3, 2.5))
        ax = fig.add_subplot(projection="3d" if three_d else None)
        animate = animate_em_3d if three_d else animate_em
        save_animation(animate(X, frames, ax=ax), tmp_path, name, fps=5, dpi=40)
        plt.close(fig)
        return (tmp_path / name).read_bytes()

    first, second = save("first.gif", history), save("second.gif", history)
    assert first == second
    with Image.open(tmp_path / "first.gif") as image:
        assert image.format == "GIF" and image.n_frames == len(history)
        assert image.info["duration"] == 200
    assert save("other.gif", history[::-1]) != first


def test_gif_frames_share_one_palette_of_at_most_palette_size_colours(tmp_path):
    X = blobs(2)
    _fig, ax = plt.subplots(figsize=(3, 2.5))
    save_animation(animate_em(X, fitted_history(X), ax=ax), tmp_path, "em.gif", dpi=40, palette_size=12)
    colours = set()
    with Image.open(tmp_path / "em.gif") as image:
        for frame in range(image.n_frames):
            image.seek(frame)
            colours |= {colour for _, colour in image.convert("RGB").getcolors(maxcolors=256)}
    # Responsibilities blend the three component colours into many more than 12 shades.
    assert len(colours) <= 12


def test_gif_image_inlines_the_file_for_html(tmp_path):
    _fig, ax = plt.subplots(figsize=(2, 2))
    X = blobs(2)
    save_animation(animate_em(X, fitted_history(X, max_iter=1), ax=ax), tmp_path, "em.gif", dpi=30)
    image = GifImage(tmp_path / "em.gif", alt='EM "2-D"')
    data = (tmp_path / "em.gif").read_bytes()
    assert (
        image._repr_html_() == f'<img src="data:image/gif;base64,{base64.b64encode(data).decode()}" '
        'alt="EM &quot;2-D&quot;"/>'
    )
    assert repr(image) == "GifImage('em.gif')"
    (tmp_path / "figure.png").write_bytes(b"\x89PNG\r\n")
    with pytest.raises(ValueError, match=r"'figure\.png' does not start with a GIF header"):
        GifImage(tmp_path / "figure.png")


def test_save_animation_checks_its_arguments(tmp_path):
    _fig, ax = plt.subplots()
    X = blobs(2)
    animation = animate_em(X, fitted_history(X, max_iter=1), ax=ax)
    with pytest.raises(ValueError, match=r"name must be a file name ending in \.gif, got 'em\.mp4'"):
        save_animation(animation, tmp_path, "em.mp4")
    with pytest.raises(ValueError, match="fps must be a positive number, got 0"):
        save_animation(animation, tmp_path, "em.gif", fps=0)
    for palette_size in (1, 257, 16.0, True):
        with pytest.raises(ValueError, match=f"palette_size must be an int from 2 to 256, got {palette_size!r}"):
            save_animation(animation, tmp_path, "em.gif", palette_size=palette_size)
    save_animation(animation, tmp_path, "em.gif")  # renders, so no "deleted without rendering" warning


@pytest.mark.parametrize(
    "history, dims, message",
    [
        ([], (0, 1), "history must be a non-empty list"),
        ({"weights": 1}, (0, 1), "history must be a non-empty list"),
        ([{"weights": np.ones(1), "means": np.zeros((1, 2))}], (0, 1), r"history\[0\] must be a dict with keys"),
        (
            [{"weights": np.ones(1), "means": np.zeros((1, 3)), "covariances": np.ones(1)}],
            (0, 1),
            r"history\[0\]\['means'\] must have shape \(n_components, 2\)",
        ),
        (
            [{"weights": np.ones(1), "means": np.zeros((1, 2)), "covariances": np.ones(1)}],
            (0, 2),
            r"dims must be 2 distinct feature indices in \[0, 2\), got \(0, 2\)",
        ),
        (
            [{"weights": np.ones(1), "means": np.zeros((1, 2)), "covariances": np.ones(1)}],
            (1, 1),
            "dims must be 2 distinct",
        ),
    ],
)
def test_animate_em_names_the_bad_argument(history, dims, message):
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=message):
        animate_em(np.zeros((4, 2)), history, "spherical", ax=ax, dims=dims)


def test_animate_em_3d_needs_three_features_and_3d_axes():
    history = [{"weights": np.ones(1), "means": np.zeros((1, 3)), "covariances": np.ones(1)}]
    _fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="3-D Axes"):
        animate_em_3d(np.zeros((4, 3)), history, "spherical", ax=ax)
    with pytest.raises(ValueError, match="dims must be 3 distinct feature indices in \\[0, 2\\)"):
        animate_em_3d(np.zeros((4, 2)), history, "spherical", ax=ax)
