"""Mel-frequency cepstral coefficients (MFCC), their deltas and normalisation, in numpy and scipy.

The pipeline, one function per step (Davis and Mermelstein 1980; Young et al., the HTK book):

    pre-emphasis  y[n] = x[n] - a x[n-1]                                   (:func:`pre_emphasis`)
    framing       25 ms frames every 10 ms, last frame zero-padded            (:func:`frame_signal`)
    window        Hamming, w[n] = 0.54 - 0.46 cos(2 pi n / (N - 1))
    power         P_k = |FFT(frame)_k|^2 / n_fft,  k = 0 .. n_fft / 2        (:func:`power_spectrum`)
    mel bands     E_j = sum_k H_jk P_k, triangles spaced evenly in HTK mel    (:func:`mel_filterbank`)
    cepstrum      c_n = DCT-II_ortho(log E)_n,  n = 0 .. 12
    lifter        c_n <- (1 + L/2 sin(pi n / L)) c_n,  L = 22                (:func:`cepstral_lifter`)
    energy        c_0 <- log sum_k P_k (optional)
    deltas        d_t = sum_{n=1}^{N} n (c_{t+n} - c_{t-n}) / (2 sum n^2)      (:func:`deltas`)
    CMVN          per utterance, (c - mean) / std (optional)                   (:func:`cmvn`)

With ``rounded_bins=True`` and ``n_fft=512``, :func:`mfcc` equals python_speech_features'
``mfcc(signal, samplerate, winfunc=numpy.hamming)`` to rounding (``tests/test_speech_mfcc.py``).
The defaults differ from python_speech_features in two places only, both where its result is
questionable:

* ``rounded_bins=False``: the triangles are evaluated at the exact FFT bin frequencies
  ``k sample_rate / n_fft``; python_speech_features first rounds every filter edge down to the bin
  ``floor((n_fft + 1) f / sample_rate)``, which moves filter peaks by up to a bin and can give
  adjacent filters identical edges at low sample rates.
* ``n_fft=None``: the smallest power of two holding a frame, and at least 512 (so 512 at 8 and
  16 kHz, as python_speech_features); its fixed 512 silently truncates the 1103-sample frames of
  44.1 kHz audio to 512 samples, where :func:`mfcc` raises instead.

Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import numpy as np
from scipy import fft
from scipy import signal as sp_signal

from .._validation import _describe, check_scalar

#: A zero filterbank or frame energy is replaced by this before the log, as in python_speech_features.
ENERGY_FLOOR = np.finfo(np.float64).eps


def hz_to_mel(frequency):
    """HTK mel scale, ``m = 2595 log10(1 + f / 700)``.

    Parameters
    ----------
    frequency : float or array-like
        Frequency in Hz.

    Returns
    -------
    mel : float or ndarray, same shape as ``frequency``
    """
    return 2595.0 * np.log10(1.0 + np.asarray(frequency, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    """Inverse of :func:`hz_to_mel`, ``f = 700 (10^(m / 2595) - 1)``."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def _check_signal(signal):
    """A non-empty, finite, 1-D float64 array."""
    array = np.asarray(signal)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"signal must be a numeric 1-D array, got {_describe(array)}")
    if array.ndim != 1:
        raise ValueError(
            f"signal must be 1-D (mono samples), got shape {array.shape}; average the channels of a stereo signal first"
        )
    if array.size == 0:
        raise ValueError("signal must have at least one sample, got an empty array")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(
            f"signal must be finite; found {array[~np.isfinite(array)][0]} at sample "
            f"{np.flatnonzero(~np.isfinite(array))[0]}"
        )
    return array


def _check_features(features, name="features"):
    array = np.asarray(features)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got {_describe(array)}")
    if array.ndim != 2 or array.shape[0] < 1:
        raise ValueError(
            f"{name} must be 2-D of shape (n_frames, n_features) with n_frames >= 1, got shape {array.shape}"
        )
    return array.astype(np.float64)


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
    signal = _check_signal(signal)
    check_scalar(coefficient, "coefficient", float, minimum=0)
    if coefficient > 1:
        raise ValueError(f"coefficient must be in [0, 1], got {coefficient!r}")
    return np.concatenate([signal[:1], signal[1:] - coefficient * signal[:-1]])


