"""MFCC front end: parity with python_speech_features, filterbank properties, deltas, CMVN, errors."""

import numpy as np
import pytest
import python_speech_features as psf
from scipy import fft

from gmmlib.speech.features import (
    active_frames,
    cepstral_lifter,
    cmvn,
    deltas,
    hz_to_mel,
    log_mel_energies,
    mel_filterbank,
    mel_to_hz,
    mfcc,
    speech_features,
)
from gmmlib.speech.sigproc import default_n_fft, frame_signal, power_spectrum, pre_emphasis
from gmmlib.speech.synthesis import make_speakers, synthesize_word


def _signals():
    """Noise, a chirp, synthetic speech with digital silence, and signals shorter than one frame."""
    rng = np.random.default_rng(0)
    time = np.arange(12345) / 16000
    speech = synthesize_word("ai", make_speakers(1)[0], 16000, np.random.default_rng(1))
    return {
        "noise": rng.normal(size=8000) * 3000,
        "chirp": np.sin(2 * np.pi * (200 + 3000 * time) * time),
        "speech_with_zeros": np.concatenate([np.zeros(2000), speech, np.zeros(1000)]),
        "one_sample": np.array([0.25]),
        "shorter_than_a_frame": rng.normal(size=150),
        "exactly_one_frame": rng.normal(size=400),
    }


SIGNALS = _signals()


@pytest.mark.parametrize("sample_rate", [8000, 11025, 16000, 20000])
@pytest.mark.parametrize("name", sorted(SIGNALS))
def test_mfcc_equals_python_speech_features(name, sample_rate):
    signal = SIGNALS[name]
    expected = psf.mfcc(signal, sample_rate, winfunc=np.hamming)
    ours = mfcc(signal, sample_rate, n_fft=512, rounded_bins=True)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-8)
    np.testing.assert_allclose(deltas(ours), psf.delta(expected, 2), rtol=0, atol=1e-8)


def test_mfcc_default_differs_from_python_speech_features_only_by_the_filterbank():
    # At 8 and 16 kHz the default n_fft is python_speech_features' 512.
    signal = SIGNALS["speech_with_zeros"]
    for sample_rate in (8000, 16000):
        assert default_n_fft(round(0.025 * sample_rate)) == 512
        np.testing.assert_array_equal(mfcc(signal, sample_rate), mfcc(signal, sample_rate, n_fft=512))
        np.testing.assert_array_equal(
            mfcc(signal, sample_rate, rounded_bins=True), mfcc(signal, sample_rate, n_fft=512, rounded_bins=True)
        )
        # The energy (c0) does not involve the filterbank.
        np.testing.assert_allclose(
            mfcc(signal, sample_rate)[:, 0], psf.mfcc(signal, sample_rate, winfunc=np.hamming)[:, 0], atol=1e-8
        )


@pytest.mark.parametrize(
    "options, psf_options",
    [
        (dict(log_energy=False), dict(appendEnergy=False)),
        (dict(n_cepstra=20, n_filters=40), dict(numcep=20, nfilt=40)),
        (dict(lifter=0, preemphasis=0), dict(ceplifter=0, preemph=0)),
        (dict(window=None), dict()),
        (dict(low_freq=300, high_freq=3400, n_fft=1024), dict(lowfreq=300, highfreq=3400, nfft=1024)),
        (dict(frame_length=0.032, frame_step=0.016), dict(winlen=0.032, winstep=0.016)),
    ],
)
def test_mfcc_options_equal_python_speech_features(options, psf_options):
    signal = SIGNALS["chirp"]
    psf_options = {"winfunc": np.hamming, **psf_options}
    if "window" in options:
        psf_options.pop("winfunc")  # python_speech_features' default is the rectangular window
    expected = psf.mfcc(signal, 16000, **psf_options)
    ours = mfcc(signal, 16000, rounded_bins=True, **{"n_fft": 512, **options})
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-8)


