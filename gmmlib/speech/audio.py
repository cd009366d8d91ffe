"""Reading and writing WAV files, and loading a folder of recordings named ``{label}_{speaker}_{index}.wav``.

The naming is the Free Spoken Digit Dataset's (``7_jackson_32.wav``: the word, the speaker, the
take). Any sample rate, mono or stereo, 8/16/24/32-bit integer or 32/64-bit float PCM is read (by
:func:`scipy.io.wavfile.read`), averaged to mono, scaled to [-1, 1) and resampled to one rate with
:func:`scipy.signal.resample_poly`. Files that cannot be used are skipped and reported by name.
Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import collections
import math
import pathlib
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sp_signal
from scipy.io import wavfile

from .._validation import _describe, check_scalar

#: ``{label}_{speaker}_{index}.wav``: label and speaker without underscores, index a non-negative integer.
NAME_PATTERN = re.compile(r"^(?P<label>[^_]+)_(?P<speaker>[^_]+)_(?P<index>\d+)\.wav$", re.IGNORECASE)


@dataclass(frozen=True)
class Utterance:
    """One recording: its word label, speaker, take index, file name and mono samples in [-1, 1)."""

    label: str
    speaker: str
    index: int
    name: str
    signal: np.ndarray = field(repr=False, compare=False)


@dataclass
class Corpus:
    """Recordings at one sample rate, and the files that were skipped with the reason why.

    Attributes
    ----------
    utterances : list of Utterance
        Sorted by (speaker, label, index).
    sample_rate : int
        In Hz, shared by every utterance.
    skipped : list of (str, str)
        ``(file name, reason)`` for each file not loaded, sorted by name.
    """

    utterances: list
    sample_rate: int
    skipped: list = field(default_factory=list)

    @property
    def speakers(self):
        """Sorted distinct speakers."""
        return sorted({utterance.speaker for utterance in self.utterances})

    @property
    def labels(self):
        """Sorted distinct labels."""
        return sorted({utterance.label for utterance in self.utterances})


def parse_name(name):
    """``(label, speaker, index)`` of a file named ``{label}_{speaker}_{index}.wav``, else None."""
    match = NAME_PATTERN.match(name)
    if match is None:
        return None
    return match["label"], match["speaker"], int(match["index"])


def to_float(samples):
    """WAV samples as float64 in [-1, 1), averaged over channels.

    Integers are read left-justified by scipy, so the full scale is their dtype's: unsigned 8-bit
    is centred on 128, signed types are divided by ``2^(bits - 1)`` (24-bit arrives as int32).
    Floats are taken as they are.

    Parameters
    ----------
    samples : ndarray of shape (n_samples,) or (n_samples, n_channels)

    Returns
    -------
    signal : ndarray of shape (n_samples,)
    """
    samples = np.asarray(samples)
    if samples.dtype.kind == "u":
        half = 2.0 ** (8 * samples.dtype.itemsize - 1)
        values = (samples.astype(np.float64) - half) / half
    elif samples.dtype.kind == "i":
        values = samples.astype(np.float64) / 2.0 ** (8 * samples.dtype.itemsize - 1)
    elif samples.dtype.kind == "f":
        values = samples.astype(np.float64)
    else:
        raise TypeError(f"samples must be integer or float PCM, got {_describe(samples)}")
    if values.ndim == 2:
        values = values.mean(axis=1)
    elif values.ndim != 1:
        raise ValueError(f"samples must have shape (n_samples,) or (n_samples, n_channels), got {values.shape}")
    return values


def read_wav(path):
    """Read a WAV file as mono float64 samples in [-1, 1).

    scipy's warnings (an unknown chunk, a data chunk shorter than its header says) are not
    errors: the samples that could be read are returned.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    sample_rate : int
    signal : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        If the file holds no samples or non-finite ones; scipy's own exceptions for files that are
        not WAV are passed on.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wavfile.WavFileWarning)
        sample_rate, samples = wavfile.read(path)
    signal = to_float(samples)
    if signal.size == 0:
        raise ValueError("the file holds no samples")
    if not np.all(np.isfinite(signal)):
        raise ValueError("the file holds NaN or infinite samples")
    return int(sample_rate), signal


