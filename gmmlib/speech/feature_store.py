"""The features of a WAV folder too large for memory, written to a zarr array one file at a time.

A universal background model is trained on hundreds of hours of speech, 10^8 to 10^9 frames: more
than one machine holds. :func:`write_features_zarr` reads a folder as :func:`~gmmlib.speech.load_wav_folder`
does, but one file at a time, computes each file's :func:`~gmmlib.speech.speech_features` and
appends them to an on-disk zarr array, so that memory holds one file's audio and features and one
chunk of the array, whatever the size of the folder. The store is a zarr group:

    features       (n_frames, n_values) array, chunked (chunk_frames, n_values)
    file_offsets   (n_files + 1,) int64: the frames of file i are features[file_offsets[i]:file_offsets[i + 1]]
    attributes     files (names, in name order), skipped ((name, reason) pairs), sample_rate, the
                   speech_features options, and complete (False until the last frame is written)

:func:`open_features_zarr` opens it again as a :class:`FeatureStore`. Fitting a model on it goes
through a dask array, ``dask.array.from_zarr(store, component="features")``.
zarr and tqdm are optional dependencies (the ``dask`` extra), imported only here, when called.
"""

import json
from dataclasses import dataclass

import numpy as np

from .._validation import _describe, check_scalar
from ..outputs import generated_folder
from .audio import (
    _check_folder,
    _check_path,
    _folder_files,
    _no_usable_file_error,
    _read_files,
    _resampled,
    most_common_rate,
)
from .features import _check_flag, speech_features

#: The dtypes a feature store may hold.
FEATURE_DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class FeatureStore:
    """A zarr feature store written by :func:`write_features_zarr`.

    Attributes
    ----------
    features : zarr.Array of shape (n_frames, n_values)
        On disk; index it to read frames, or wrap it with ``dask.array.from_zarr``.
    files : list of str
        The file names, in the order their frames are stored.
    file_offsets : ndarray of int64, shape (n_files + 1,)
        File ``i`` has the frames ``features[file_offsets[i]:file_offsets[i + 1]]``.
    sample_rate : int
        In Hz, shared by every file (resampled to it).
    skipped : list of (str, str)
        ``(file name, reason)`` for each file not used.
    options : dict
        The :func:`~gmmlib.speech.speech_features` options the features were computed with.
    """

    features: object
    files: list
    file_offsets: np.ndarray
    sample_rate: int
    skipped: list
    options: dict

    def frames_of(self, name):
        """The frames of one file, read from the store.

        Parameters
        ----------
        name : str
            One of :attr:`files`.

        Returns
        -------
        frames : ndarray of shape (n_frames_of_file, n_values)
        """
        if name not in self.files:
            raise ValueError(f"name must be one of the store's {len(self.files)} files, got {_describe(name)}")
        index = self.files.index(name)
        return self.features[self.file_offsets[index] : self.file_offsets[index + 1]]