@pytest.mark.parametrize("sample_rate", [8000, 16000])
@pytest.mark.parametrize("name", ["noise", "speech_with_zeros", "shorter_than_a_frame"])
def test_log_mel_energies_equal_python_speech_features(name, sample_rate):
    signal = SIGNALS[name]
    bands, energy = psf.fbank(signal, sample_rate, winfunc=np.hamming)
    ours = log_mel_energies(signal, sample_rate, n_fft=512, rounded_bins=True, log_energy=True)
    np.testing.assert_allclose(ours, np.column_stack([np.log(energy), np.log(bands)]), rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        log_mel_energies(signal, sample_rate, n_fft=512, rounded_bins=True, window=None),
        psf.logfbank(signal, sample_rate),
        rtol=0,
        atol=1e-10,
    )


def test_mfcc_is_the_liftered_dct_of_the_log_mel_energies():
    signal = SIGNALS["chirp"]
    energies = log_mel_energies(signal, 16000, n_filters=20, log_energy=True)
    cepstra = mfcc(signal, 16000, n_filters=20, n_cepstra=12)
    np.testing.assert_array_equal(cepstra[:, 0], energies[:, 0])
    expected = cepstral_lifter(fft.dct(energies[:, 1:], type=2, axis=1, norm="ortho")[:, :12], 22)
    np.testing.assert_allclose(cepstra[:, 1:], expected[:, 1:], rtol=0, atol=1e-12)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_deltas_equal_python_speech_features(width):
    features = np.random.default_rng(width).normal(size=(17, 5))
    np.testing.assert_allclose(deltas(features, width), psf.delta(features, width), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "n_filters, n_fft, sample_rate, low, high",
    [
        (26, 512, 16000, 0, None),
        (26, 512, 8000, 0, None),
        (40, 1024, 44100, 100, 8000),
        (10, 256, 8000, 200, 3000),
    ],
)
def test_rounded_filterbank_equals_python_speech_features(n_filters, n_fft, sample_rate, low, high):
    expected = psf.get_filterbanks(n_filters, n_fft, sample_rate, low, high)
    np.testing.assert_array_equal(mel_filterbank(n_filters, n_fft, sample_rate, low, high, rounded_bins=True), expected)


def test_exact_filterbank_triangles_partition_unity_between_the_first_and_last_peaks():
    sample_rate, n_fft = 16000, 512
    filterbank = mel_filterbank(26, n_fft, sample_rate)
    edges = mel_to_hz(np.linspace(0, hz_to_mel(8000), 28))
    frequencies = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    inside = (frequencies >= edges[1]) & (frequencies < edges[-2])
    np.testing.assert_allclose(filterbank.sum(axis=0)[inside], 1.0, atol=1e-12)
    assert np.all((filterbank >= 0) & (filterbank <= 1))
    # Each filter peaks at the bin nearest its centre and is zero outside its edges.
    for j, row in enumerate(filterbank):
        nearest = np.argmin(np.abs(frequencies - edges[j + 1]))
        assert abs(np.argmax(row) - nearest) <= 1
        assert np.all(row[(frequencies <= edges[j]) | (frequencies >= edges[j + 2])] == 0)


def test_mel_scale_round_trip_and_htk_values():
    frequencies = np.array([0.0, 700.0, 1000.0, 8000.0])
    np.testing.assert_allclose(mel_to_hz(hz_to_mel(frequencies)), frequencies, atol=1e-9)
    assert hz_to_mel(700.0) == pytest.approx(2595 * np.log10(2))
    assert hz_to_mel(1000.0) == pytest.approx(1000.0, abs=0.5)


def test_framing_counts_and_zero_padding():
    signal = np.arange(1, 1001, dtype=float)
    frames = frame_signal(signal, 400, 160)
    assert frames.shape == (1 + int(np.ceil((1000 - 400) / 160)), 400)  # 5 frames
    np.testing.assert_array_equal(frames[1], signal[160:560])
    last = frames[-1]
    np.testing.assert_array_equal(last[: 1000 - 640], signal[640:])
    assert np.all(last[1000 - 640 :] == 0)
    assert frame_signal(signal[:400], 400, 160).shape == (1, 400)
    assert frame_signal(signal[:401], 400, 160).shape == (2, 400)


def test_power_spectrum_parseval_and_refuses_truncation():
    frames = np.random.default_rng(0).normal(size=(3, 400))
    power = power_spectrum(frames, 512)
    assert power.shape == (3, 257)
    # Parseval with the one-sided spectrum: interior bins count twice.
    two_sided = power[:, 0] + 2 * power[:, 1:-1].sum(axis=1) + power[:, -1]
    np.testing.assert_allclose(two_sided, np.sum(frames**2, axis=1), rtol=1e-12)
    with pytest.raises(ValueError, match="n_fft=256 is shorter than the frames of 400 samples"):
        power_spectrum(frames, 256)


