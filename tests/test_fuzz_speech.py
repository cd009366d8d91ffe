"""Fuzzing the speech entry points: each call gives a correct result or a ValueError/TypeError naming its argument.

hypothesis draws odd WAV files (every PCM format, stereo, truncated or corrupted headers, empty and
non-WAV files, odd names), signals (shorter than a frame, silence, amplitudes from 1e-320 to 1e300,
NaN and inf, wrong dtypes and shapes), odd sample rates and options. A result must be finite and of
the documented shape; an error must be a ValueError or TypeError whose message names an argument
(the one made wrong, where a test makes one argument wrong and expects the error). Nothing else (no
NaN, no numpy or scipy exception, no RuntimeWarning) passes.
"""

import io
import math
import pathlib
import tempfile
import wave

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.io import wavfile

from gmmlib.speech import (
    active_frames,
    cmvn,
    deltas,
    load_wav_folder,
    log_mel_energies,
    mfcc,
    read_wav,
    resample,
    speech_features,
)

# numpy's overflow and invalid-value warnings are noise a user should not see either: they fail here.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_named_error(call, names):
    """``call()``, or None when it raised a ValueError/TypeError whose message names one of ``names``."""
    try:
        result = call()
    except (ValueError, TypeError) as exc:
        message = str(exc)
        named = [name for name in names if name in message]
        assert named, f"{type(exc).__name__} names none of {names}: {message}"
        event(f"{type(exc).__name__} naming {named[0]}")
        return None
    event("result")
    return result


# --- WAV files -------------------------------------------------------------------------------------

#: Sample formats a WAV file can hold and scipy reads, with each one's full scale.
PCM_FORMATS = ["uint8", "int16", "int24", "int32", "float32", "float64"]


def wav_bytes(kind, samples, sample_rate):
    """A WAV file of ``samples`` (values in [-1, 1), shape (n, channels)) in format ``kind``."""
    buffer = io.BytesIO()
    if kind == "int24":
        integers = np.round(samples * 2**23).clip(-(2**23), 2**23 - 1).astype("<i4")
        with wave.open(buffer, "wb") as handle:
            handle.setnchannels(samples.shape[1])
            handle.setsampwidth(3)
            handle.setframerate(sample_rate)
            handle.writeframes(integers.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())
        return buffer.getvalue()
    if kind == "uint8":
        data = np.round(samples * 128 + 128).clip(0, 255).astype(np.uint8)
    elif kind.startswith("int"):
        bits = int(kind[3:])
        data = np.round(samples * 2.0 ** (bits - 1)).clip(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1).astype(kind)
    else:
        data = samples.astype(kind)
    wavfile.write(buffer, sample_rate, data[:, 0] if samples.shape[1] == 1 else data)
    return buffer.getvalue()


def expected_signal(kind, samples):
    """What read_wav must return for ``samples`` stored as ``kind``: the channel mean, quantised."""
    if kind == "uint8":
        quantised = (np.round(samples * 128 + 128).clip(0, 255) - 128) / 128
    elif kind.startswith("int"):
        bits = int(kind[3:])
        quantised = np.round(samples * 2.0 ** (bits - 1)).clip(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
        quantised = quantised / 2.0 ** (bits - 1)
    else:
        quantised = samples.astype(kind).astype(np.float64)
    return quantised.mean(axis=1)


@st.composite
def wav_files(draw):
    """``(bytes, expected)``: a valid WAV file and its expected (rate, signal), or a damaged file and None."""
    kind = draw(st.sampled_from(PCM_FORMATS))
    channels = draw(st.integers(1, 3))
    n_samples = draw(st.integers(0, 300))
    sample_rate = draw(st.sampled_from([1, 7, 8000, 11025, 16000, 44100, 192000]) | st.integers(1, 400_000))
    seed = draw(st.integers(0, 2**16))
    samples = np.random.default_rng(seed).uniform(-1, 1, size=(n_samples, channels))
    data = wav_bytes(kind, samples, sample_rate)
    damage = draw(rarely(["none"], ["truncate", "header bytes", "random bytes", "text"]))
    if damage == "none":
        return data, (sample_rate, expected_signal(kind, samples)) if n_samples else None
    if damage == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))], None
    if damage == "header bytes":
        damaged = bytearray(data)
        for position, value in draw(st.lists(st.tuples(st.integers(0, 47), st.integers(0, 255)), min_size=1)):
            damaged[min(position, len(damaged) - 1)] = value
        return bytes(damaged), None
    if damage == "random bytes":
        return draw(st.binary(max_size=200)), None
    return draw(st.text(max_size=100)).encode("utf-8"), None


