"""Plots for speech: waveform, spectrogram, mel filterbank, feature image, confusion matrix.

Each takes ``ax=None`` (the current axes), draws, labels the axes and returns what it drew;
none calls ``plt.show()``. Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .sigproc import default_n_fft, frame_signal, power_spectrum, seconds_to_samples


def plot_waveform(signal, sample_rate, ax=None, **kwargs):
    """Samples against time in seconds.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    sample_rate : float
        In Hz.
    ax : matplotlib Axes or None, default=None
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    line : matplotlib.lines.Line2D
    """
    ax = plt.gca() if ax is None else ax
    signal = np.asarray(signal)
    style = dict(linewidth=0.6)
    style.update(kwargs)
    (line,) = ax.plot(np.arange(signal.size) / sample_rate, signal, **style)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    return line


def plot_spectrogram(
    signal, sample_rate, ax=None, frame_length=0.025, frame_step=0.01, dynamic_range_db=80.0, **kwargs
):
    """Power of Hamming-windowed frames in dB below the loudest bin, against time and frequency.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    sample_rate : float
    ax : matplotlib Axes or None, default=None
    frame_length, frame_step : float, default=0.025 and 0.01
        In seconds.
    dynamic_range_db : float, default=80.0
        Levels further below the maximum are drawn at the bottom of the colour scale.
    **kwargs
        Passed to ``ax.pcolormesh`` (for example ``cmap``).

    Returns
    -------
    mesh : matplotlib.collections.QuadMesh
    """
    ax = plt.gca() if ax is None else ax
    frame = seconds_to_samples(frame_length, sample_rate, "frame_length")
    step = seconds_to_samples(frame_step, sample_rate, "frame_step")
    n_fft = default_n_fft(frame)
    power = power_spectrum(frame_signal(signal, frame, step) * np.hamming(frame), n_fft)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(power / power.max())
    level = np.maximum(level, -dynamic_range_db)
    times = (np.arange(power.shape[0]) * step + frame / 2) / sample_rate
    frequencies = np.arange(power.shape[1]) * sample_rate / n_fft
    style = dict(shading="nearest", cmap="magma", rasterized=True)
    style.update(kwargs)
    mesh = ax.pcolormesh(times, frequencies, level.T, **style)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz)")
    return mesh


def plot_filterbank(filterbank, sample_rate, ax=None, **kwargs):
    """Each filter's weight against the frequency of the FFT bins.

    Parameters
    ----------
    filterbank : array-like of shape (n_filters, n_fft // 2 + 1)
    sample_rate : float
    ax : matplotlib Axes or None, default=None
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    lines : list of matplotlib.lines.Line2D
    """
    ax = plt.gca() if ax is None else ax
    filterbank = np.asarray(filterbank)
    n_fft = 2 * (filterbank.shape[1] - 1)
    frequencies = np.arange(filterbank.shape[1]) * sample_rate / n_fft
    lines = ax.plot(frequencies, filterbank.T, **kwargs)
    ax.set_xlabel("frequency (Hz)")
    ax.set_ylabel("weight")
    return lines


def plot_features(features, frame_step=0.01, ax=None, **kwargs):
    """Frame-by-frame features as an image: time across, coefficient up.

    Parameters
    ----------
    features : array-like of shape (n_frames, n_features)
    frame_step : float, default=0.01
        Seconds between frames.
    ax : matplotlib Axes or None, default=None
    **kwargs
        Passed to ``ax.imshow`` (for example ``cmap``, ``vmin``, ``vmax``).

    Returns
    -------
    image : matplotlib.image.AxesImage
    """
    ax = plt.gca() if ax is None else ax
    features = np.asarray(features)
    style = dict(
        aspect="auto",
        origin="lower",
        cmap="coolwarm",
        interpolation="nearest",
        extent=(0, features.shape[0] * frame_step, -0.5, features.shape[1] - 0.5),
    )
    style.update(kwargs)
    image = ax.imshow(features.T, **style)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("coefficient")
    return image


def plot_confusion_matrix(matrix, classes, ax=None, **kwargs):
    """Counts of true (rows) against predicted (columns) classes, each cell annotated.

    Parameters
    ----------
    matrix : array-like of int, shape (n_classes, n_classes)
    classes : sequence of str
    ax : matplotlib Axes or None, default=None
    **kwargs
        Passed to ``ax.imshow``.

    Returns
    -------
    image : matplotlib.image.AxesImage
    """
    ax = plt.gca() if ax is None else ax
    matrix = np.asarray(matrix)
    style = dict(cmap="Blues", vmin=0)
    style.update(kwargs)
    image = ax.imshow(matrix, **style)
    threshold = matrix.max() / 2
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            ax.text(
                column,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if count > threshold else "black",
            )
    ticks = np.arange(len(classes))
    ax.set_xticks(ticks, classes, rotation=90 if max(map(len, classes)) > 3 else 0)
    ax.set_yticks(ticks, classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    return image