def seconds_to_samples(seconds, sample_rate, name):
    """``seconds * sample_rate`` rounded half up to a positive number of samples."""
    check_scalar(seconds, name, float, minimum=0, include_minimum=False)
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
    signal = _check_signal(signal)
    check_scalar(frame_length, "frame_length", int, minimum=1)
    check_scalar(frame_step, "frame_step", int, minimum=1)
    n_samples = signal.size
    n_frames = 1 if n_samples <= frame_length else 1 + -(-(n_samples - frame_length) // frame_step)
    padded = np.zeros((n_frames - 1) * frame_step + frame_length)
    padded[:n_samples] = signal
    windows = np.lib.stride_tricks.sliding_window_view(padded, frame_length)
    return windows[::frame_step].copy()


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
    frames = _check_features(frames, "frames")
    check_scalar(n_fft, "n_fft", int, minimum=1)
    if n_fft < frames.shape[1]:
        raise ValueError(
            f"n_fft={n_fft} is shorter than the frames of {frames.shape[1]} samples; "
            f"use n_fft >= {frames.shape[1]} (the FFT would drop the end of every frame)"
        )
    return np.abs(fft.rfft(frames, n_fft, axis=1)) ** 2 / n_fft


def mel_filterbank(n_filters, n_fft, sample_rate, low_freq=0.0, high_freq=None, rounded_bins=False):
    """Triangular filters with peaks evenly spaced on the HTK mel scale.

    Filter ``j`` rises linearly from edge ``f_j`` to 1 at ``f_{j+1}`` and falls to 0 at
    ``f_{j+2}``, where ``f_0 .. f_{n_filters+1}`` are evenly spaced in mel from ``low_freq`` to
    ``high_freq``. Peaks are 1 (no area normalisation), as in HTK and python_speech_features.

    Parameters
    ----------
    n_filters : int
    n_fft : int
    sample_rate : float
        In Hz.
    low_freq : float, default=0.0
        Lower edge of the first filter, in Hz.
    high_freq : float or None, default=None
        Upper edge of the last filter, in Hz; None for ``sample_rate / 2``.
    rounded_bins : bool, default=False
        False evaluates the triangles at the bin frequencies ``k sample_rate / n_fft``. True
        first rounds each edge down to the bin ``floor((n_fft + 1) f / sample_rate)`` and draws
        the triangles between bins, exactly as python_speech_features' ``get_filterbanks``.

    Returns
    -------
    filterbank : ndarray of shape (n_filters, n_fft // 2 + 1)
    """
    check_scalar(n_filters, "n_filters", int, minimum=1)
    check_scalar(n_fft, "n_fft", int, minimum=2)
    check_scalar(sample_rate, "sample_rate", float, minimum=0, include_minimum=False)
    nyquist = sample_rate / 2
    high_freq = nyquist if high_freq is None else high_freq
    check_scalar(low_freq, "low_freq", float, minimum=0)
    check_scalar(high_freq, "high_freq", float, minimum=0)
    if not low_freq < high_freq <= nyquist:
        raise ValueError(
            f"low_freq and high_freq must satisfy 0 <= low_freq < high_freq <= sample_rate / 2 = "
            f"{nyquist!r}; got low_freq={low_freq!r}, high_freq={high_freq!r}"
        )
    edges = mel_to_hz(np.linspace(hz_to_mel(low_freq), hz_to_mel(high_freq), n_filters + 2))
    if rounded_bins:
        edges = np.floor((n_fft + 1) * edges / sample_rate)
        axis = np.arange(n_fft // 2 + 1, dtype=np.float64)
    else:
        axis = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    # Half-open rising [lower, centre) and falling [centre, upper) sides; an empty side (equal
    # rounded edges) contributes nothing instead of dividing by zero.
    rising = (axis >= lower) & (axis < centre)
    falling = (axis >= centre) & (axis < upper)
    filterbank = np.zeros((n_filters, axis.size))
    np.divide(axis - lower, centre - lower, out=filterbank, where=rising)
    np.divide(upper - axis, upper - centre, out=filterbank, where=falling)
    return filterbank


def cepstral_lifter(cepstra, lifter=22):
    """Scale coefficient ``n`` by ``1 + (L / 2) sin(pi n / L)``; ``L = 0`` leaves them unchanged.

    Parameters
    ----------
    cepstra : array-like of shape (n_frames, n_cepstra)
    lifter : int, default=22
        ``L``, non-negative.

    Returns
    -------
    liftered : ndarray of shape (n_frames, n_cepstra)
    """
    cepstra = _check_features(cepstra, "cepstra")
    check_scalar(lifter, "lifter", int, minimum=0)
    if lifter == 0:
        return cepstra
    n = np.arange(cepstra.shape[1])
    return cepstra * (1.0 + lifter / 2.0 * np.sin(np.pi * n / lifter))


def default_n_fft(frame_length):
    """The smallest power of two holding ``frame_length`` samples, and at least 512."""
    return max(512, 1 << (int(frame_length) - 1).bit_length())


def _window(window, frame_length):
    if window is None:
        return np.ones(frame_length)
    if isinstance(window, str):
        # Symmetric, as numpy.hamming and HTK: w[0] = w[N - 1].
        return sp_signal.get_window(window, frame_length, fftbins=False)
    values = np.asarray(window, dtype=np.float64)
    if values.shape != (frame_length,):
        raise ValueError(
            f"window must be a name such as 'hamming', None, or an array of shape ({frame_length},) "
            f"(one frame), got {_describe(window)}"
        )
    return values


def mfcc(
    signal,
    sample_rate,
    *,
    frame_length=0.025,
    frame_step=0.01,
    n_cepstra=13,
    n_filters=26,
    n_fft=None,
    low_freq=0.0,
    high_freq=None,
    preemphasis=0.97,
    lifter=22,
    log_energy=True,
    window="hamming",
    rounded_bins=False,
):
    """Mel-frequency cepstral coefficients of a mono signal, one row per frame.

    See the module docstring for the equations; each step is also a function of this module.
    ``mfcc(x, sr, n_fft=512, rounded_bins=True)`` equals python_speech_features'
    ``mfcc(x, sr, winfunc=numpy.hamming)``.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
        Mono samples (any scale; a gain only shifts the log energy and ``c_0``).
    sample_rate : float
        In Hz.
    frame_length : float, default=0.025
        Frame duration in seconds; ``frame_length * sample_rate`` is rounded half up to samples.
    frame_step : float, default=0.01
        Hop between frames in seconds, rounded the same way.
    n_cepstra : int, default=13
        Coefficients kept, ``c_0 .. c_{n_cepstra - 1}``; at most ``n_filters``.
    n_filters : int, default=26
        Mel filters.
    n_fft : int or None, default=None
        FFT size, at least the frame length; None for :func:`default_n_fft` (512 up to
        20.48 kHz).
    low_freq, high_freq : float, default=0.0 and None
        Edges of the filterbank in Hz; ``high_freq=None`` is ``sample_rate / 2``.
    preemphasis : float, default=0.97
        Pre-emphasis coefficient in [0, 1]; 0 turns it off.
    lifter : int, default=22
        Cepstral lifter ``L``; 0 turns it off.
    log_energy : bool, default=True
        Replace ``c_0`` by the log of the frame energy ``sum_k P_k``.
    window : str, array-like of shape (frame samples,) or None, default="hamming"
        A scipy window name (evaluated symmetric, like ``numpy.hamming``), the window values, or
        None for a rectangular window (python_speech_features' default).
    rounded_bins : bool, default=False
        Round the filter edges to FFT bins as python_speech_features does; see
        :func:`mel_filterbank`.

    Returns
    -------
    cepstra : ndarray of shape (n_frames, n_cepstra)
        ``n_frames = 1 + ceil((n_samples - frame) / step)``, or 1 for a signal shorter than a frame.
    """
    signal = _check_signal(signal)
    check_scalar(sample_rate, "sample_rate", float, minimum=0, include_minimum=False)
    check_scalar(n_cepstra, "n_cepstra", int, minimum=1)
    check_scalar(n_filters, "n_filters", int, minimum=1)
    if n_cepstra > n_filters:
        raise ValueError(f"n_cepstra must be <= n_filters={n_filters}, got {n_cepstra}")
    frame_samples = seconds_to_samples(frame_length, sample_rate, "frame_length")
    step_samples = seconds_to_samples(frame_step, sample_rate, "frame_step")
    n_fft = default_n_fft(frame_samples) if n_fft is None else n_fft
    frames = frame_signal(pre_emphasis(signal, preemphasis), frame_samples, step_samples)
    power = power_spectrum(frames * _window(window, frame_samples), n_fft)
    bands = power @ mel_filterbank(n_filters, n_fft, sample_rate, low_freq, high_freq, rounded_bins).T
    log_bands = np.log(np.where(bands == 0, ENERGY_FLOOR, bands))
    cepstra = cepstral_lifter(fft.dct(log_bands, type=2, axis=1, norm="ortho")[:, :n_cepstra], lifter)
    if log_energy:
        energy = power.sum(axis=1)
        cepstra[:, 0] = np.log(np.where(energy == 0, ENERGY_FLOOR, energy))
    return cepstra


def deltas(features, width=2):
    """Regression (delta) coefficients over ``+-width`` frames, edges repeated.

    d_t = sum_{n=1}^{N} n (c_{t+n} - c_{t-n}) / (2 sum_{n=1}^{N} n^2),  with ``c_t`` for t < 0 the
    first frame and for t >= n_frames the last (python_speech_features' ``delta``). Apply twice for
    delta-deltas.

    Parameters
    ----------
    features : array-like of shape (n_frames, n_features)
    width : int, default=2
        ``N``, at least 1.

    Returns
    -------
    deltas : ndarray of shape (n_frames, n_features)
    """
    features = _check_features(features)
    check_scalar(width, "width", int, minimum=1)
    n_frames = features.shape[0]
    padded = np.pad(features, ((width, width), (0, 0)), mode="edge")
    result = np.zeros_like(features)
    for n in range(1, width + 1):
        result += n * (padded[width + n : width + n + n_frames] - padded[width - n : width - n + n_frames])
    return result / (2 * sum(n * n for n in range(1, width + 1)))


def cmvn(features, variance=True):
    """Cepstral mean (and variance) normalisation over the frames of one utterance.

    Subtracting the mean cepstrum removes a fixed linear channel (a microphone's response
    multiplies the spectrum, i.e. adds a constant to the log spectrum); dividing by the standard
    deviation also removes a gain on the spread. A constant column becomes 0.

    Parameters
    ----------
    features : array-like of shape (n_frames, n_features)
    variance : bool, default=True
        Also divide by the standard deviation of each feature.

    Returns
    -------
    normalised : ndarray of shape (n_frames, n_features)
    """
    features = _check_features(features)
    centred = features - features.mean(axis=0)
    if not variance:
        return centred
    std = centred.std(axis=0)
    return centred / np.where(std > 0, std, 1.0)


def active_frames(signal, sample_rate, *, frame_length=0.025, frame_step=0.01, dynamic_range_db=30.0):
    """Energy-based speech detection: frames within ``dynamic_range_db`` of the loudest frame.

    The energy is that of the raw samples of each frame (framed as in :func:`mfcc`), not the
    pre-emphasised log energy of ``mfcc``: pre-emphasis attenuates voiced speech below 500 Hz by
    up to 20 dB while it raises white noise, so silence and speech would be much closer there.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    sample_rate : float
    frame_length, frame_step : float, default=0.025 and 0.01
        In seconds, as in :func:`mfcc`.
    dynamic_range_db : float, default=30.0
        Frames more than this many decibels below the loudest frame count as silence.

    Returns
    -------
    mask : ndarray of bool, shape (n_frames,)
        One entry per frame of :func:`mfcc`; the loudest frame is always True.
    """
    check_scalar(sample_rate, "sample_rate", float, minimum=0, include_minimum=False)
    check_scalar(dynamic_range_db, "dynamic_range_db", float, minimum=0)
    frames = frame_signal(
        signal,
        seconds_to_samples(frame_length, sample_rate, "frame_length"),
        seconds_to_samples(frame_step, sample_rate, "frame_step"),
    )
    energy = np.einsum("ij,ij->i", frames, frames)
    return energy >= energy.max() * 10.0 ** (-dynamic_range_db / 10.0)


def speech_features(signal, sample_rate, *, n_deltas=2, dynamic_range_db=None, normalise=False, **mfcc_options):
    """The usual recogniser front end: MFCC with log energy, deltas, speech frames, optional CMVN.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    sample_rate : float
    n_deltas : {0, 1, 2}, default=2
        0 for the cepstra alone, 1 to append deltas, 2 to append deltas and delta-deltas
        (13 -> 39 features with the defaults).
    dynamic_range_db : float or None, default=None
        Keep only the frames within this many dB of the loudest (:func:`active_frames`), after the
        deltas are computed on the whole utterance; None keeps every frame.
    normalise : bool, default=False
        Apply :func:`cmvn` (mean and variance) to the kept frames.
    **mfcc_options
        Passed to :func:`mfcc` (``log_energy`` is always True here: it drives the speech detection).

    Returns
    -------
    features : ndarray of shape (n_kept_frames, n_cepstra * (n_deltas + 1))
    """
    if n_deltas not in (0, 1, 2):
        raise ValueError(f"n_deltas must be 0, 1 or 2, got {_describe(n_deltas)}")
    if "log_energy" in mfcc_options:
        raise TypeError("speech_features always uses log_energy=True; call mfcc directly for other choices")
    cepstra = mfcc(signal, sample_rate, log_energy=True, **mfcc_options)
    blocks = [cepstra]
    for _ in range(n_deltas):
        blocks.append(deltas(blocks[-1]))
    features = np.hstack(blocks)
    if dynamic_range_db is not None:
        options = {key: mfcc_options[key] for key in ("frame_length", "frame_step") if key in mfcc_options}
        features = features[active_frames(signal, sample_rate, dynamic_range_db=dynamic_range_db, **options)]
    return cmvn(features) if normalise else features