@FUZZ
@given(wav_files())
def test_read_wav_reads_every_format_and_names_the_path_of_a_bad_file(file):
    data, expected = file
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "x.wav"
        path.write_bytes(data)
        result = check_named_error(lambda: read_wav(path), ["path"])
    if expected is not None:
        assert result is not None, "a valid WAV file was refused"
        np.testing.assert_allclose(result[1], expected[1], rtol=0, atol=1e-6)
        assert result[0] == expected[0]
    if result is not None:
        rate, signal = result
        assert isinstance(rate, int) and rate >= 1
        assert signal.dtype == np.float64 and signal.ndim == 1 and signal.size >= 1 and np.all(np.isfinite(signal))


#: File names: the {label}_{speaker}_{index}.wav pattern, near misses and odd characters.
file_names = st.one_of(
    st.builds(
        "{}_{}_{}.{}".format,
        st.text(st.characters(blacklist_characters="/\0_", codec="utf-8"), min_size=1, max_size=8),
        st.sampled_from(["alice", "bob", "spk01", "ünï", "a b"]),
        st.sampled_from(["0", "1", "01", "007", "x", ""]),
        st.sampled_from(["wav"] * 4 + ["WAV", "Wav", "wav\n", "mp3"]),
    ),
    st.text(st.characters(blacklist_characters="/\0", codec="utf-8"), min_size=1, max_size=20),
    st.sampled_from([".hidden_0_0.wav", "7_jackson_32.wav", "7_jackson_32.WAV"]),
).filter(lambda name: name not in (".", "..") and len(name.encode("utf-8")) < 200)


@FUZZ
@given(st.lists(st.tuples(file_names, wav_files()), max_size=6), st.none() | st.sampled_from([1, 8000, 22050]))
def test_load_wav_folder_loads_or_skips_every_file_by_name(files, sample_rate):
    with tempfile.TemporaryDirectory() as folder:
        written = {}
        for name, (data, _) in files:
            (pathlib.Path(folder) / name).write_bytes(data)
            written[name] = data
        corpus = check_named_error(lambda: load_wav_folder(folder, sample_rate=sample_rate), ["folder"])
    visible = {name for name in written if not name.startswith(".")}
    if corpus is None:
        return
    loaded = [utterance.name for utterance in corpus.utterances]
    skipped = [name for name, _ in corpus.skipped]
    assert sorted(loaded + skipped) == sorted(visible), "every file is loaded or skipped, once"
    assert sample_rate is None or corpus.sample_rate == sample_rate
    for utterance in corpus.utterances:
        assert utterance.signal.dtype == np.float64 and utterance.signal.ndim == 1
        assert utterance.signal.size >= 1 and np.all(np.isfinite(utterance.signal))


# --- Signals ---------------------------------------------------------------------------------------


def rarely(common, odd):
    """``common`` four draws in five, ``odd`` one in five (lists of values are sampled from)."""
    common, odd = (st.sampled_from(x) if isinstance(x, list) else x for x in (common, odd))
    return st.integers(0, 4).flatmap(lambda k: odd if k == 2 else common)  # hypothesis favours 0 and 4


#: What can be wrong with a signal; each gives a ValueError or TypeError naming it.
BAD_SIGNALS = ["2-D", "0-D", "ragged", "string", "empty", "nan", "inf", "complex", "object", "too loud"]
#: The wrong signals that need nothing drawn (too loud: its power spectrum overflows float64).
FIXED_BAD_SIGNALS = {
    "0-D": np.float64(1.0),
    "ragged": [[1.0, 2.0], [3.0]],
    "string": "abc",
    "too loud": np.full(999, 1e300),
}


