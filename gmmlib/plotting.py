"""Plotting helpers for Gaussian mixtures.

Each takes ``ax=None`` (meaning the current axes), draws, and returns what it drew; none calls
``plt.show()``.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.patches import Ellipse
from scipy.special import logsumexp

from .em import log_weighted_densities
from .gaussian import full_covariance


def component_colors(n_components):
    """One colour per component from matplotlib's default cycle (repeating after ten)."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return [cycle[k % len(cycle)] for k in range(n_components)]


def plot_covariance_ellipses(means, covariances, covariance_type="full", ax=None, n_std=(1, 2, 3),
                             dims=(0, 1), colors=None, **kwargs):
    """Draw the ``n_std``-sigma ellipses of every component, projected onto two features.

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
            width, height = 2 * radius * np.sqrt(eigenvalues[::-1])
            style = dict(fill=False, edgecolor=colors[k], linewidth=1.5, alpha=max(0.3, 1 - 0.25 * (radius - 1)))
            style.update(kwargs)
            ellipse = Ellipse(mean[list(dims)], width, height, angle=angle, **style)
            ax.add_patch(ellipse)
            ellipses.append(ellipse)
    ax.autoscale_view()
    return ellipses


def plot_density_contours(weights, means, covariances, covariance_type="full", ax=None, xlim=None, ylim=None,
                          resolution=200, levels=12, filled=False, **kwargs):
    """Contours of the log-density of a two-feature mixture over a grid.

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

    Parameters
    ----------
    resp : array-like of shape (n_samples, n_columns)
        Rows sum to 1. With ``n_columns`` one more than ``len(colors)``, the last column is a
        background drawn in ``background_color``.
    colors : sequence of colours or None, default=None
    background_color : colour, default="0.6"
    """
    resp = np.asarray(resp)
    colors = component_colors(resp.shape[1]) if colors is None else list(colors)
    if len(colors) == resp.shape[1] - 1:
        colors = colors + [background_color]
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
    """Mean log-likelihood against the EM iteration (for example ``model.lower_bounds_``).

    Returns
    -------
    line : matplotlib.lines.Line2D
    """
    ax = plt.gca() if ax is None else ax
    lower_bounds = np.asarray(lower_bounds)
    style = dict(marker="o", markersize=3)
    style.update(kwargs)
    (line,) = ax.plot(np.arange(1, len(lower_bounds) + 1), lower_bounds, **style)
    ax.set_xlabel("EM iteration")
    ax.set_ylabel("mean log-likelihood")
    return line
