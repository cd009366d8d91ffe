"""Plotting helpers for Gaussian mixtures, and animations of EM.

Each plot helper takes ``ax=None`` (meaning the current axes), draws, and returns what it drew;
none calls ``plt.show()``. The animations replay a parameter history such as
``GaussianMixture(record_history=True).fit(X).history_``: :func:`animate_em` in two dimensions,
:func:`animate_em_3d` on three features, saved as GIF by :func:`save_animation`.
"""

import base64
import html
import io
import pathlib

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import AbstractMovieWriter, FuncAnimation
from matplotlib.colors import to_rgba
from matplotlib.patches import Ellipse
from matplotlib.ticker import MaxNLocator
from PIL import Image
from scipy.special import logsumexp

from ._validation import _describe, check_data
from .em import e_step, log_weighted_densities
from .gaussian import full_covariance


def component_colors(n_components):
    """One colour per component from matplotlib's default cycle (repeating after ten)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return [cycle[k % len(cycle)] for k in range(n_components)]


def plot_covariance_ellipses(
    means, covariances, covariance_type="full", ax=None, n_std=(1, 2, 3), dims=(0, 1), colors=None, **kwargs
):
    """Draw the ``n_std``-sigma ellipses of every component, projected onto two features.

    The ellipse of radius r is ``{mu_k + r Sigma_k^{1/2} u : ||u|| = 1}``: its semi-axes are r times
    the square roots of the eigenvalues of ``Sigma_k`` (restricted to ``dims``), along its
    eigenvectors. Derived in ``notebooks/01_gaussian_mixture_model.ipynb``.

    Parameters
    ----------
    means : array-like of shape (n_components, n_features)
    covariances : array-like, scikit-learn's shape for ``covariance_type``
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    ax : matplotlib Axes or None, default=None
    n_std : sequence of float, default=(1, 2, 3)
        Mahalanobis radii of the ellipses drawn for each component.
    dims : pair of int, default=(0, 1)
        The two features to project onto.
    colors : sequence of colours or None, default=None
    **kwargs
        Passed to :class:`matplotlib.patches.Ellipse` (for example ``linewidth``).

    Returns
    -------
    ellipses : list of matplotlib.patches.Ellipse
    """
    ax = plt.gca() if ax is None else ax
    means = np.asarray(means)
    colors = component_colors(len(means)) if colors is None else colors
    index = np.ix_(dims, dims)
    ellipses = []
    for k, mean in enumerate(means):
        covariance = full_covariance(covariances, covariance_type, k, means.shape[1])[index]
        eigenvalues, eigenvectors = np.linalg.eigh(covariance)
        angle = np.degrees(np.arctan2(eigenvectors[1, 1], eigenvectors[0, 1]))
        for radius in n_std:
            width, height = 2 * radius * np.sqrt(np.maximum(eigenvalues[::-1], 0))
            style = dict(fill=False, edgecolor=colors[k], linewidth=1.5, alpha=max(0.3, 1 - 0.25 * (radius - 1)))
            style.update(kwargs)
            ellipse = Ellipse(mean[list(dims)], width, height, angle=angle, **style)
            ax.add_patch(ellipse)
            ellipses.append(ellipse)
    ax.autoscale_view()
    return ellipses


def _check_3d_axes(ax):
    if getattr(ax, "name", None) != "3d":
        raise ValueError(
            f"ax must be a 3-D Axes (created with projection='3d'), got {type(ax).__name__} "
            f"with projection {getattr(ax, 'name', None)!r}"
        )


def covariance_ellipsoid(mean, covariance, n_std=2.0, resolution=13):
    """Points of the ellipsoid ``{mu + n_std * Sigma^{1/2} u : ||u|| = 1}`` on a latitude-longitude grid.

    Its semi-axes are ``n_std`` times the square roots of the eigenvalues of ``Sigma``, along the
    eigenvectors; every point has Mahalanobis distance ``n_std`` from ``mean``.

    Parameters
    ----------
    mean : array-like of shape (3,)
    covariance : array-like of shape (3, 3)
        Symmetric positive semi-definite.
    n_std : float, default=2.0
    resolution : int, default=13
        Grid points per angle.

    Returns
    -------
    surface : ndarray of shape (resolution, resolution, 3)
    """
    eigenvalues, eigenvectors = np.linalg.eigh(np.asarray(covariance, dtype=float))
    # Rounding can leave a tiny negative eigenvalue on a collapsed component: draw it flat.
    semi_axes = n_std * np.sqrt(np.maximum(eigenvalues, 0))
    azimuth, polar = np.meshgrid(np.linspace(0, 2 * np.pi, resolution), np.linspace(0, np.pi, resolution))
    sphere = np.stack([np.cos(azimuth) * np.sin(polar), np.sin(azimuth) * np.sin(polar), np.cos(polar)], axis=-1)
    return np.asarray(mean, dtype=float) + sphere @ (eigenvectors * semi_axes).T


def plot_covariance_ellipsoids(
    means, covariances, covariance_type="full", ax=None, n_std=2.0, dims=(0, 1, 2), colors=None, resolution=11, **kwargs
):
    """Draw the ``n_std``-sigma ellipsoid of every component as a wireframe, on three features.

    Parameters
    ----------
    means : array-like of shape (n_components, n_features)
    covariances : array-like, scikit-learn's shape for ``covariance_type``
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    ax : 3-D matplotlib Axes or None, default=None
        Created with ``projection="3d"``; the current axes when None.
    n_std : float, default=2.0
        Mahalanobis radius of the ellipsoids (:func:`covariance_ellipsoid`).
    dims : triple of int, default=(0, 1, 2)
        The three features to project onto: each covariance is restricted to them.
    colors : sequence of colours or None, default=None
    resolution : int, default=11
        Grid lines per angle of the wireframe.
    **kwargs
        Passed to ``ax.plot_wireframe`` (for example ``linewidth``). The default ``zorder=3`` draws
        the wireframes over scattered points once ``ax.computed_zorder = False``; by default matplotlib
        orders 3-D artists by depth, which can hide a wireframe inside its cloud of points.

    Returns
    -------
    wireframes : list of mpl_toolkits.mplot3d.art3d.Line3DCollection
        One per component.

    Raises
    ------
    ValueError
        If ``ax`` is not a 3-D Axes.
    """
    ax = plt.gca() if ax is None else ax
    _check_3d_axes(ax)
    means = np.asarray(means)
    colors = component_colors(len(means)) if colors is None else colors
    wireframes = []
    for k, mean in enumerate(means):
        covariance = full_covariance(covariances, covariance_type, k, means.shape[1])[np.ix_(dims, dims)]
        surface = covariance_ellipsoid(mean[list(dims)], covariance, n_std, resolution)
        style = dict(color=colors[k], linewidth=1.0, alpha=0.9, zorder=3)
        style.update(kwargs)
        wireframes.append(ax.plot_wireframe(*np.moveaxis(surface, -1, 0), **style))
    return wireframes


def plot_density_contours(
    weights,
    means,
    covariances,
    covariance_type="full",
    ax=None,
    xlim=None,
    ylim=None,
    resolution=200,
    levels=12,
    filled=False,
    **kwargs,
):
    """Contours of the log-density of a two-feature mixture over a grid.

    ``log p(x) = logsumexp_k(log pi_k + log N(x | mu_k, Sigma_k))``, as in
    ``notebooks/01_gaussian_mixture_model.ipynb``.

    Parameters
    ----------
    weights : array-like of shape (n_components,)
    means : array-like of shape (n_components, 2)
    covariances : array-like, scikit-learn's shape for ``covariance_type``
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    ax : matplotlib Axes or None, default=None
    xlim, ylim : pair of float or None, default=None
        Grid limits; by default the axes' current limits.
    resolution : int, default=200
        Grid points per axis.
    levels : int or sequence of float, default=12
    filled : bool, default=False
        ``contourf`` instead of ``contour``.

    Returns
    -------
    contours : matplotlib.contour.QuadContourSet
    """
    ax = plt.gca() if ax is None else ax
    xlim = ax.get_xlim() if xlim is None else xlim
    ylim = ax.get_ylim() if ylim is None else ylim
    xs, ys = np.linspace(*xlim, resolution), np.linspace(*ylim, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    log_density = logsumexp(log_weighted_densities(grid, weights, means, covariances, covariance_type), axis=1)
    contour = ax.contourf if filled else ax.contour
    return contour(grid_x, grid_y, log_density.reshape(grid_x.shape), levels=levels, **kwargs)


def responsibility_colors(resp, colors=None, background_color="0.6"):
    """RGBA colour of each point: the components' colours mixed by its responsibilities.

    Row i is ``sum_k gamma_ik rgba_k``, so a point shared by two components shows a blend
    (``notebooks/01_gaussian_mixture_model.ipynb``, section 3.3).

    Parameters
    ----------
    resp : array-like of shape (n_samples, n_columns)
        Rows sum to 1. With ``n_columns`` one more than ``len(colors)``, the last column is a
        background drawn in ``background_color``.
    colors : sequence of colours or None, default=None
    background_color : colour, default="0.6"

    Returns
    -------
    rgba : ndarray of shape (n_samples, 4)
        Values in [0, 1].
    """
    resp = np.asarray(resp)
    colors = component_colors(resp.shape[1]) if colors is None else list(colors)
    if len(colors) == resp.shape[1] - 1:
        colors = [*colors, background_color]
    palette = np.array([to_rgba(color) for color in colors[: resp.shape[1]]])
    return np.clip(resp @ palette, 0, 1)


def plot_responsibilities(X, resp, ax=None, dims=(0, 1), colors=None, **kwargs):
    """Scatter the points coloured by their responsibilities (mixed colours show shared points).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    resp : array-like of shape (n_samples, n_columns)
    ax : matplotlib Axes or None, default=None
    dims : pair of int, default=(0, 1)
    colors : sequence of colours or None, default=None
    **kwargs
        Passed to ``ax.scatter``.

    Returns
    -------
    collection : matplotlib.collections.PathCollection
    """
    ax = plt.gca() if ax is None else ax
    X = np.asarray(X)
    style = dict(s=10, linewidths=0)
    style.update(kwargs)
    return ax.scatter(X[:, dims[0]], X[:, dims[1]], c=responsibility_colors(resp, colors), **style)


def plot_log_likelihood(lower_bounds, ax=None, **kwargs):
    """Mean log-likelihood against the EM iteration (for example ``model.lower_bounds_``), whole-number ticks.

    Parameters
    ----------
    lower_bounds : array-like of shape (n_iterations,)
        The value after each iteration; iteration numbers start at 1.
    ax : matplotlib Axes or None, default=None
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    line : matplotlib.lines.Line2D

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from gmmlib import GaussianMixture
    >>> from gmmlib.plotting import plot_log_likelihood
    >>> X = np.random.default_rng(0).normal(size=(200, 2)) * [3.0, 1.0]
    >>> model = GaussianMixture(2, random_state=0).fit(X)
    >>> line = plot_log_likelihood(model.lower_bounds_, ax=Figure().add_subplot())
    >>> bool(np.all(np.diff(line.get_ydata()) >= 0)), int(line.get_xdata()[0])
    (True, 1)
    """
    ax = plt.gca() if ax is None else ax
    lower_bounds = np.asarray(lower_bounds)
    style = dict(marker="o", markersize=3)
    style.update(kwargs)
    (line,) = ax.plot(np.arange(1, len(lower_bounds) + 1), lower_bounds, **style)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("mean log-likelihood")
    return line


def _check_history(history, n_features):
    """Validate a parameter history; return it as a list."""
    if isinstance(history, dict) or not hasattr(history, "__len__") or len(history) == 0:
        raise ValueError(
            "history must be a non-empty list of dicts with keys 'weights', 'means' and "
            "'covariances' (for example GaussianMixture(record_history=True).history_), "
            f"got {_describe(history)}"
        )
    history = list(history)
    for t, entry in enumerate(history):
        if not isinstance(entry, dict) or not {"weights", "means", "covariances"} <= set(entry):
            raise ValueError(
                f"history[{t}] must be a dict with keys 'weights', 'means' and 'covariances', got {_describe(entry)}"
            )
        if np.ndim(entry["means"]) != 2 or np.shape(entry["means"])[1] != n_features:
            raise ValueError(
                f"history[{t}]['means'] must have shape (n_components, {n_features}) to match X, "
                f"got shape {np.shape(entry['means'])}"
            )
    return history


def _check_dims(dims, n_dims, n_features):
    dims = tuple(dims)
    if (
        len(dims) != n_dims
        or len(set(dims)) != n_dims
        or not all(isinstance(d, (int, np.integer)) and 0 <= d < n_features for d in dims)
    ):
        raise ValueError(f"dims must be {n_dims} distinct feature indices in [0, {n_features}), got {dims!r}")
    return dims


def _padded_limits(values, margin=0.08):
    low, high = values.min(), values.max()
    pad = margin * (high - low if high > low else 1.0)
    return low - pad, high + pad


def corner_text(ax, fontsize=9):
    """An empty text box in the top-left corner of ``ax`` (2-D or 3-D), for an animation's counter.

    Parameters
    ----------
    ax : matplotlib Axes
    fontsize : float, default=9

    Returns
    -------
    text : matplotlib.text.Text
        Fill it with ``text.set_text(...)`` in each frame.
    """
    # A 3-D Axes' `text` takes data coordinates (x, y, z); its `text2D` is the 2-D Axes' `text`.
    place_text = getattr(ax, "text2D", ax.text)
    return place_text(
        0.02,
        0.98,
        "",
        transform=ax.transAxes,
        va="top",
        ha="left",
        fontsize=fontsize,
        bbox=dict(boxstyle="round", facecolor="white", alpha=0.8, edgecolor="0.8"),
    )


def _animate_history(
    X, history, covariance_type, background_volume, ax, dims, colors, interval, draw_components, **scatter_style
):
    """The scaffold of :func:`animate_em` and :func:`animate_em_3d`, for checked ``X`` and ``dims``.

    Fixes the axis limits to the data on the features ``dims``, scatters the points and places the
    counter. Frame ``t`` colours the points by their responsibilities under ``history[t]``, replaces
    the previous frame's component artists by those ``draw_components(t, entry, colors)`` returns,
    and writes the iteration and the mean log-likelihood into the counter.
    """
    history = _check_history(history, X.shape[1])
    n_components = np.shape(history[0]["means"])[0]
    colors = component_colors(n_components) if colors is None else list(colors)
    for axis, d in zip("xyz", dims):
        getattr(ax, f"set_{axis}lim")(*_padded_limits(X[:, d]))
    points = ax.scatter(*X[:, list(dims)].T, linewidths=0, **scatter_style)
    counter = corner_text(ax)
    components = []

    def draw(t):
        entry = history[t]
        resp, log_likelihood = e_step(
            X, entry["weights"], entry["means"], entry["covariances"], covariance_type, background_volume
        )
        points.set_facecolor(responsibility_colors(resp, colors))
        for artist in components:
            artist.remove()
        components[:] = draw_components(t, entry, colors)
        step = "start" if t == 0 else f"iteration {t}/{len(history) - 1}"
        counter.set_text(f"EM {step}\nmean log-likelihood {log_likelihood / len(X):.3f}")
        return [points, counter, *components]

    draw(0)  # shows the start at once and checks the parameters' shapes before any saving
    return FuncAnimation(ax.figure, draw, frames=len(history), interval=interval, blit=False)


def animate_em(
    X,
    history,
    covariance_type="full",
    *,
    background_volume=None,
    ax=None,
    dims=(0, 1),
    n_std=(1, 2),
    colors=None,
    interval=300,
    point_size=10,
):
    """Animate EM in two dimensions: moving ellipses, points coloured by responsibility, a counter.

    Frame ``t`` shows ``history[t]``: entry 0 is the start and entry ``t`` the parameters after
    ``t`` iterations. Each point is coloured by its responsibilities under those parameters
    (:func:`responsibility_colors`, computed with :func:`gmmlib.e_step` on all features of ``X``),
    each component drawn as its ``n_std``-sigma ellipses, and a counter shows the iteration and the
    mean log-likelihood. Used in ``notebooks/02_em_derivation.ipynb``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    history : sequence of dict
        Each with ``weights``, ``means`` and ``covariances``, for example
        ``GaussianMixture(record_history=True).fit(X).history_``; with a background, ``weights``
        ends with the background's weight.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    background_volume : float or None, default=None
        Volume of a uniform background component, as in :func:`gmmlib.e_step`; its points are grey.
    ax : matplotlib Axes or None, default=None
        The axes to animate; the current axes when None. The axis limits are fixed to the data.
    dims : pair of int, default=(0, 1)
        The two features to project onto.
    n_std : sequence of float, default=(1, 2)
        Mahalanobis radii of the ellipses.
    colors : sequence of colours or None, default=None
        One per component.
    interval : float, default=300
        Milliseconds between frames when played interactively (:func:`save_animation` sets the
        GIF's own frame rate).
    point_size : float, default=10

    Returns
    -------
    animation : matplotlib.animation.FuncAnimation
        One frame per entry of ``history``. Save it with :func:`save_animation`; close its figure
        afterwards so that a notebook does not also show the last frame as a still.

    Examples
    --------
    A figure of 4.8 x 4.4 inches saved at 100 dpi gives a GIF 480 pixels wide, one frame per entry
    of the history (the start and one per iteration):

    >>> import tempfile
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from PIL import Image
    >>> from gmmlib import GaussianMixture
    >>> from gmmlib.plotting import animate_em, save_animation
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(4, 1, (100, 2))])
    >>> model = GaussianMixture(2, random_state=0, record_history=True).fit(X)
    >>> ax = Figure(figsize=(4.8, 4.4)).add_subplot()
    >>> animation = animate_em(X, model.history_, ax=ax)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     name = save_animation(animation, folder, "em.gif", dpi=100)
    ...     with Image.open(f"{folder}/{name}") as gif:
    ...         print(gif.size, gif.n_frames == model.n_iter_ + 1)
    (480, 440) True
    """
    X = check_data(X)
    dims = _check_dims(dims, 2, X.shape[1])
    ax = plt.gca() if ax is None else ax

    def draw_ellipses(t, entry, colors):
        return plot_covariance_ellipses(
            entry["means"], entry["covariances"], covariance_type, ax=ax, n_std=n_std, dims=dims, colors=colors
        )

    return _animate_history(
        X, history, covariance_type, background_volume, ax, dims, colors, interval, draw_ellipses, s=point_size
    )


def animate_em_3d(
    X,
    history,
    covariance_type="full",
    *,
    background_volume=None,
    ax=None,
    dims=(0, 1, 2),
    n_std=2.0,
    colors=None,
    interval=300,
    point_size=4,
    rotation=2.0,
):
    """Animate EM on three features: moving ellipsoids, points coloured by responsibility, a counter.

    The three-dimensional counterpart of :func:`animate_em`; the view turns by ``rotation``
    degrees per frame so that the depth can be read, and the ellipsoids are drawn over the points
    (the axes' ``computed_zorder`` is switched off). Used in ``notebooks/03_em_in_practice.ipynb``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        At least three features.
    history : sequence of dict
        As for :func:`animate_em`.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    background_volume : float or None, default=None
    ax : 3-D matplotlib Axes or None, default=None
        Created with ``projection="3d"``; the current axes when None.
    dims : triple of int, default=(0, 1, 2)
        The three features to show.
    n_std : float, default=2.0
        Mahalanobis radius of the ellipsoids (:func:`plot_covariance_ellipsoids`).
    colors : sequence of colours or None, default=None
    interval : float, default=300
    point_size : float, default=4
    rotation : float, default=2.0
        Degrees of azimuth the view turns per frame; 0 keeps it still.

    Returns
    -------
    animation : matplotlib.animation.FuncAnimation
        One frame per entry of ``history``.

    Raises
    ------
    ValueError
        If ``ax`` is not a 3-D Axes, or ``X``, ``dims`` or ``history`` do not fit together.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> from gmmlib import GaussianMixture
    >>> from gmmlib.plotting import animate_em_3d, save_animation
    >>> X = np.random.default_rng(1).normal(size=(300, 3)) * [3.0, 1.0, 0.5]
    >>> model = GaussianMixture(3, covariance_type="diag", random_state=0, record_history=True).fit(X)
    >>> ax = Figure(figsize=(4.8, 4.4)).add_subplot(projection="3d")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save_animation(animate_em_3d(X, model.history_, "diag", ax=ax), folder, "em_3d.gif", dpi=100)
    'em_3d.gif'
    """
    X = check_data(X)
    dims = _check_dims(dims, 3, X.shape[1])
    ax = plt.gca() if ax is None else ax
    _check_3d_axes(ax)
    # Draw in zorder rather than by depth: the ellipsoids sit inside their points and would vanish
    # behind them whenever the points' collection counts as nearer to the viewer.
    ax.computed_zorder = False
    elevation, azimuth = ax.elev, ax.azim

    def draw_ellipsoids(t, entry, colors):
        ax.view_init(elev=elevation, azim=azimuth + rotation * t)
        return plot_covariance_ellipsoids(
            entry["means"], entry["covariances"], covariance_type, ax=ax, n_std=n_std, dims=dims, colors=colors
        )

    return _animate_history(
        X,
        history,
        covariance_type,
        background_volume,
        ax,
        dims,
        colors,
        interval,
        draw_ellipsoids,
        s=point_size,
        depthshade=False,
        zorder=1,
    )


class _GifWriter(AbstractMovieWriter):
    """Collects the frames and writes them as a GIF whose frames share one palette, without dithering.

    matplotlib's PillowWriter lets Pillow choose a palette per frame: colours flicker between frames,
    and anti-aliased edges of a large frame spend the palette on near-duplicates. One palette, chosen
    by median cut over all frames, keeps colours steady and the file small.
    """

    def __init__(self, fps, palette_size):
        super().__init__(fps=fps)
        self.palette_size = palette_size

    def setup(self, fig, outfile, dpi=None):
        super().setup(fig, outfile, dpi=dpi)
        self.frames = []

    def grab_frame(self, **savefig_kwargs):
        buffer = io.BytesIO()
        self.fig.savefig(buffer, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
        rgba = Image.frombuffer("RGBA", self.frame_size, buffer.getbuffer(), "raw", "RGBA", 0, 1)
        self.frames.append(np.asarray(rgba.convert("RGB")))

    def finish(self):
        montage = Image.fromarray(np.concatenate(self.frames))
        palette = montage.quantize(self.palette_size, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        images = [Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE) for frame in self.frames]
        images[0].save(self.outfile, save_all=True, append_images=images[1:], duration=int(1000 / self.fps), loop=0)


def save_animation(animation, output_dir, name, fps=4, dpi=80, palette_size=256):
    """Save an animation as a GIF whose frames share one palette; return the file name.

    A GIF holds no timestamp or software version, so the same animation gives the same bytes on
    every run (checked in ``tests/test_plotting.py``). Show it in a notebook with
    ``GifImage(output_dir / name)``. Frames are saved opaque.

    Parameters
    ----------
    animation : matplotlib.animation.Animation
        For example from :func:`animate_em`.
    output_dir : str or pathlib.Path
        An existing folder.
    name : str
        File name ending in ``.gif``.
    fps : float, default=4
        Frames per second of the GIF (frame durations are whole milliseconds).
    dpi : float, default=80
        Resolution of the frames; the figure size in inches times ``dpi`` gives the pixels.
    palette_size : int, default=256
        Colours of the palette all frames share (2 to 256), chosen by median cut over every frame;
        fewer colours give a smaller file.

    Returns
    -------
    name : str
        The file name, not the path (which differs between machines).

    Examples
    --------
    Any matplotlib animation, here three frames of a counter:

    >>> import tempfile
    >>> from matplotlib.animation import FuncAnimation
    >>> from matplotlib.figure import Figure
    >>> from gmmlib.plotting import GifImage, save_animation
    >>> fig = Figure(figsize=(4.8, 1.0))
    >>> text = fig.text(0.5, 0.5, "", fontsize=20)
    >>> animation = FuncAnimation(fig, lambda t: [text.set_text(f"frame {t}")], frames=3)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     name = save_animation(animation, folder, "counter.gif", dpi=100, palette_size=16)
    ...     image = GifImage(f"{folder}/{name}", alt="a counter")
    >>> image
    GifImage('counter.gif')
    >>> image._repr_html_().startswith('<img src="data:image/gif;base64,')
    True
    """
    if not isinstance(name, str) or not name.endswith(".gif"):
        raise ValueError(f"name must be a file name ending in .gif, got {name!r}")
    for value, label in ((fps, "fps"), (dpi, "dpi")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{label} must be a positive number, got {value!r}")
    if isinstance(palette_size, bool) or not isinstance(palette_size, int) or not 2 <= palette_size <= 256:
        raise ValueError(f"palette_size must be an int from 2 to 256, got {palette_size!r}")
    animation.save(pathlib.Path(output_dir) / name, writer=_GifWriter(fps, palette_size), dpi=dpi)
    return name


class GifImage:
    """A GIF file that Jupyter shows as an animated image, in notebooks and in their HTML exports.

    ``IPython.display.Image`` would store the GIF under the ``image/gif`` type, which nbconvert's HTML
    export does not render; this object renders as an HTML ``<img>`` with the GIF's bytes inlined.

    Parameters
    ----------
    path : str or pathlib.Path
        A GIF file, for example written by :func:`save_animation`.
    alt : str or None, default=None
        Alternative text of the image; the file name when None.
    """

    def __init__(self, path, alt=None):
        path = pathlib.Path(path)
        self.data = path.read_bytes()
        if not self.data.startswith((b"GIF87a", b"GIF89a")):
            raise ValueError(f"path must name a GIF file, but {path.name!r} does not start with a GIF header")
        self.name = path.name
        self.alt = path.name if alt is None else alt

    def _repr_html_(self):
        encoded = base64.b64encode(self.data).decode("ascii")
        return f'<img src="data:image/gif;base64,{encoded}" alt="{html.escape(self.alt, quote=True)}"/>'

    def __repr__(self):
        return f"GifImage({self.name!r})"