@st.composite
def signals(draw, bad=None):
    """A signal a user could pass: odd lengths (down to one sample), silence, amplitudes from 1e-320
    to 1e30, integer, boolean and float32 samples, lists; or, with ``bad`` from BAD_SIGNALS, a wrong one."""
    if bad in FIXED_BAD_SIGNALS:
        return FIXED_BAD_SIGNALS[bad]
    n_samples = 0 if bad == "empty" else draw(st.sampled_from([1, 2, 150, 399, 400, 401]) | st.integers(1, 3000))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = {
        "noise": lambda: rng.normal(size=n_samples),
        "silence": lambda: np.zeros(n_samples),
        "tone": lambda: np.sin(0.3 * np.arange(n_samples)),
        "impulse": lambda: np.eye(1, n_samples)[0],
    }[draw(st.sampled_from(["noise", "silence", "tone", "impulse"]))]()
    values = values * 10.0 ** draw(st.sampled_from([0, 4, -3, -320, -200, 30]))
    if bad in ("nan", "inf"):
        values[draw(st.integers(0, n_samples - 1))] = np.nan if bad == "nan" else -np.inf
    if bad is None:
        dtype = draw(rarely(["float64"], ["float32", "int16", "uint8", "bool", "list"]))
    else:  # keep what is wrong with it (an integer cast would turn NaN into 0)
        dtype = {"complex": "complex128", "object": "object"}.get(bad, "float64")
    if bad == "2-D":
        return np.column_stack([values, values])
    if dtype == "list":
        return values.tolist()
    with np.errstate(all="ignore"):  # float32 and integer casts of huge values: the signal is odd, not wrong
        return values.astype(dtype) if dtype != "int16" else np.clip(values, -32768, 32767).astype(dtype)


def fuzzed(data, valid, invalid, wrong):
    """A valid value drawn from ``valid``, or one from ``invalid`` if this argument is the ``wrong`` one."""
    values = invalid if wrong else valid
    return data.draw(st.sampled_from(values) if isinstance(values, list) else values)


SAMPLE_RATES = (
    st.integers(100, 96_000) | st.floats(100, 96_000) | st.sampled_from([8000, 16000, 44100, np.int64(22050)])
)
BAD_SAMPLE_RATES = [40, 1.5, 0, -16000, np.nan, np.inf, True, "16000", None]


def n_frames(n_samples, sample_rate, frame_length=0.025, frame_step=0.01):
    frame = math.floor(frame_length * sample_rate + 0.5)
    step = math.floor(frame_step * sample_rate + 0.5)
    return 1 if n_samples <= frame else 1 + math.ceil((n_samples - frame) / step)


@FUZZ
@given(st.data(), st.sampled_from([None] * 4 + ["signal", "sample_rate", "window", "rounded_bins"]))
def test_mfcc_and_log_mel_energies(data, wrong):
    signal = data.draw(signals(bad=data.draw(st.sampled_from(BAD_SIGNALS)) if wrong == "signal" else None))
    sample_rate = fuzzed(data, SAMPLE_RATES, BAD_SAMPLE_RATES, wrong == "sample_rate")
    window = fuzzed(data, ["hamming", None, "hann", ("kaiser", 8.0)], ["nonsense", 3, ("kaiser",)], wrong == "window")
    rounded_bins = fuzzed(data, [False, True], [1, "yes", None], wrong == "rounded_bins")
    options = dict(rounded_bins=rounded_bins, window=window)
    cepstra = check_named_error(lambda: mfcc(signal, sample_rate, **options), [wrong])
    energies = check_named_error(lambda: log_mel_energies(signal, sample_rate, **options, log_energy=True), [wrong])
    assert (cepstra is None) == (wrong is not None) and (energies is None) == (wrong is not None)
    if wrong is None:
        expected = n_frames(len(signal), sample_rate)
        assert cepstra.shape == (expected, 13) and np.all(np.isfinite(cepstra))
        assert energies.shape == (expected, 27) and np.all(np.isfinite(energies))
        np.testing.assert_array_equal(cepstra[:, 0], energies[:, 0])


