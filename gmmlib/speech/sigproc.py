"""Short-time signal processing: pre-emphasis, framing, windows and power spectra, in numpy and scipy.

Nothing here knows about mel scales or cepstra (:mod:`gmmlib.speech.features` builds those on these
steps), as python_speech_features' ``sigproc`` sits under its ``base``:

    pre-emphasis  y[n] = x[n] - a x[n-1]                                   (:func:`pre_emphasis`)
    framing       frames of N samples every S samples, last one zero-padded   (:func:`frame_signal`)
    window        e.g. Hamming, w[n] = 0.54 - 0.46 cos(2 pi n / (N - 1))     (:func:`window_values`)
    power         P_k = |FFT(frame)_k|^2 / n_fft,  k = 0 .. n_fft / 2        (:func:`power_spectrum`)

Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import numpy as np
from scipy import fft
from scipy import signal as sp_signal

from .._validation import _describe, check_scalar


def _numeric_array(values, name, expected):
    """``values`` as a numeric (bool, integer or float) array, or a TypeError naming ``name``."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:  # ragged nested sequences and the like
        raise TypeError(f"{name} must be {expected}; could not convert it: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be {expected}, got {_describe(array)}")
    return array


def _finite_float64(array, name, axes):
    """``array`` in float64, or a ValueError naming ``name`` and where the first NaN or inf is."""
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        position = tuple(np.argwhere(~np.isfinite(array))[0])
        where = ", ".join(f"{axis} {index}" for axis, index in zip(axes, position))
        raise ValueError(f"{name} must be finite; found {array[position]} at {where}")
    return array


def check_signal(signal, name="signal"):
    """``signal`` as a non-empty, finite, 1-D float64 array, or a ValueError/TypeError naming ``name``.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    name : str, default="signal"
        The caller's name for the argument, used in error messages.

    Returns
    -------
    signal : ndarray of shape (n_samples,), float64
    """
    array = _numeric_array(signal, name, "a numeric 1-D array")
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (mono samples), got shape {array.shape}; average the channels of a stereo signal first"
        )
    if array.size == 0:
        raise ValueError(f"{name} must have at least one sample, got an empty array")
    return _finite_float64(array, name, ["sample"])


def check_frames(frames, name="frames"):
    """``frames`` as a finite 2-D float64 array with at least one row and one column, or an error naming ``name``.

    Parameters
    ----------
    frames : array-like of shape (n_frames, n_values)
        One row per frame: samples, spectra or features.
    name : str, default="frames"
        The caller's name for the argument, used in error messages.

    Returns
    -------
    frames : ndarray of shape (n_frames, n_values), float64
    """
    array = _numeric_array(frames, name, "a numeric 2-D array")
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(
            f"{name} must be 2-D of shape (n_frames, n_values) with at least one frame and one value, "
            f"got shape {array.shape}"
        )
    return _finite_float64(array, name, ["row", "column"])


def check_unit_interval(value, name):
    """A real number in [0, 1], or a ValueError/TypeError naming ``name``.

    Parameters
    ----------
    value : float
    name : str
        The caller's name for the argument, used in error messages.

    Returns
    -------
    value : float
        ``value`` itself.
    """
    check_scalar(value, name, float, minimum=0)
    if value > 1:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return value


def pre_emphasis(signal, coefficient=0.97):
    """First-order high-pass ``y[0] = x[0]``, ``y[n] = x[n] - a x[n-1]``.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    coefficient : float, default=0.97
        ``a`` in [0, 1]; 0 leaves the signal unchanged.

    Returns
    -------
    emphasised : ndarray of shape (n_samples,)
    """
    signal = check_signal(signal)
    check_unit_interval(coefficient, "coefficient")
    return np.concatenate([signal[:1], signal[1:] - coefficient * signal[:-1]])


def seconds_to_samples(seconds, sample_rate, name):
    """``seconds * sample_rate`` rounded half up to a positive number of samples.

    Parameters
    ----------
    seconds : float
        A duration, positive.
    sample_rate : float
        In Hz, positive.
    name : str
        The caller's name for ``seconds``, used in error messages.

    Returns
    -------
    count : int
    """
    check_scalar(seconds, name, float, minimum=0, include_minimum=False)
    check_scalar(sample_rate, "sample_rate", float, minimum=0, include_minimum=False)
    count = int(np.floor(seconds * sample_rate + 0.5))
    if count < 1:
        raise ValueError(f"{name}={seconds!r} s is less than one sample at sample_rate={sample_rate!r} Hz")
    return count


