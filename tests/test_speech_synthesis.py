"""The source-filter speech synthesiser and the generated corpus."""

import numpy as np
import pytest
from scipy import signal as sp_signal

from gmmlib.outputs import MARKER, NotGeneratedError
from gmmlib.speech.audio import load_wav_folder
from gmmlib.speech.synthesis import (
    DEFAULT_WORDS,
    VOWEL_FORMANTS,
    formant_filter,
    generate_corpus,
    make_speakers,
    rosenberg_pulse,
    synthesize_word,
)


def test_formant_filter_with_fixed_formants_equals_one_filter_over_the_whole_signal():
    # Restarting every block from the sections' last outputs must be exact.
    source = np.random.default_rng(0).normal(size=1000)
    formants = np.tile([500.0, 1500.0, 2500.0], (13, 1))
    bandwidths = np.tile([80.0, 100.0, 150.0], (13, 1))
    blocked = formant_filter(source, formants, bandwidths, 16000, 80)
    radius = np.exp(-np.pi * bandwidths[0] / 16000)
    a1, a2 = -2 * radius * np.cos(2 * np.pi * formants[0] / 16000), radius**2
    sos = np.column_stack([1 + a1 + a2, np.zeros(3), np.zeros(3), np.ones(3), a1, a2])
    np.testing.assert_allclose(blocked, sp_signal.sosfilt(sos, source), rtol=1e-10, atol=1e-12)


def test_resonator_peaks_at_its_formant_with_unit_gain_at_zero_hertz():
    impulse = np.zeros(4096)
    impulse[0] = 1.0
    response = formant_filter(impulse, np.full((1, 1), 1000.0), np.full((1, 1), 50.0), 16000, 4096)
    spectrum = np.abs(np.fft.rfft(response))
    assert np.argmax(spectrum) * 16000 / 4096 == pytest.approx(1000, abs=8)
    assert spectrum[0] == pytest.approx(1.0, rel=1e-6)


def test_rosenberg_pulse_shape():
    phase = np.linspace(0, 1, 1001)[:-1]
    flow = rosenberg_pulse(phase, 0.6)
    assert flow.min() == 0 and flow.max() == pytest.approx(1, abs=1e-3)
    assert phase[np.argmax(flow)] == pytest.approx(0.42, abs=2e-3)  # opening is 70 % of the open phase
    assert np.all(flow[phase >= 0.6] == 0)  # closed phase


def test_make_speakers_are_distinct_and_deterministic():
    speakers = make_speakers(6, seed=3)
    assert [s.name for s in speakers] == [f"spk0{k}" for k in range(1, 7)]
    np.testing.assert_allclose(sorted(s.formant_scale for s in speakers), np.linspace(0.86, 1.2, 6))
    assert speakers == make_speakers(6, seed=3) and speakers != make_speakers(6, seed=4)
    assert len(make_speakers(1)) == 1


def pitch(signal, sample_rate):
    """F0 by the autocorrelation peak between 60 and 400 Hz."""
    centred = signal - signal.mean()
    correlation = np.correlate(centred, centred, mode="full")[centred.size - 1 :]
    lags = np.arange(sample_rate // 400, sample_rate // 60)
    return sample_rate / lags[np.argmax(correlation[lags])]


@pytest.mark.parametrize("number", [0, 3])
def test_a_vowel_has_the_speakers_pitch_and_first_formant(number):
    speaker = make_speakers(6)[number]
    sample_rate = 16000
    signal = synthesize_word("a", speaker, sample_rate, np.random.default_rng(0), snr_db=60.0)
    middle = signal[signal.size // 2 - 1600 : signal.size // 2 + 1600]
    assert pitch(middle, sample_rate) == pytest.approx(speaker.f0, rel=0.12)
    # F1 is the strongest spectral peak of an /a/ after smoothing away the harmonics.
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(middle.size)))
    smoothed = np.convolve(spectrum, np.ones(51) / 51, mode="same")
    peak = np.argmax(smoothed) * sample_rate / middle.size
    expected = VOWEL_FORMANTS["a"][0] * speaker.formant_scale * speaker.formant_offsets[0]
    assert peak == pytest.approx(expected, rel=0.2)


