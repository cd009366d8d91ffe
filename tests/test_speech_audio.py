"""WAV reading, writing, resampling and folder loading, on files the tests write themselves."""

import wave

import numpy as np
import pytest
from scipy.io import wavfile

from gmmlib.speech.audio import Corpus, load_wav_folder, parse_name, read_wav, resample, to_float, write_wav


def sine(sample_rate, seconds=0.5, frequency=440.0, amplitude=0.5):
    return amplitude * np.sin(2 * np.pi * frequency * np.arange(int(seconds * sample_rate)) / sample_rate)


def write_24_bit(path, signal, sample_rate):
    """24-bit PCM through the standard library (scipy writes no 24-bit files)."""
    samples = np.round(signal * 2**23).astype(np.int32)
    raw = samples.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(3)
        handle.setframerate(sample_rate)
        handle.writeframes(raw)


FORMATS = {
    "uint8": lambda x: np.round(x * 128 + 128).astype(np.uint8),
    "int16": lambda x: np.round(x * 2**15).astype(np.int16),
    "int32": lambda x: np.round(x * 2**31).astype(np.int32),
    "float32": lambda x: x.astype(np.float32),
    "float64": lambda x: x.astype(np.float64),
}
#: Quantisation step of each format, the tolerance of a round trip.
STEPS = {"uint8": 1 / 128, "int16": 2**-15, "int32": 2**-31, "float32": 1e-7, "float64": 1e-15, "int24": 2**-23}


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_read_wav_scales_every_format_to_unit_range(tmp_path, kind):
    signal = sine(8000)
    wavfile.write(tmp_path / "x.wav", 8000, FORMATS[kind](signal))
    rate, read = read_wav(tmp_path / "x.wav")
    assert rate == 8000 and read.dtype == np.float64
    np.testing.assert_allclose(read, signal, atol=STEPS[kind])


def test_read_wav_24_bit(tmp_path):
    signal = sine(16000)
    write_24_bit(tmp_path / "x.wav", signal, 16000)
    rate, read = read_wav(tmp_path / "x.wav")
    assert rate == 16000
    np.testing.assert_allclose(read, signal, atol=STEPS["int24"])


def test_stereo_is_averaged(tmp_path):
    left, right = sine(8000, amplitude=0.6), sine(8000, frequency=1000, amplitude=0.2)
    wavfile.write(tmp_path / "x.wav", 8000, np.column_stack([left, right]).astype(np.float32))
    np.testing.assert_allclose(read_wav(tmp_path / "x.wav")[1], (left + right) / 2, atol=1e-7)


def test_to_float_full_scale():
    np.testing.assert_array_equal(to_float(np.array([0, 128, 255], dtype=np.uint8)), [-1, 0, 127 / 128])
    np.testing.assert_array_equal(to_float(np.array([-32768, 0, 16384], dtype=np.int16)), [-1, 0, 0.5])
    with pytest.raises(TypeError, match="samples must be integer or float PCM"):
        to_float(np.array([1j]))


def test_write_wav_round_trip_is_exact_on_the_16_bit_grid(tmp_path):
    signal = np.round(sine(16000, amplitude=0.9) * 32768) / 32768
    write_wav(tmp_path / "x.wav", signal, 16000)
    rate, samples = wavfile.read(tmp_path / "x.wav")
    assert rate == 16000 and samples.dtype == np.int16
    np.testing.assert_array_equal(read_wav(tmp_path / "x.wav")[1], signal)
    write_wav(tmp_path / "full.wav", np.array([-1.0, 1.0]), 8000)
    np.testing.assert_array_equal(wavfile.read(tmp_path / "full.wav")[1], [-32768, 32767])


@pytest.mark.parametrize(
    "signal, message",
    [
        (np.array([0.5, 1.5]), "within \\[-1, 1\\]"),
        (np.array([0.0, np.nan]), "finite"),
        (np.zeros((4, 2)), "1-D"),
    ],
)
def test_write_wav_refuses_what_16_bit_cannot_hold(tmp_path, signal, message):
    with pytest.raises(ValueError, match=message):
        write_wav(tmp_path / "x.wav", signal, 8000)


