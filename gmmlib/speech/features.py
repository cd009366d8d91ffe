"""Speech features on the short-time power spectrum: log mel energies, MFCC, deltas, CMVN, speech detection.

Each feature is built on the one below it (Davis and Mermelstein 1980; Young et al., the HTK book),
as python_speech_features builds ``logfbank``, ``mfcc`` and ``ssc`` on one ``fbank``:

    power         P_k of pre-emphasised, windowed 25 ms frames every 10 ms     (:mod:`.sigproc`)
    mel bands     E_j = sum_k H_jk P_k, triangles spaced evenly in HTK mel    (:func:`mel_filterbank`)
    log mel       log E_j, and optionally the log frame energy log sum_k P_k  (:func:`log_mel_energies`)
    cepstrum      c_n = DCT-II_ortho(log E)_n,  n = 0 .. 12                   (:func:`mfcc`)
    lifter        c_n <- (1 + L/2 sin(pi n / L)) c_n,  L = 22                (:func:`cepstral_lifter`)
    energy        c_0 <- log sum_k P_k (optional)
    deltas        d_t = sum_{n=1}^{N} n (c_{t+n} - c_{t-n}) / (2 sum n^2)      (:func:`deltas`)
    CMVN          per utterance, (c - mean) / std (optional)                   (:func:`cmvn`)
    speech        frames within a dynamic range of the loudest raw frame     (:func:`active_frames`)

:func:`speech_features` chains them for a recogniser, for a feature kind from :data:`FEATURE_KINDS`.

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

from .._validation import _describe, check_scalar
from .sigproc import (
    check_frames,
    check_signal,
    check_unit_interval,
    default_n_fft,
    frame_signal,
    power_spectrum,
    pre_emphasis,
    seconds_to_samples,
    window_values,
)

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
    """Inverse of :func:`hz_to_mel`, ``f = 700 (10^(m / 2595) - 1)``.

    Parameters
    ----------
    mel : float or array-like

    Returns
    -------
    frequency : float or ndarray, same shape as ``mel``
        In Hz.
    """
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def _check_flag(value, name):
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def _with_unit_peak(values, axis=None):
    """``values`` scaled by a power of two so that the largest magnitude (along ``axis``) is in [0.5, 1).

    Scaling by a power of two is exact in floating point, and sums, products and square roots
    commute with it, so a computation on the scaled values, scaled back, gives the same bits as on
    the values themselves; it only avoids the overflow of squares or sums of values near the
    float64 limit. Returns the scaled values and the exponents to ``numpy.ldexp`` by to undo it.
    """
    _, exponent = np.frexp(np.max(np.abs(values), axis=axis, keepdims=axis is not None))
    return np.ldexp(values, -exponent), exponent


def _floored_log(energies):
    return np.log(np.where(energies == 0, ENERGY_FLOOR, energies))


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
    rounded_bins = _check_flag(rounded_bins, "rounded_bins")
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
    # edges) contributes nothing instead of dividing by zero.
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
    cepstra = check_frames(cepstra, "cepstra")
    check_scalar(lifter, "lifter", int, minimum=0)
    if lifter == 0:
        return cepstra
    n = np.arange(cepstra.shape[1])
    return cepstra * (1.0 + lifter / 2.0 * np.sin(np.pi * n / lifter))


def _frames(signal, sample_rate, frame_length, frame_step):
    """The frames every feature of this module is computed on, from durations in seconds."""
    check_scalar(sample_rate, "sample_rate", float, minimum=0, include_minimum=False)
    return frame_signal(
        signal,
        seconds_to_samples(frame_length, sample_rate, "frame_length"),
        seconds_to_samples(frame_step, sample_rate, "frame_step"),
    )


def log_mel_energies(
    signal,
    sample_rate,
    *,
    frame_length=0.025,
    frame_step=0.01,
    n_filters=26,
    n_fft=None,
    low_freq=0.0,
    high_freq=None,
    preemphasis=0.97,
    window="hamming",
    rounded_bins=False,
    log_energy=False,
):
    """Log mel filterbank energies ``log E_j`` of a mono signal, one row per frame.

    The signal is pre-emphasised, cut into frames, windowed and turned into the power spectrum
    ``P_k`` (:mod:`gmmlib.speech.sigproc`); ``E_j = sum_k H_jk P_k`` with the triangles ``H`` of
    :func:`mel_filterbank`. With ``n_fft=512, rounded_bins=True`` this is the log of
    python_speech_features' ``fbank(signal, samplerate, winfunc=numpy.hamming)`` (and with
    ``window=None`` its ``logfbank``). A zero energy (digital silence, or a signal so quiet that its
    power underflows float64) is replaced by :data:`ENERGY_FLOOR` first.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
        Mono samples (any scale; a gain ``g`` adds ``2 log g`` to every column).
    sample_rate : float
        In Hz.
    frame_length : float, default=0.025
        Frame duration in seconds; ``frame_length * sample_rate`` is rounded half up to samples.
    frame_step : float, default=0.01
        Hop between frames in seconds, rounded the same way.
    n_filters : int, default=26
        Mel filters.
    n_fft : int or None, default=None
        FFT size, at least the frame length; None for :func:`~gmmlib.speech.sigproc.default_n_fft`
        (512 up to 20.48 kHz).
    low_freq, high_freq : float, default=0.0 and None
        Edges of the filterbank in Hz; ``high_freq=None`` is ``sample_rate / 2``.
    preemphasis : float, default=0.97
        Pre-emphasis coefficient in [0, 1]; 0 turns it off.
    window : str, tuple, array-like of shape (frame samples,) or None, default="hamming"
        See :func:`~gmmlib.speech.sigproc.window_values`; None is python_speech_features' default
        rectangular window.
    rounded_bins : bool, default=False
        Round the filter edges to FFT bins as python_speech_features does; see
        :func:`mel_filterbank`.
    log_energy : bool, default=False
        Put the log frame energy ``log sum_k P_k`` in front of the bands, as column 0 (Kaldi's
        ``--use-energy``).

    Returns
    -------
    energies : ndarray of shape (n_frames, n_filters), or (n_frames, 1 + n_filters) with ``log_energy``
        ``n_frames = 1 + ceil((n_samples - frame) / step)``, or 1 for a signal shorter than a frame.

    Raises
    ------
    ValueError
        If the signal is so loud (around 1e150) that its power spectrum overflows float64.
    """
    signal = check_signal(signal)
    check_unit_interval(preemphasis, "preemphasis")
    log_energy = _check_flag(log_energy, "log_energy")
    frames = _frames(pre_emphasis(signal, preemphasis), sample_rate, frame_length, frame_step)
    n_fft = default_n_fft(frames.shape[1]) if n_fft is None else n_fft
    filterbank = mel_filterbank(n_filters, n_fft, sample_rate, low_freq, high_freq, rounded_bins)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, by name
        power = power_spectrum(frames * window_values(window, frames.shape[1]), n_fft)
        energies = _floored_log(power @ filterbank.T)
        if log_energy:
            energies = np.column_stack([_floored_log(power.sum(axis=1)), energies])
    if not np.all(np.isfinite(energies)):
        raise ValueError(
            f"signal is too loud (peak {np.max(np.abs(signal)):.3g}, with the window's gain): its power spectrum "
            "overflows float64; scale it down (a gain only shifts the log energies)"
        )
    return energies


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

    The liftered DCT of :func:`log_mel_energies`; see the module docstring for the equations.
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
        FFT size, at least the frame length; None for :func:`~gmmlib.speech.sigproc.default_n_fft`
        (512 up to 20.48 kHz).
    low_freq, high_freq : float, default=0.0 and None
        Edges of the filterbank in Hz; ``high_freq=None`` is ``sample_rate / 2``.
    preemphasis : float, default=0.97
        Pre-emphasis coefficient in [0, 1]; 0 turns it off.
    lifter : int, default=22
        Cepstral lifter ``L``; 0 turns it off.
    log_energy : bool, default=True
        Replace ``c_0`` by the log of the frame energy ``sum_k P_k``.
    window : str, tuple, array-like of shape (frame samples,) or None, default="hamming"
        A scipy window name (evaluated symmetric, like ``numpy.hamming``), the window values, or
        None for a rectangular window (python_speech_features' default).
    rounded_bins : bool, default=False
        Round the filter edges to FFT bins as python_speech_features does; see
        :func:`mel_filterbank`.

    Returns
    -------
    cepstra : ndarray of shape (n_frames, n_cepstra)
        ``n_frames = 1 + ceil((n_samples - frame) / step)``, or 1 for a signal shorter than a frame.

    Examples
    --------
    Half a second of a 440 Hz tone at 16 kHz gives 49 frames (25 ms every 10 ms) of 13 coefficients:

    >>> import numpy as np
    >>> from gmmlib.speech import mfcc
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)
    >>> cepstra = mfcc(tone, 16000)
    >>> cepstra.shape
    (49, 13)

    A gain only moves ``c_0``, the log energy, by ``2 log(gain)``:

    >>> louder = mfcc(10 * tone, 16000)
    >>> bool(np.allclose(louder[:, 0] - cepstra[:, 0], 2 * np.log(10)))
    True
    >>> bool(np.allclose(louder[:, 1:], cepstra[:, 1:]))
    True
    """
    check_scalar(n_cepstra, "n_cepstra", int, minimum=1)
    check_scalar(n_filters, "n_filters", int, minimum=1)
    if n_cepstra > n_filters:
        raise ValueError(f"n_cepstra must be <= n_filters={n_filters}, got {n_cepstra}")
    log_energy = _check_flag(log_energy, "log_energy")
    energies = log_mel_energies(
        signal,
        sample_rate,
        frame_length=frame_length,
        frame_step=frame_step,
        n_filters=n_filters,
        n_fft=n_fft,
        low_freq=low_freq,
        high_freq=high_freq,
        preemphasis=preemphasis,
        window=window,
        rounded_bins=rounded_bins,
        log_energy=log_energy,
    )
    log_bands = energies[:, 1:] if log_energy else energies
    cepstra = cepstral_lifter(fft.dct(log_bands, type=2, axis=1, norm="ortho")[:, :n_cepstra], lifter)
    if log_energy:
        cepstra[:, 0] = energies[:, 0]
    return cepstra


