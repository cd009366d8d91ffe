"""Plots of tracking results: paths, one frame's mixture, and an animation over frames.

Every helper takes ``ax=None`` (the current axes) and returns what it drew; none calls
``plt.show()``. Colours come from :func:`gmmlib.plotting.component_colors` through
:func:`identity_colors`: one colour per identity, none shared by two identities of a figure, the
same in every frame of an animation. Used in ``notebooks/05_multi_object_tracking.ipynb``.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

from ..plotting import component_colors, corner_text, plot_covariance_ellipses, responsibility_colors


def identity_colors(ids):
    """``{id: colour}``: distinct colours for the distinct identities, in increasing order of identity.

    Parameters
    ----------
    ids : array-like of int
        Every identity the figure will show (repeats are fine).

    Returns
    -------
    dict

    Examples
    --------
    >>> from matplotlib.colors import to_hex
    >>> from gmmlib.tracking.plotting import identity_colors
    >>> colors = identity_colors([7, 3, 7, 1500])
    >>> sorted(colors), to_hex(colors[3])
    ([3, 7, 1500], '#1f77b4')
    """
    unique = np.unique(np.asarray(ids, dtype=int).reshape(-1))
    return dict(zip(unique.tolist(), component_colors(len(unique))))


def _gapped(frames, positions):
    """Positions with a NaN row wherever frames are missing, so a drawn line breaks there."""
    frames, positions = np.asarray(frames), np.asarray(positions, dtype=np.float64)
    breaks = np.flatnonzero(np.diff(frames) > 1) + 1
    return np.insert(positions, breaks, np.nan, axis=0)


def plot_paths(paths, ax=None, colors=None, **kwargs):
    """Draw paths ``{id: (frames, positions)}`` as lines, broken where frames are missing.

    Parameters
    ----------
    paths : dict
        As from :meth:`gmmlib.tracking.Scenario.truth_paths` or
        :meth:`gmmlib.tracking.TrackingResult.track_paths`.
    ax : matplotlib Axes or None, default=None
    colors : dict or None, default=None
        ``{id: colour}``; :func:`identity_colors` of the paths when None.
    **kwargs
        Passed to ``ax.plot``. A ``color`` draws every path in it; a ``label`` goes on the first
        line only.

    Returns
    -------
    lines : list of matplotlib.lines.Line2D
    """
    ax = plt.gca() if ax is None else ax
    ids = list(paths)
    if "color" in kwargs:
        colors = dict.fromkeys(ids, kwargs.pop("color"))
    colors = identity_colors(ids) if colors is None else colors
    lines = []
    for index, identity in enumerate(ids):
        style = dict(kwargs) if index == 0 else {k: v for k, v in kwargs.items() if k != "label"}
        positions = _gapped(*paths[identity])
        (line,) = ax.plot(positions[:, 0], positions[:, 1], color=colors[identity], **style)
        lines.append(line)
    return lines


def plot_frame(points, fit, track_ids, ax=None, colors=None, n_std=(2,), point_size=14, **kwargs):
    """One frame's mixture: detections coloured by responsibility (clutter grey) and ellipses.

    Parameters
    ----------
    points : array-like of shape (n_detections, 2)
    fit : gmmlib.tracking.tracker.FrameFit
        The frame's fit: its responsibilities (background last), component means and ``R``.
    track_ids : array-like of shape (n_tracks,)
        The components' identities, for the colours.
    ax : matplotlib Axes or None, default=None
    colors : dict or None, default=None
        ``{id: colour}``; :func:`identity_colors` of ``track_ids`` when None.
    n_std : sequence of float, default=(2,)
        Mahalanobis radii of the ellipses.
    point_size : float, default=14
    **kwargs
        Passed to :func:`gmmlib.plotting.plot_covariance_ellipses`.

    Returns
    -------
    points : matplotlib.collections.PathCollection
    ellipses : list of matplotlib.patches.Ellipse
    """
    ax = plt.gca() if ax is None else ax
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    track_ids = np.asarray(track_ids, dtype=int).reshape(-1)
    colors = identity_colors(track_ids) if colors is None else colors
    palette = [colors[int(i)] for i in track_ids]
    scatter = ax.scatter(
        points[:, 0],
        points[:, 1],
        s=point_size,
        linewidths=0,
        c=responsibility_colors(fit.resp, palette) if len(points) else None,
    )
    means = fit.positions
    covariances = np.broadcast_to(fit.measurement_covariance, (len(means), 2, 2))
    ellipses = plot_covariance_ellipses(means, covariances, ax=ax, n_std=n_std, colors=palette, **kwargs)
    return scatter, ellipses


def animate_tracking(scenario, result, frames=None, ax=None, tail=10, point_size=10):
    """Animate tracking: detections by responsibility, component ellipses, truth and track tails.

    Frame ``t`` shows that frame's detections coloured by responsibility (clutter grey), the
    2-sigma ellipse of every component of its EM (reported tracks solid, tentative dashed), the
    true positions (black crosses) and the last ``tail`` positions of every reported track. Each
    identity keeps one colour, distinct from every other identity of the animation.

    Parameters
    ----------
    scenario : gmmlib.tracking.Scenario
    result : gmmlib.tracking.TrackingResult
    frames : sequence of int or None, default=None
        The frames to show; all when None.
    ax : matplotlib Axes or None, default=None
    tail : int, default=10
    point_size : float, default=10

    Returns
    -------
    animation : matplotlib.animation.FuncAnimation
        Save it with :func:`gmmlib.plotting.save_animation`, then close its figure.
    """
    ax = plt.gca() if ax is None else ax
    frames = list(range(scenario.n_frames)) if frames is None else [int(t) for t in frames]
    shown = [result.frames[t].track_ids for t in frames] + [result.track_ids[t] for t in frames]
    colors = identity_colors(np.concatenate([*shown, np.empty(0, dtype=int)]))
    region = scenario.region
    ax.set_xlim(*region[0])
    ax.set_ylim(*region[1])
    ax.set_aspect("equal")
    paths = result.track_paths()
    artists = []
    label = corner_text(ax)

    def draw(t):
        for artist in artists:
            artist.remove()
        artists.clear()
        record = result.frames[t]
        reported = np.isin(record.track_ids, result.track_ids[t])
        scatter, ellipses = plot_frame(
            scenario.detections[t], record.fit, record.track_ids, ax=ax, colors=colors, point_size=point_size
        )
        for ellipse, solid in zip(ellipses, reported):
            ellipse.set_linestyle("-" if solid else "--")
        artists.extend([scatter, *ellipses])
        truth = np.reshape(scenario.truth_positions[t], (-1, 2))
        artists.append(ax.scatter(truth[:, 0], truth[:, 1], marker="x", c="k", s=25, linewidths=1))
        for identity in result.track_ids[t]:
            track_frames, positions = paths[int(identity)]
            recent = (track_frames <= t) & (track_frames > t - tail)
            artists.extend(
                plot_paths(
                    {int(identity): (track_frames[recent], positions[recent])}, ax=ax, colors=colors, linewidth=1.5
                )
            )
        label.set_text(f"frame {t}: {len(truth)} objects, {len(result.track_ids[t])} tracks")
        ax.set_xlim(*region[0])
        ax.set_ylim(*region[1])
        return [label, *artists]

    draw(frames[0])
    return FuncAnimation(ax.figure, draw, frames=frames, blit=False)