def test_default_n_fft_covers_the_frame_at_high_sample_rates():
    assert default_n_fft(1103) == 2048
    signal = np.random.default_rng(0).normal(size=44100)
    features = mfcc(signal, 44100)
    assert features.shape == (99, 13) and np.all(np.isfinite(features))
    with pytest.raises(ValueError, match="n_fft=512 is shorter"):
        mfcc(signal, 44100, n_fft=512)


def test_a_gain_shifts_only_the_log_energy():
    signal = SIGNALS["chirp"]
    base, louder = mfcc(signal, 16000), mfcc(10 * signal, 16000)
    np.testing.assert_allclose(louder[:, 0] - base[:, 0], 2 * np.log(10), atol=1e-9)
    np.testing.assert_allclose(louder[:, 1:], base[:, 1:], atol=1e-9)


def test_digital_silence_gives_the_energy_floor_not_minus_infinity():
    features = mfcc(np.zeros(1600), 16000)
    assert np.all(np.isfinite(features))
    np.testing.assert_allclose(features[:, 0], np.log(np.finfo(float).eps))


def test_pre_emphasis_and_lifter():
    np.testing.assert_allclose(pre_emphasis([1.0, 2.0, 4.0], 0.5), [1.0, 1.5, 3.0])
    cepstra = np.ones((2, 4))
    np.testing.assert_allclose(cepstral_lifter(cepstra, 22)[0], 1 + 11 * np.sin(np.pi * np.arange(4) / 22))
    np.testing.assert_array_equal(cepstral_lifter(cepstra, 0), cepstra)


def test_deltas_of_a_ramp_are_its_slope_away_from_the_edges():
    ramp = np.column_stack([np.arange(10.0) * 3, np.full(10, 7.0)])
    result = deltas(ramp, 2)
    np.testing.assert_allclose(result[2:-2, 0], 3.0)
    np.testing.assert_allclose(result[:, 1], 0.0)
    assert result[0, 0] < 3.0 and result[-1, 0] < 3.0  # edges are repeated


def test_cmvn():
    features = np.random.default_rng(0).normal(loc=5, scale=3, size=(50, 4))
    features[:, 3] = 2.0
    normalised = cmvn(features)
    np.testing.assert_allclose(normalised.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(normalised[:, :3].std(axis=0), 1)
    np.testing.assert_array_equal(normalised[:, 3], 0)
    np.testing.assert_allclose(cmvn(features, variance=False).std(axis=0)[:3], features.std(axis=0)[:3])
    # Near the float64 limit the sums are formed on scaled columns, so nothing overflows.
    np.testing.assert_allclose(cmvn(features * 1e306), normalised, atol=1e-12)
    np.testing.assert_allclose(cmvn(features * 1e306, variance=False) / 1e306, cmvn(features, variance=False))


def test_deltas_and_speech_detection_do_not_overflow_near_the_float64_limit():
    features = np.random.default_rng(1).normal(size=(12, 3))
    np.testing.assert_allclose(deltas(features * 1e307) / 1e307, deltas(features), rtol=1e-12)
    signal = SIGNALS["speech_with_zeros"]
    mask = active_frames(signal, 16000, dynamic_range_db=30)
    np.testing.assert_array_equal(active_frames(signal * 1e300, 16000, dynamic_range_db=30), mask)
    np.testing.assert_array_equal(active_frames(signal * 1e-300, 16000, dynamic_range_db=30), mask)


def test_active_frames_drop_silence():
    sample_rate = 8000
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(4000) / sample_rate)
    noise = 1e-3 * np.random.default_rng(0).normal(size=4000)  # about 48 dB below the tone
    signal = np.concatenate([noise, tone + noise[::-1], noise])
    mask = active_frames(signal, sample_rate, dynamic_range_db=30)
    assert mask.shape == (mfcc(signal, sample_rate).shape[0],)
    assert not mask[:45].any() and mask[55:95].all() and not mask[105:].any()
    assert active_frames(np.zeros(800), sample_rate).all()  # nothing louder than silence