def frame_signal(signal, frame_length, frame_step):
    """Overlapping frames, the last one zero-padded to full length.

    There are ``1 + ceil((n_samples - frame_length) / frame_step)`` frames, or one frame when the
    signal is no longer than a frame (python_speech_features' convention), so every sample lies in
    at least one frame.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    frame_length : int
        Samples per frame.
    frame_step : int
        Samples between the starts of consecutive frames.

    Returns
    -------
    frames : ndarray of shape (n_frames, frame_length)
        A copy; frame ``t`` holds samples ``t * frame_step`` onwards.
    """
    signal = check_signal(signal)
    check_scalar(frame_length, "frame_length", int, minimum=1)
    check_scalar(frame_step, "frame_step", int, minimum=1)
    n_samples = signal.size
    n_frames = 1 if n_samples <= frame_length else 1 + -(-(n_samples - frame_length) // frame_step)
    padded = np.zeros((n_frames - 1) * frame_step + frame_length)
    padded[:n_samples] = signal
    windows = np.lib.stride_tricks.sliding_window_view(padded, frame_length)
    return windows[::frame_step].copy()


def window_values(window, frame_length):
    """The ``frame_length`` values of a window given by name, by its values, or None (rectangular).

    Parameters
    ----------
    window : str, tuple, array-like of shape (frame_length,) or None
        A scipy window name or tuple such as ``"hamming"`` or ``("kaiser", 8.0)``, evaluated
        symmetric (``w[0] = w[N - 1]``, as ``numpy.hamming`` and HTK); the window's finite values;
        or None for a rectangular window.
    frame_length : int
        Samples per frame.

    Returns
    -------
    values : ndarray of shape (frame_length,)
    """
    check_scalar(frame_length, "frame_length", int, minimum=1)
    if window is None:
        return np.ones(frame_length)
    if isinstance(window, str | tuple):
        try:
            return sp_signal.get_window(window, frame_length, fftbins=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"window={window!r} is not a scipy window name or (name, parameter) tuple: {exc}"
            ) from None
    try:
        values = np.asarray(window, dtype=np.float64)
    except (TypeError, ValueError):
        values = None
    if values is None or values.shape != (frame_length,) or not np.all(np.isfinite(values)):
        raise ValueError(
            f"window must be a name such as 'hamming', None, or a finite array of shape ({frame_length},) "
            f"(one frame), got {_describe(window)}"
        )
    return values


def power_spectrum(frames, n_fft):
    """Periodogram ``|FFT_n_fft(frame)_k|^2 / n_fft`` of each frame, for ``k = 0 .. n_fft // 2``.

    Parameters
    ----------
    frames : array-like of shape (n_frames, frame_length)
    n_fft : int
        FFT size, at least ``frame_length`` (frames are zero-padded to it, never truncated).

    Returns
    -------
    power : ndarray of shape (n_frames, n_fft // 2 + 1)
    """
    frames = check_frames(frames, "frames")
    check_scalar(n_fft, "n_fft", int, minimum=1)
    if n_fft < frames.shape[1]:
        raise ValueError(
            f"n_fft={n_fft} is shorter than the frames of {frames.shape[1]} samples; "
            f"use n_fft >= {frames.shape[1]} (the FFT would drop the end of every frame)"
        )
    return np.abs(fft.rfft(frames, n_fft, axis=1)) ** 2 / n_fft


def default_n_fft(frame_length):
    """The smallest power of two holding ``frame_length`` samples, and at least 512.

    Parameters
    ----------
    frame_length : int
        Samples per frame, at least 1.

    Returns
    -------
    n_fft : int
        512 for frames of up to 512 samples (25 ms up to 20.48 kHz), as python_speech_features.
    """
    check_scalar(frame_length, "frame_length", int, minimum=1)
    return max(512, 1 << (int(frame_length) - 1).bit_length())
