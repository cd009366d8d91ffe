"""Speech: synthetic speech-like audio, WAV folders, MFCC features and GMM recognition.

Modules, lowest layer first: :mod:`.sigproc` (framing, windows, power spectra), :mod:`.features`
(log mel energies, MFCC, deltas, CMVN, speech detection, built on sigproc), :mod:`.audio` (WAV files
and folders), :mod:`.recognition` (one GMM per class), :mod:`.synthesis` (speech-like test audio),
:mod:`.feature_store` (a folder's features written to an on-disk zarr array).
The plots live in :mod:`gmmlib.speech.plotting` (imported on its own, as it needs matplotlib).
Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

from .audio import Corpus, Utterance, load_wav_folder, read_wav, resample, write_wav
from .feature_store import FeatureStore, open_features_zarr, write_features_zarr
from .features import active_frames, cmvn, deltas, log_mel_energies, mel_filterbank, mfcc, speech_features
from .recognition import classify, confusion_matrix, fit_class_models, utterance_log_likelihoods
from .synthesis import generate_corpus, make_speakers, synthesize_word

__all__ = [
    "Corpus",
    "FeatureStore",
    "Utterance",
    "active_frames",
    "classify",
    "cmvn",
    "confusion_matrix",
    "deltas",
    "fit_class_models",
    "generate_corpus",
    "load_wav_folder",
    "log_mel_energies",
    "make_speakers",
    "mel_filterbank",
    "mfcc",
    "open_features_zarr",
    "read_wav",
    "resample",
    "speech_features",
    "synthesize_word",
    "utterance_log_likelihoods",
    "write_features_zarr",
    "write_wav",
]