def test_speech_features_shapes():
    signal = SIGNALS["speech_with_zeros"]
    n_frames = mfcc(signal, 16000).shape[0]
    assert speech_features(signal, 16000).shape == (n_frames, 39)
    assert speech_features(signal, 16000, n_deltas=0).shape == (n_frames, 13)
    assert speech_features(signal, 16000, n_deltas=1, n_cepstra=12).shape == (n_frames, 24)
    kept = speech_features(signal, 16000, dynamic_range_db=30)
    assert 0 < kept.shape[0] < n_frames
    # Deltas are computed before the silent frames are dropped.
    everything = speech_features(signal, 16000)
    mask = active_frames(signal, 16000, dynamic_range_db=30)
    np.testing.assert_array_equal(kept, everything[mask])
    normalised = speech_features(signal, 16000, dynamic_range_db=30, normalise=True)
    np.testing.assert_allclose(normalised.mean(axis=0), 0, atol=1e-10)
    # The log mel kind, on the same frames, with the log energy in front.
    log_mel = speech_features(signal, 16000, kind="log_mel", n_deltas=1, log_energy=True, dynamic_range_db=30)
    energies = log_mel_energies(signal, 16000, log_energy=True)
    np.testing.assert_array_equal(log_mel, np.hstack([energies, deltas(energies)])[mask])
    without_energy = speech_features(signal, 16000, n_deltas=0, log_energy=False)
    np.testing.assert_array_equal(without_energy, mfcc(signal, 16000, log_energy=False))


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: mfcc(np.array([]), 16000), ValueError, "at least one sample"),
        (lambda: mfcc(np.zeros((100, 2)), 16000), ValueError, "signal must be 1-D"),
        (lambda: mfcc(np.array([0.0, np.nan]), 16000), ValueError, "signal must be finite"),
        (lambda: mfcc(np.array(["a"]), 16000), TypeError, "signal must be a numeric"),
        (lambda: mfcc(np.zeros(100), 0), ValueError, "sample_rate must be > 0"),
        (lambda: mfcc(np.zeros(100), 16000, n_cepstra=30), ValueError, "n_cepstra must be <= n_filters=26"),
        (lambda: mfcc(np.zeros(100), 16000, high_freq=9000), ValueError, "high_freq <= sample_rate / 2"),
        (lambda: mfcc(np.zeros(100), 16000, preemphasis=1.5), ValueError, r"preemphasis must be in \[0, 1\]"),
        (lambda: pre_emphasis(np.zeros(100), -0.5), ValueError, r"coefficient must be >= 0"),
        (lambda: mfcc(np.zeros(100), 16000, log_energy="no"), TypeError, "log_energy must be True or False"),
        (lambda: mfcc(np.zeros(100), 16000, window="nonsense"), ValueError, "window='nonsense' is not a scipy window"),
        (lambda: mfcc(np.ones(100) * 1e300, 16000), ValueError, "signal is too loud"),
        (lambda: log_mel_energies(np.zeros(100), 16000, rounded_bins=1), TypeError, "rounded_bins must be True"),
        (lambda: cmvn(np.array([[1.0, np.inf]])), ValueError, "features must be finite; found inf at row 0, column 1"),
        (
            lambda: speech_features(np.zeros(100), 16000, kind="plp"),
            ValueError,
            "kind must be one of 'mfcc', 'log_mel'",
        ),
        (lambda: speech_features(np.zeros(100), 16000, n_deltas=True), TypeError, "n_deltas must be an integer"),
        (lambda: mfcc(np.zeros(100), 16000, frame_length=1e-5), ValueError, "less than one sample"),
        (lambda: mfcc(np.zeros(100), 16000, window=np.ones(3)), ValueError, r"shape \(400,\)"),
        (lambda: deltas(np.zeros((3, 2)), 0), ValueError, "width must be >= 1"),
        (lambda: deltas(np.zeros(3)), ValueError, r"features must be 2-D"),
        (lambda: speech_features(np.zeros(100), 16000, n_deltas=3), ValueError, "n_deltas must be 0, 1 or 2"),
    ],
)
def test_errors_name_the_parameter(call, error, message):
    with pytest.raises(error, match=message):
        call()
