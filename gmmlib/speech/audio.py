"""Reading and writing WAV files, and loading a folder of recordings named ``{label}_{speaker}_{index}.wav``.

The naming is the Free Spoken Digit Dataset's (``7_jackson_32.wav``: the word, the speaker, the
take). Any sample rate, mono or stereo, 8/16/24/32-bit integer or 32/64-bit float PCM is read (by
:func:`scipy.io.wavfile.read`), averaged to mono, scaled to [-1, 1) and resampled to one rate with
:func:`scipy.signal.resample_poly`. Files that cannot be used are skipped and reported by name.
Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import collections
import math
import os
import pathlib
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import signal as sp_signal
from scipy.io import wavfile

from .._validation import _describe, check_scalar
from .sigproc import check_signal

#: ``{label}_{speaker}_{index}.wav``: label and speaker without underscores, index a non-negative integer.
#: The largest term of a resampling ratio in lowest terms (the filter of :func:`resample` has 20 times as many taps).
MAX_RATIO_TERM = 2**18
NAME_PATTERN = re.compile(r"(?P<label>[^_]+)_(?P<speaker>[^_]+)_(?P<index>[0-9]+)\.wav", re.IGNORECASE)


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
    """``(label, speaker, index)`` of a file named ``{label}_{speaker}_{index}.wav``, else None.

    Parameters
    ----------
    name : str
        A file name: label and speaker without underscores, index ASCII digits, ``.wav`` in any case.

    Returns
    -------
    key : (str, str, int) or None
    """
    match = NAME_PATTERN.fullmatch(name)
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


def _check_path(path, name):
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a str or path-like, got {_describe(path)}")
    return pathlib.Path(path)


def _read_samples(path):
    """``(sample_rate, signal)`` of a WAV file, or a ValueError saying (without the path) why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", wavfile.WavFileWarning)
            sample_rate, samples = wavfile.read(path)
    except (OSError, MemoryError):
        raise
    except Exception as exc:  # scipy's parser meets a bad header with ValueError, struct.error, ZeroDivisionError...
        raise ValueError(f"not a WAV file scipy can read ({type(exc).__name__}: {exc})") from None
    if sample_rate < 1:
        raise ValueError(f"the header gives a sample rate of {sample_rate} Hz")
    try:
        signal = to_float(samples)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"unsupported samples: {exc}") from None
    if signal.size == 0:
        raise ValueError("the file holds no samples")
    if not np.all(np.isfinite(signal)):
        raise ValueError("the file holds NaN or infinite samples")
    return int(sample_rate), signal


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
        If the file is not a WAV file that :func:`scipy.io.wavfile.read` can read (whatever
        scipy's parser raised is in the message), has a sample rate below 1 Hz, or holds no
        samples or non-finite ones; the message names the path.
    OSError
        If the file cannot be opened (missing, a folder, no permission).
    """
    path = _check_path(path, "path")
    try:
        return _read_samples(path)
    except ValueError as exc:
        raise ValueError(f"path {str(path)!r} cannot be used: {exc}") from None


def write_wav(path, signal, sample_rate):
    """Write mono samples in [-1, 1] as a 16-bit PCM WAV file.

    Samples are scaled by 32768 and rounded, so a signal already on that grid (``k / 32768``)
    reads back exactly with :func:`read_wav`; +1.0 is stored as 32767.

    Parameters
    ----------
    path : str or path-like
    signal : array-like of shape (n_samples,)
        At least one finite sample.
    sample_rate : int
        In Hz.

    Returns
    -------
    None
    """
    path = _check_path(path, "path")
    signal = check_signal(signal)
    check_scalar(sample_rate, "sample_rate", int, minimum=1)
    if np.any(np.abs(signal) > 1):
        raise ValueError(
            "signal must be within [-1, 1]; scale it first (16-bit PCM would clip), "
            f"got values from {np.min(signal)!r} to {np.max(signal)!r}"
        )
    samples = np.clip(np.round(signal * 32768), -32768, 32767).astype(np.int16)
    wavfile.write(path, sample_rate, samples)


def resample(signal, from_rate, to_rate):
    """Polyphase resampling by the exact ratio ``to_rate / from_rate`` (:func:`scipy.signal.resample_poly`).

    Parameters
    ----------
    signal : array-like of shape (n_samples,)
        Finite samples.
    from_rate, to_rate : int
        Sample rates in Hz.

    Returns
    -------
    resampled : ndarray of shape (ceil(n_samples * to_rate / from_rate),)

    Raises
    ------
    ValueError
        If the ratio in lowest terms, ``up / down``, has a term above :data:`MAX_RATIO_TERM`: the
        anti-aliasing filter has ``20 max(up, down) + 1`` taps. Rates up to 262144 Hz always pass.
    """
    signal = check_signal(signal)
    check_scalar(from_rate, "from_rate", int, minimum=1)
    check_scalar(to_rate, "to_rate", int, minimum=1)
    if from_rate == to_rate:
        return signal
    divisor = math.gcd(from_rate, to_rate)
    up, down = to_rate // divisor, from_rate // divisor
    if max(up, down) > MAX_RATIO_TERM:
        raise ValueError(
            f"from_rate={from_rate} and to_rate={to_rate} reduce to the ratio {up}/{down}, whose filter would need "
            f"{20 * max(up, down) + 1} taps; resampling needs both terms <= {MAX_RATIO_TERM}"
        )
    return sp_signal.resample_poly(signal, up, down)


def load_wav_folder(folder, sample_rate=None):
    """Load every ``{label}_{speaker}_{index}.wav`` file of a folder (not its sub-folders).

    A file is skipped, with its name and the reason in ``Corpus.skipped``, when its name does not
    follow the pattern, it cannot be read as WAV, it holds no samples or non-finite ones, it
    repeats the (label, speaker, index) of an earlier name, or its sample rate cannot be
    resampled to ``sample_rate`` (:func:`resample`). Hidden files (starting with ".") and
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

    Examples
    --------
    A 16 kHz and an 8 kHz recording of speaker "ann", and a file whose name is not a take; the
    files are resampled to the most common rate (the highest of equally common ones):

    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from gmmlib.speech import load_wav_folder, write_wav
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_wav(pathlib.Path(folder) / "yes_ann_0.wav", np.zeros(16000), 16000)
    ...     write_wav(pathlib.Path(folder) / "no_ann_0.wav", np.zeros(4000), 8000)
    ...     _ = pathlib.Path(folder, "notes.txt").write_text("not audio")
    ...     corpus = load_wav_folder(folder)
    >>> corpus.sample_rate, corpus.speakers, corpus.labels
    (16000, ['ann'], ['no', 'yes'])
    >>> [(u.name, u.signal.size) for u in corpus.utterances]
    [('no_ann_0.wav', 8000), ('yes_ann_0.wav', 16000)]
    >>> corpus.skipped
    [('notes.txt', 'name does not follow {label}_{speaker}_{index}.wav')]
    """
    folder = _check_folder(folder)
    if sample_rate is not None:
        check_scalar(sample_rate, "sample_rate", int, minimum=1)
    skipped = []
    loaded = list(_read_files(_folder_files(folder), skipped))
    if sample_rate is None and loaded:
        sample_rate = most_common_rate(rate for _, _, rate, _ in loaded)
    utterances = list(_resampled(loaded, sample_rate, skipped))
    if not utterances:
        raise _no_usable_file_error(folder, skipped)
    utterances.sort(key=lambda u: (u.speaker, u.label, u.index))
    return Corpus(utterances, sample_rate, sorted(skipped))


def _check_folder(folder):
    folder = _check_path(folder, "folder")
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing folder, got {str(folder)!r}")
    return folder


def _no_usable_file_error(folder, skipped):
    """The ValueError for a folder none of whose files could be used, the ``skipped`` ones counted."""
    return ValueError(
        f"folder {str(folder)!r} holds no usable {{label}}_{{speaker}}_{{index}}.wav file ({len(skipped)} skipped)"
    )


def _folder_files(folder):
    """The files of ``folder`` that :func:`load_wav_folder` considers, in name order (not hidden, not folders)."""
    return [path for path in sorted(folder.iterdir()) if not path.name.startswith(".") and path.is_file()]


def _read_files(paths, skipped):
    """Yield ``((label, speaker, index), name, sample_rate, signal)`` for each usable file of ``paths``.

    One file is read at a time. The ``(name, reason)`` of each file that cannot be used is appended
    to ``skipped``, as :func:`load_wav_folder` describes.
    """
    seen = {}
    for path in paths:
        key = parse_name(path.name)
        if key is None:
            skipped.append((path.name, "name does not follow {label}_{speaker}_{index}.wav"))
            continue
        if key in seen:
            skipped.append((path.name, f"same label, speaker and index as {seen[key]}"))
            continue
        try:
            rate, signal = _read_samples(path)
        except (OSError, ValueError) as exc:
            skipped.append((path.name, f"cannot be read: {exc}"))
            continue
        seen[key] = path.name
        yield key, path.name, rate, signal


def _resampled(loaded, sample_rate, skipped):
    """Yield an :class:`Utterance` at ``sample_rate`` for each file :func:`_read_files` yields.

    A file that cannot be resampled to ``sample_rate`` (see :func:`resample`) is appended to ``skipped``.
    """
    for (label, speaker, index), name, rate, signal in loaded:
        try:
            signal = resample(signal, rate, sample_rate)
        except ValueError as exc:
            skipped.append((name, f"cannot be resampled: {exc}"))
            continue
        yield Utterance(label, speaker, index, name, signal)


def most_common_rate(rates):
    """The most common of the sample rates, the highest of equally common ones.

    Parameters
    ----------
    rates : iterable of int

    Returns
    -------
    rate : int
    """
    counts = collections.Counter(rates)
    if not counts:
        raise ValueError("rates must hold at least one sample rate, got none")
    return max(counts, key=lambda rate: (counts[rate], rate))