def deltas(features, width=2):
    """Regression (delta) coefficients over ``+-width`` frames, edges repeated.

    d_t = sum_{n=1}^{N} n (c_{t+n} - c_{t-n}) / (2 sum_{n=1}^{N} n^2),  with ``c_t`` for t < 0 the
    first frame and for t >= n_frames the last (python_speech_features' ``delta``). Apply twice for
    delta-deltas. ``|d_t|`` never exceeds the largest ``|c_t|`` of its column, and the sum is
    formed on the columns scaled to a unit peak, so it cannot overflow.

    Parameters
    ----------
    features : array-like of shape (n_frames, n_features)
    width : int, default=2
        ``N``, at least 1.

    Returns
    -------
    deltas : ndarray of shape (n_frames, n_features)
    """
    features = check_frames(features, "features")
    check_scalar(width, "width", int, minimum=1)
    features, exponent = _with_unit_peak(features, axis=0)
    n_frames = features.shape[0]
    padded = np.pad(features, ((width, width), (0, 0)), mode="edge")
    result = np.zeros_like(features)
    for n in range(1, width + 1):
        result += n * (padded[width + n : width + n + n_frames] - padded[width - n : width - n + n_frames])
    return np.ldexp(result / (2 * sum(n * n for n in range(1, width + 1))), exponent)


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

    Raises
    ------
    ValueError
        If ``variance=False`` and a centred value is too large for float64 (features near 1e308).
    """
    features = check_frames(features, "features")
    variance = _check_flag(variance, "variance")
    # Mean and standard deviation of the columns scaled to a unit peak cannot overflow.
    features, exponent = _with_unit_peak(features, axis=0)
    centred = features - features.mean(axis=0)
    if variance:
        std = centred.std(axis=0)
        # A constant column's rounding residue from the mean is set to 0, not scaled up.
        return np.divide(centred, std, out=np.zeros_like(centred), where=std > 0)
    with np.errstate(over="ignore"):  # reported below, by name
        centred = np.ldexp(centred, exponent)
    if not np.all(np.isfinite(centred)):
        raise ValueError("features are too large to centre in float64 (a difference from the mean overflows)")
    return centred


def active_frames(signal, sample_rate, *, frame_length=0.025, frame_step=0.01, dynamic_range_db=30.0):
    """Energy-based speech detection: frames within ``dynamic_range_db`` of the loudest frame.

    The energy is that of the raw samples of each frame (framed as in :func:`mfcc`), not the
    pre-emphasised log energy of :func:`mfcc`: pre-emphasis attenuates voiced speech below 500 Hz
    by up to 20 dB while it raises white noise, so silence and speech would be much closer there.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    sample_rate : float
        In Hz.
    frame_length, frame_step : float, default=0.025 and 0.01
        In seconds, as in :func:`mfcc`.
    dynamic_range_db : float, default=30.0
        Frames more than this many decibels below the loudest frame count as silence.

    Returns
    -------
    mask : ndarray of bool, shape (n_frames,)
        One entry per frame of :func:`mfcc`; the loudest frame is always True.
    """
    check_scalar(dynamic_range_db, "dynamic_range_db", float, minimum=0)
    # The energies of the signal scaled to a unit peak cannot overflow, and compare as the originals.
    signal, _ = _with_unit_peak(check_signal(signal))
    frames = _frames(signal, sample_rate, frame_length, frame_step)
    energy = np.einsum("ij,ij->i", frames, frames)
    return energy >= energy.max() * 10.0 ** (-dynamic_range_db / 10.0)


#: The feature kinds of :func:`speech_features`: the function computing each, all on the same frames.
FEATURE_KINDS = {"mfcc": mfcc, "log_mel": log_mel_energies}


def speech_features(
    signal, sample_rate, *, kind="mfcc", n_deltas=2, dynamic_range_db=None, normalise=False, **feature_options
):
    """The usual recogniser front end: per-frame features, their deltas, speech frames, optional CMVN.

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
    sample_rate : float
        In Hz.
    kind : {"mfcc", "log_mel"}, default="mfcc"
        :func:`mfcc` (with the log frame energy as ``c_0``, its default) or
        :func:`log_mel_energies`; see :data:`FEATURE_KINDS`.
    n_deltas : {0, 1, 2}, default=2
        0 for the features alone, 1 to append deltas, 2 to append deltas and delta-deltas
        (13 -> 39 features with the MFCC defaults).
    dynamic_range_db : float or None, default=None
        Keep only the frames within this many dB of the loudest, by the energy of the raw samples
        (:func:`active_frames`), after the deltas are computed on the whole utterance; None keeps
        every frame.
    normalise : bool, default=False
        Apply :func:`cmvn` (mean and variance) to the kept frames.
    **feature_options
        Passed to the function of ``kind`` (``n_cepstra``, ``n_filters``, ``log_energy``, ...);
        ``frame_length`` and ``frame_step`` also frame the speech detection.

    Returns
    -------
    features : ndarray of shape (n_kept_frames, n_values * (n_deltas + 1))
        ``n_values`` is ``n_cepstra`` for MFCC, ``n_filters`` (plus one with ``log_energy``) for
        log mel energies.

    Examples
    --------
    Two tenths of a second of silence around half a second of tone: MFCC with deltas and
    delta-deltas, then the log mel energies, keeping the frames within 30 dB of the loudest:

    >>> import numpy as np
    >>> from gmmlib.speech import speech_features
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)
    >>> signal = np.concatenate([np.zeros(1600), tone, np.zeros(1600)])
    >>> speech_features(signal, 16000).shape
    (69, 39)
    >>> speech_features(signal, 16000, kind="log_mel", n_deltas=0, dynamic_range_db=30).shape
    (52, 26)
    """
    if not isinstance(kind, str) or kind not in FEATURE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, FEATURE_KINDS))}; got {_describe(kind)}")
    check_scalar(n_deltas, "n_deltas", int, minimum=0)
    if n_deltas > 2:
        raise ValueError(f"n_deltas must be 0, 1 or 2, got {n_deltas!r}")
    normalise = _check_flag(normalise, "normalise")
    blocks = [FEATURE_KINDS[kind](signal, sample_rate, **feature_options)]
    for _ in range(n_deltas):
        blocks.append(deltas(blocks[-1]))
    features = np.hstack(blocks)
    if dynamic_range_db is not None:
        framing = {key: feature_options[key] for key in ("frame_length", "frame_step") if key in feature_options}
        features = features[active_frames(signal, sample_rate, dynamic_range_db=dynamic_range_db, **framing)]
    return cmvn(features) if normalise else features