def write_features_zarr(
    folder, store, *, sample_rate=None, chunk_frames=65536, dtype="float32", progress=True, **speech_options
):
    """Write the :func:`~gmmlib.speech.speech_features` of every file of a WAV folder to a zarr store.

    Files are those :func:`~gmmlib.speech.load_wav_folder` loads, skipped for the same reasons, and
    read one at a time in name order; each file's features are computed on its own (deltas, speech
    detection and CMVN per file) and appended to the array. Frames are buffered until they fill a
    chunk, so that every chunk is written once: memory holds one file's audio and features and at
    most one chunk of frames, however large the folder.

    Parameters
    ----------
    folder : str or path-like
        A folder of ``{label}_{speaker}_{index}.wav`` files.
    store : str or path-like
        The zarr store (a folder) to write. It is created, or replaced if this function wrote it
        before (it carries gmmlib's marker, see :mod:`gmmlib.outputs`); any other existing file or
        non-empty folder is refused and left untouched.
    sample_rate : int or None, default=None
        Rate to resample every file to; None for the most common rate among the files (the
        highest of equally common ones), found by reading every file once before the features.
    chunk_frames : int, default=65536
        Frames per chunk of the array (10 MB of 39 float32 features).
    dtype : {"float32", "float64"}, default="float32"
        The stored dtype; the features are computed in float64.
    progress : bool, default=True
        Show a progress bar over the files (tqdm, in a notebook as a widget).
    **speech_options
        Passed to :func:`~gmmlib.speech.speech_features` (``kind``, ``n_deltas``,
        ``dynamic_range_db``, ``normalise``, ``n_cepstra``, ...); they must be JSON values, as
        they are stored with the features.

    Returns
    -------
    FeatureStore
        The store, opened by :func:`open_features_zarr`.

    Raises
    ------
    gmmlib.outputs.NotGeneratedError
        If ``store`` exists and gmmlib did not write it.
    ValueError
        If ``folder`` holds no usable file: before the store is touched when ``sample_rate`` is
        None, else after it was created (it is then left with ``complete`` False).

    Examples
    --------
    Two recordings; the store holds their 39 MFCC-based features per frame, and where each file's
    frames are:

    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from gmmlib.speech import speech_features, write_features_zarr, write_wav
    >>> tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_wav(pathlib.Path(folder) / "a_ann_0.wav", tone, 16000)
    ...     write_wav(pathlib.Path(folder) / "a_bob_0.wav", tone[:4000], 16000)
    ...     written = write_features_zarr(folder, pathlib.Path(folder) / "features.zarr", progress=False)
    ...     print(written.features.shape, written.files, written.file_offsets.tolist())
    ...     bob = written.frames_of("a_bob_0.wav")
    (73, 39) ['a_ann_0.wav', 'a_bob_0.wav'] [0, 49, 73]
    >>> bool(np.allclose(bob, speech_features(np.round(tone[:4000] * 32768) / 32768, 16000), atol=1e-4))
    True
    """
    import zarr  # optional: the dask extra
    from tqdm.auto import tqdm

    folder = _check_folder(folder)
    store = _check_path(store, "store")
    if sample_rate is not None:
        check_scalar(sample_rate, "sample_rate", int, minimum=1)
    check_scalar(chunk_frames, "chunk_frames", int, minimum=1)
    if dtype not in FEATURE_DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(map(repr, FEATURE_DTYPES))}; got {_describe(dtype)}")
    progress = _check_flag(progress, "progress")
    try:
        options = json.loads(json.dumps(speech_options))
    except (TypeError, ValueError):
        raise TypeError(f"speech_options must be JSON values, got {_describe(speech_options)}") from None
    paths = _folder_files(folder)
    if sample_rate is None:
        skipped = []
        rates = [rate for _, _, rate, _ in _read_files(paths, skipped)]
        if not rates:
            raise _no_usable_file_error(folder, skipped)
        sample_rate = most_common_rate(rates)
    # Unknown or bad options are refused here, before the store is created or replaced.
    speech_features(np.zeros(1), sample_rate, **speech_options)
    root = zarr.open_group(generated_folder(store, clear=True), mode="a")  # the folder holds only the marker
    root.attrs.update({"complete": False, "sample_rate": sample_rate, "speech_features": options})
    skipped, files, offsets, buffer = [], [], [0], _ChunkBuffer(root, chunk_frames, dtype)
    loaded = _read_files(tqdm(paths, desc="features", unit="file", disable=not progress), skipped)
    for utterance in _resampled(loaded, sample_rate, skipped):
        buffer.append(speech_features(utterance.signal, sample_rate, **speech_options))
        files.append(utterance.name)
        offsets.append(buffer.n_frames)
    buffer.flush()
    root.attrs.update({"files": files, "skipped": sorted(skipped)})
    if not files:
        raise _no_usable_file_error(folder, skipped)
    root.create_array("file_offsets", data=np.array(offsets, dtype=np.int64))
    root.attrs["complete"] = True
    return open_features_zarr(store)


class _ChunkBuffer:
    """Frames waiting to fill a chunk of ``root["features"]``, which is created with the first frames."""

    def __init__(self, root, chunk_frames, dtype):
        self.root, self.chunk_frames, self.dtype = root, chunk_frames, dtype
        self.blocks, self.n_buffered, self.n_frames = [], 0, 0

    def append(self, frames):
        if "features" not in self.root:
            self.root.create_array(
                "features",
                shape=(0, frames.shape[1]),
                chunks=(self.chunk_frames, frames.shape[1]),
                dtype=self.dtype,
            )
        self.blocks.append(frames.astype(self.dtype))
        self.n_buffered += len(frames)
        self.n_frames += len(frames)
        if self.n_buffered >= self.chunk_frames:
            self._write(self.n_buffered - self.n_buffered % self.chunk_frames)

    def flush(self):
        if self.n_buffered:
            self._write(self.n_buffered)

    def _write(self, n_rows):
        """Append the first ``n_rows`` buffered frames (whole chunks, or the last rows) to the array."""
        frames = np.concatenate(self.blocks)
        self.root["features"].append(frames[:n_rows])
        rest = frames[n_rows:]
        self.blocks, self.n_buffered = ([rest] if len(rest) else []), len(rest)


def open_features_zarr(store):
    """Open a feature store that :func:`write_features_zarr` completed.

    Parameters
    ----------
    store : str or path-like

    Returns
    -------
    FeatureStore

    Raises
    ------
    ValueError
        If ``store`` is not a complete feature store (missing, not zarr, or its writing stopped
        before the end).
    """
    import zarr  # optional: the dask extra

    store = _check_path(store, "store")
    try:
        root = zarr.open_group(store, mode="r")
        complete = root.attrs.get("complete") is True and "features" in root and "file_offsets" in root
    except (FileNotFoundError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"store {str(store)!r} is not a zarr feature store: {exc}") from None
    if not complete:
        raise ValueError(
            f"store {str(store)!r} is not a complete feature store written by write_features_zarr "
            "(its writing stopped before the end, or another program wrote it)"
        )
    attrs = root.attrs.asdict()
    return FeatureStore(
        features=root["features"],
        files=list(attrs["files"]),
        file_offsets=root["file_offsets"][:],
        sample_rate=int(attrs["sample_rate"]),
        skipped=[tuple(entry) for entry in attrs["skipped"]],
        options=dict(attrs["speech_features"]),
    )