@pytest.mark.parametrize("from_rate, to_rate", [(8000, 16000), (44100, 16000), (22050, 8000), (16000, 16000)])
def test_resample_keeps_frequency_and_amplitude(from_rate, to_rate):
    signal = sine(from_rate, seconds=1.0, frequency=440.0, amplitude=0.5)
    result = resample(signal, from_rate, to_rate)
    assert result.size == to_rate
    spectrum = np.abs(np.fft.rfft(result[to_rate // 10 : -to_rate // 10] * np.hanning(to_rate - 2 * (to_rate // 10))))
    peak = np.argmax(spectrum) * to_rate / (to_rate - 2 * (to_rate // 10))
    assert peak == pytest.approx(440, abs=2)
    assert np.max(np.abs(result[100:-100])) == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("7_jackson_32.wav", ("7", "jackson", 32)),
        ("ai_spk01_0.WAV", ("ai", "spk01", 0)),
        ("7_jackson.wav", None),
        ("7_jack_son_3.wav", None),
        ("7_jackson_x.wav", None),
        ("7_jackson_3.mp3", None),
        ("_jackson_3.wav", None),
        ("7_jackson_3.wav\n", None),
    ],
)
def test_parse_name(name, expected):
    assert parse_name(name) == expected


@pytest.fixture
def messy_folder(tmp_path):
    """Good files at several rates and formats, and every kind of file that must be skipped."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    good = {
        "0_alice_0.wav": (8000, "int16"),
        "0_alice_1.wav": (8000, "uint8"),
        "1_alice_0.wav": (8000, "float32"),
        "0_bob_0.wav": (16000, "int32"),
        "1_bob_0.wav": (22050, "float64"),
        "1_bob_1.wav": (8000, "stereo"),
    }
    for name, (rate, kind) in good.items():
        signal = sine(rate)
        data = FORMATS["int16"](np.column_stack([signal, signal])) if kind == "stereo" else FORMATS[kind](signal)
        wavfile.write(folder / name, rate, data)
    write_24_bit(folder / "1_carol_0.wav", sine(44100), 44100)
    wavfile.write(folder / "2_carol_0.wav", 8000, np.zeros(0, dtype=np.int16))  # empty
    (folder / "2_carol_1.wav").write_bytes(b"this is not a wav file at all" * 4)  # corrupt
    header = (folder / "0_alice_0.wav").read_bytes()
    (folder / "2_carol_2.wav").write_bytes(header[:20])  # truncated inside the header
    wavfile.write(folder / "2_carol_3.wav", 8000, np.array([0.1, np.nan], dtype=np.float32))
    wavfile.write(folder / "0_alice_01.wav", 8000, FORMATS["int16"](sine(8000)))  # same take as 0_alice_1
    for bad_name in ("hello.wav", "3_dave.wav"):
        wavfile.write(folder / bad_name, 8000, FORMATS["int16"](sine(8000)))
    (folder / "notes.txt").write_text("not audio")
    (folder / ".hidden_0_0.wav").write_bytes(b"")
    (folder / "sub").mkdir()
    wavfile.write(folder / "sub" / "5_erin_0.wav", 8000, FORMATS["int16"](sine(8000)))
    return folder


def test_load_wav_folder_loads_good_files_and_reports_the_rest(messy_folder):
    corpus = load_wav_folder(messy_folder)
    assert isinstance(corpus, Corpus)
    assert corpus.sample_rate == 8000  # the most common rate
    assert [u.name for u in corpus.utterances] == [
        "0_alice_0.wav",
        "0_alice_01.wav",
        "1_alice_0.wav",
        "0_bob_0.wav",
        "1_bob_0.wav",
        "1_bob_1.wav",
        "1_carol_0.wav",
    ]
    assert corpus.speakers == ["alice", "bob", "carol"] and corpus.labels == ["0", "1"]
    for utterance in corpus.utterances:
        assert utterance.signal.dtype == np.float64
        assert utterance.signal.size == 4000  # 0.5 s at 8 kHz after resampling
        # The sine's amplitude survives every format and rate.
        assert np.max(np.abs(utterance.signal[200:-200])) == pytest.approx(0.5, abs=0.02)
    reasons = dict(corpus.skipped)
    assert sorted(reasons) == [
        "0_alice_1.wav",
        "2_carol_0.wav",
        "2_carol_1.wav",
        "2_carol_2.wav",
        "2_carol_3.wav",
        "3_dave.wav",
        "hello.wav",
        "notes.txt",
    ]
    # Names are taken in sorted order: the later of two names for one take is the one skipped.
    assert "same label, speaker and index as 0_alice_01.wav" in reasons["0_alice_1.wav"]
    assert "no samples" in reasons["2_carol_0.wav"]
    assert "cannot be read" in reasons["2_carol_1.wav"] and "cannot be read" in reasons["2_carol_2.wav"]
    assert "NaN" in reasons["2_carol_3.wav"]
    assert "does not follow {label}_{speaker}_{index}.wav" in reasons["hello.wav"]


def test_load_wav_folder_resamples_to_a_requested_rate(messy_folder):
    corpus = load_wav_folder(messy_folder, sample_rate=16000)
    assert corpus.sample_rate == 16000
    assert all(u.signal.size == 8000 for u in corpus.utterances)


def test_load_wav_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="must be an existing folder"):
        load_wav_folder(tmp_path / "missing")
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(ValueError, match=r"holds no usable .*\(1 skipped\)"):
        load_wav_folder(tmp_path)


def test_read_wav_names_the_path_of_a_file_it_cannot_use(tmp_path):
    # scipy's parser meets this header (the fmt chunk declares 0 channels) with a ZeroDivisionError.
    wavfile.write(tmp_path / "good.wav", 8000, np.zeros(10, dtype=np.int16))
    header = bytearray((tmp_path / "good.wav").read_bytes())
    header[22:24] = b"\x00\x00"
    (tmp_path / "bad.wav").write_bytes(bytes(header))
    with pytest.raises(ValueError, match=r"path '.*bad\.wav' cannot be used: not a WAV file scipy can read"):
        read_wav(tmp_path / "bad.wav")
    with pytest.raises(FileNotFoundError):
        read_wav(tmp_path / "missing.wav")


def test_resample_refuses_a_ratio_whose_filter_would_not_fit_in_memory():
    with pytest.raises(ValueError, match=r"from_rate=1000003 and to_rate=16000 reduce to the ratio 16000/1000003"):
        resample(np.zeros(10), 1_000_003, 16000)


def test_load_wav_folder_skips_a_file_it_cannot_resample(tmp_path):
    wavfile.write(tmp_path / "a_ann_0.wav", 16000, FORMATS["int16"](sine(16000)))
    wavfile.write(tmp_path / "a_ann_1.wav", 1_000_003, FORMATS["int16"](sine(8000)))
    corpus = load_wav_folder(tmp_path, sample_rate=16000)
    assert [u.name for u in corpus.utterances] == ["a_ann_0.wav"]
    assert corpus.skipped == [("a_ann_1.wav", corpus.skipped[0][1])]
    assert corpus.skipped[0][1].startswith("cannot be resampled: from_rate=1000003 and to_rate=16000")