def write_wav(path, signal, sample_rate):
    """Write mono samples in [-1, 1] as a 16-bit PCM WAV file.

    Samples are scaled by 32768 and rounded, so a signal already on that grid (``k / 32768``)
    reads back exactly with :func:`read_wav`; +1.0 is stored as 32767.

    Parameters
    ----------
    path : str or path-like
    signal : array-like of shape (n_samples,)
    sample_rate : int
        In Hz.
    """
    signal = np.asarray(signal, dtype=np.float64)
    if signal.ndim != 1:
        raise ValueError(f"signal must be 1-D (mono), got shape {signal.shape}")
    check_scalar(sample_rate, "sample_rate", int, minimum=1)
    if not np.all(np.isfinite(signal)) or np.any(np.abs(signal) > 1):
        raise ValueError(
            "signal must be finite and within [-1, 1]; scale it first (16-bit PCM would clip), "
            f"got values from {np.min(signal)!r} to {np.max(signal)!r}"
        )
    samples = np.clip(np.round(signal * 32768), -32768, 32767).astype(np.int16)
    wavfile.write(path, sample_rate, samples)


def resample(signal, from_rate, to_rate):
    """Polyphase resampling by the exact ratio ``to_rate / from_rate`` (:func:`scipy.signal.resample_poly`).

    Parameters
    ----------
    signal : ndarray of shape (n_samples,)
    from_rate, to_rate : int
        Sample rates in Hz.

    Returns
    -------
    resampled : ndarray of shape (ceil(n_samples * to_rate / from_rate),)
    """
    check_scalar(from_rate, "from_rate", int, minimum=1)
    check_scalar(to_rate, "to_rate", int, minimum=1)
    if from_rate == to_rate:
        return np.asarray(signal, dtype=np.float64)
    divisor = math.gcd(from_rate, to_rate)
    return sp_signal.resample_poly(signal, to_rate // divisor, from_rate // divisor)


def load_wav_folder(folder, sample_rate=None):
    """Load every ``{label}_{speaker}_{index}.wav`` file of a folder (not its sub-folders).

    A file is skipped, with its name and the reason in ``Corpus.skipped``, when its name does not
    follow the pattern, it cannot be read as WAV, it holds no samples or non-finite ones, or it
    repeats the (label, speaker, index) of an earlier name. Hidden files (starting with ".") and
    sub-folders are ignored.

    Parameters
    ----------
    folder : str or path-like
    sample_rate : int or None, default=None
        Rate to resample every file to; None for the most common rate among the files (the
        highest of equally common ones), so a corpus recorded at one rate is not resampled.

    Returns
    -------
    Corpus

    Raises
    ------
    ValueError
        If ``folder`` is not a folder or holds no usable file.
    """
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing folder, got {str(folder)!r}")
    if sample_rate is not None:
        check_scalar(sample_rate, "sample_rate", int, minimum=1)
    skipped, loaded, seen = [], [], {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        key = parse_name(path.name)
        if key is None:
            skipped.append((path.name, "name does not follow {label}_{speaker}_{index}.wav"))
            continue
        if key in seen:
            skipped.append((path.name, f"same label, speaker and index as {seen[key]}"))
            continue
        try:
            rate, signal = read_wav(path)
        except Exception as exc:  # any file can be handed to us: report it, whatever went wrong
            skipped.append((path.name, f"cannot be read: {type(exc).__name__}: {exc}"))
            continue
        seen[key] = path.name
        loaded.append((key, path.name, rate, signal))
    if not loaded:
        raise ValueError(
            f"folder {str(folder)!r} holds no usable {{label}}_{{speaker}}_{{index}}.wav file ({len(skipped)} skipped)"
        )
    if sample_rate is None:
        counts = collections.Counter(rate for _, _, rate, _ in loaded)
        sample_rate = max(counts, key=lambda rate: (counts[rate], rate))
    utterances = [
        Utterance(label, speaker, index, name, resample(signal, rate, sample_rate))
        for (label, speaker, index), name, rate, signal in loaded
    ]
    utterances.sort(key=lambda u: (u.speaker, u.label, u.index))
    return Corpus(utterances, sample_rate, sorted(skipped))