@FUZZ
@given(
    st.data(),
    st.sampled_from([None] * 6 + ["signal", "sample_rate", "kind", "n_deltas", "dynamic_range_db", "normalise"]),
)
def test_speech_features_and_active_frames(data, wrong):
    signal = data.draw(signals(bad=data.draw(st.sampled_from(BAD_SIGNALS)) if wrong == "signal" else None))
    sample_rate = fuzzed(data, SAMPLE_RATES, BAD_SAMPLE_RATES, wrong == "sample_rate")
    kind = fuzzed(data, ["mfcc", "log_mel"], ["plp", 3, ["mfcc"], None], wrong == "kind")
    n_deltas = fuzzed(data, [0, 1, 2], [3, -1, True, 1.5, None], wrong == "n_deltas")
    dynamic_range_db = fuzzed(
        data, st.none() | st.floats(0, 1e6), [-3.0, np.nan, np.inf, "30"], wrong == "dynamic_range_db"
    )
    normalise = fuzzed(data, [False, True], ["yes", 1, None], wrong == "normalise")
    features = check_named_error(
        lambda: speech_features(
            signal, sample_rate, kind=kind, n_deltas=n_deltas, dynamic_range_db=dynamic_range_db, normalise=normalise
        ),
        [wrong],
    )
    assert (features is None) == (wrong is not None)
    if features is None:
        return
    width = 13 if kind == "mfcc" else 26
    everything = n_frames(len(signal), sample_rate)
    assert features.ndim == 2 and features.shape[1] == width * (n_deltas + 1)
    assert 1 <= features.shape[0] <= everything and np.all(np.isfinite(features))
    if dynamic_range_db is None:
        assert features.shape[0] == everything
    else:
        mask = active_frames(signal, sample_rate, dynamic_range_db=dynamic_range_db)
        assert mask.shape == (everything,) and mask.dtype == bool and mask.sum() == features.shape[0]


@FUZZ
@given(st.data(), st.sampled_from([None] * 3 + ["signal", "from_rate", "to_rate"]))
def test_resample(data, wrong):
    signal = data.draw(signals(bad=data.draw(st.sampled_from(BAD_SIGNALS[:-1])) if wrong == "signal" else None))
    bad_rates = [0, -8000, 8000.0, None, 1_000_003]  # the last a prime: its ratio with any rate is too fine
    from_rate = fuzzed(
        data, st.integers(1, 48_000) | st.sampled_from([8000, 11025, 44100]), bad_rates, wrong == "from_rate"
    )
    to_rate = fuzzed(data, st.integers(1, 48_000) | st.sampled_from([8000, 16000]), bad_rates, wrong == "to_rate")
    result = check_named_error(lambda: resample(signal, from_rate, to_rate), [wrong])
    assert (result is None) == (wrong is not None)
    if result is not None:
        assert result.shape == (math.ceil(len(signal) * to_rate / from_rate),)
        assert result.dtype == np.float64 and np.all(np.isfinite(result))


# --- Frame-level features ---------------------------------------------------------------------------


@st.composite
def feature_arrays(draw):
    shape = draw(rarely(st.tuples(st.integers(1, 30), st.integers(1, 5)), [(0, 3), (3, 0), (5,), (2, 2, 2)]))
    finite = st.floats(allow_nan=False, allow_infinity=False)
    values = draw(st.lists(finite, min_size=math.prod(shape), max_size=math.prod(shape)))
    array = np.array(values, dtype=np.float64).reshape(shape)
    if array.size and draw(rarely([False], [True])):
        array.flat[draw(st.integers(0, array.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    dtype = draw(rarely(["float64"], ["float32", "int64", "object"]))
    if dtype == "int64":
        array = np.nan_to_num(array).clip(-(2**62), 2**62)
    with np.errstate(over="ignore"):  # float32 holds up to 3.4e38: larger values become inf
        return array.astype(dtype)


@FUZZ
@given(
    feature_arrays(),
    rarely([1, 2, 3], [0, -1, True, 2.0]),
    rarely([True, False], [1, None]),
)
def test_deltas_and_cmvn(features, width, variance):
    result = check_named_error(lambda: deltas(features, width), ["features", "width"])
    if result is not None:
        assert result.shape == features.shape and np.all(np.isfinite(result))
        # A regression slope over repeated edges never exceeds the column's largest magnitude.
        largest = np.abs(features.astype(np.float64)).max(axis=0)
        assert np.all(np.abs(result) - largest <= 1e-12 * largest)
    normalised = check_named_error(lambda: cmvn(features, variance=variance), ["features", "variance"])
    if normalised is not None:
        assert normalised.shape == features.shape and np.all(np.isfinite(normalised))
        if variance:  # a standardised value is at most sqrt(n - 1) (Samuelson's inequality)
            assert np.all(np.abs(normalised) <= math.sqrt(max(features.shape[0] - 1, 0)) * (1 + 1e-9))


@pytest.mark.parametrize("call", [lambda: read_wav(None), lambda: load_wav_folder(3)])
def test_paths_must_be_paths(call):
    with pytest.raises(TypeError, match="must be a str or path-like"):
        call()