def test_noise_is_at_the_requested_snr():
    speaker = make_speakers(1)[0]
    for snr_db in (10.0, 30.0):
        signal = synthesize_word("o", speaker, 16000, np.random.default_rng(1), snr_db=snr_db)
        leading_noise = np.mean(signal[:700] ** 2)  # the leading silence is at least 50 ms
        voiced = np.mean(signal[signal.size // 3 : 2 * signal.size // 3] ** 2)
        assert 10 * np.log10(voiced / leading_noise) == pytest.approx(snr_db, abs=3)


def test_synthesize_word_checks_its_arguments():
    speaker = make_speakers(1)[0]
    with pytest.raises(ValueError, match="string of the vowels aeiou"):
        synthesize_word("ax", speaker, 16000, np.random.default_rng(0))
    with pytest.raises(ValueError, match="sample_rate must be >= 8000"):
        synthesize_word("a", speaker, 4000, np.random.default_rng(0))


@pytest.mark.parametrize("number", [0, 3])
def test_eight_kilohertz_leaves_out_formants_above_its_band(number):
    # At 8 kHz the resonators stop at 0.45 fs = 3600 Hz. Speaker 3 (vocal-tract factor 1.2) has F3, F4
    # and F5 of an /i/ above it, speaker 0 (0.93) F5; a resonator kept there would alias below 4 kHz
    # and put a tenth (speaker 0) or nearly all (speaker 3) of the power above 3600 Hz.
    speaker = make_speakers(6)[number]
    signal = synthesize_word("i", speaker, 8000, np.random.default_rng(0), snr_db=60.0)
    assert np.all(np.isfinite(signal)) and 0.3 <= np.abs(signal).max() <= 0.8
    power = np.abs(np.fft.rfft(signal * np.hanning(signal.size))) ** 2
    frequencies = np.fft.rfftfreq(signal.size, 1 / 8000)
    assert power[frequencies >= 3600].sum() < 1e-3 * power.sum()


def test_generate_corpus_in_memory_equals_the_files_written(tmp_path):
    corpus = generate_corpus(tmp_path, n_speakers=2, words=("a", "ai"), n_utterances=3, sample_rate=8000, seed=5)
    assert len(corpus.utterances) == 12 and corpus.skipped == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([MARKER, *(u.name for u in corpus.utterances)])
    loaded = load_wav_folder(tmp_path)
    assert loaded.sample_rate == 8000 and loaded.skipped == []
    for ours, theirs in zip(corpus.utterances, loaded.utterances):
        assert ours == theirs  # label, speaker, index, name
        np.testing.assert_array_equal(ours.signal, theirs.signal)


def test_generate_corpus_replaces_an_earlier_corpus_in_its_folder(tmp_path):
    folder = tmp_path / "audio"
    generate_corpus(folder, n_speakers=3, words=("a",), n_utterances=2, sample_rate=8000)
    smaller = generate_corpus(folder, n_speakers=2, words=("e",), n_utterances=1, sample_rate=8000)
    loaded = load_wav_folder(folder)
    assert (
        [u.name for u in loaded.utterances]
        == [u.name for u in smaller.utterances]
        == ["e_spk01_0.wav", "e_spk02_0.wav"]
    )


def test_generate_corpus_refuses_a_folder_it_did_not_generate(tmp_path):
    (tmp_path / "a_mine_0.wav").write_bytes(b"a recording of the user's")
    with pytest.raises(NotGeneratedError, match=f"{tmp_path} is a folder gmmlib did not generate"):
        generate_corpus(tmp_path, n_speakers=2, words=("a",), n_utterances=1)
    assert [p.name for p in tmp_path.iterdir()] == ["a_mine_0.wav"]
    assert (tmp_path / "a_mine_0.wav").read_bytes() == b"a recording of the user's"


def test_generate_corpus_is_deterministic_and_extends_without_changing_existing_takes():
    small = generate_corpus(n_speakers=2, words=("e",), n_utterances=2, seed=1)
    larger = generate_corpus(n_speakers=2, words=("e", "ou"), n_utterances=3, seed=1)
    again = generate_corpus(n_speakers=2, words=("e",), n_utterances=2, seed=1)
    other = generate_corpus(n_speakers=2, words=("e",), n_utterances=2, seed=2)
    by_name = {u.name: u.signal for u in larger.utterances}
    for utterance, repeat, different in zip(small.utterances, again.utterances, other.utterances):
        np.testing.assert_array_equal(utterance.signal, by_name[utterance.name])
        np.testing.assert_array_equal(utterance.signal, repeat.signal)
        assert utterance.signal.shape != different.signal.shape or np.any(utterance.signal != different.signal)


def test_default_corpus_layout():
    assert len(DEFAULT_WORDS) == 8 and set("".join(DEFAULT_WORDS)) == set(VOWEL_FORMANTS)
    with pytest.raises(ValueError, match="distinct words"):
        generate_corpus(words=("a", "a"))
