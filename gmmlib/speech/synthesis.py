"""Speech-like audio from a source-filter model, deterministic from a seed.

A word is a sequence of vowels. Each utterance is (Fant 1960; Klatt 1980):

    source   Rosenberg glottal pulses at the speaker's F0 (declining over the utterance), with
             cycle-to-cycle jitter of the period and shimmer of the amplitude, differentiated for
             lip radiation, plus aspiration noise during the open phase;
    filter   a cascade of five two-pole resonators at the formant frequencies F1..F5, which move
             from one vowel's targets to the next every 5 ms;
    speaker  formants multiplied by a vocal-tract length factor and small per-formant offsets,
             its own F0, glottal open quotient, jitter, shimmer, breathiness and bandwidths;
    channel  silence before and after, white noise at a chosen SNR, a random gain, 16-bit samples.

:func:`generate_corpus` writes them as ``{word}_{speaker}_{index}.wav`` (the Free Spoken Digit
Dataset's naming) or returns them in memory. Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

from dataclasses import dataclass

import numpy as np
from scipy import signal as sp_signal

from .._validation import _describe, check_scalar
from ..outputs import generated_folder
from .audio import Corpus, Utterance, write_wav

#: F1..F3 in Hz of five vowels, adult male averages of Peterson and Barney (1952).
VOWEL_FORMANTS = {
    "a": (730.0, 1090.0, 2440.0),
    "e": (530.0, 1840.0, 2480.0),
    "i": (270.0, 2290.0, 3010.0),
    "o": (570.0, 840.0, 2410.0),
    "u": (300.0, 870.0, 2240.0),
}
#: F4 and F5 in Hz, shared by every vowel.
HIGHER_FORMANTS = (3400.0, 4200.0)
#: Bandwidths of F1..F5 in Hz.
BANDWIDTHS = (70.0, 100.0, 140.0, 220.0, 300.0)
#: Five one-vowel words and three vowel sequences.
DEFAULT_WORDS = ("a", "e", "i", "o", "u", "ai", "ua", "eo")
#: Formant frequencies are updated this often, in seconds (as in Klatt's synthesiser).
BLOCK_SECONDS = 0.005


@dataclass(frozen=True)
class Speaker:
    """The voice of one synthetic speaker.

    Attributes
    ----------
    name : str
    f0 : float
        Mean fundamental frequency in Hz.
    formant_scale : float
        Vocal-tract length factor: every formant frequency is multiplied by it (a shorter tract,
        a larger factor).
    formant_offsets : tuple of 5 float
        The speaker's own factor on each of F1..F5.
    bandwidth_scale : float
        Factor on the formant bandwidths.
    open_quotient : float
        Fraction of a glottal cycle during which the glottis is open (shapes the spectral tilt).
    jitter : float
        Relative standard deviation of the pitch period from cycle to cycle.
    shimmer : float
        Relative standard deviation of the pulse amplitude from cycle to cycle.
    breathiness : float
        Aspiration noise relative to the voiced excitation.
    """

    name: str
    f0: float
    formant_scale: float
    formant_offsets: tuple
    bandwidth_scale: float
    open_quotient: float
    jitter: float
    shimmer: float
    breathiness: float


def make_speakers(n_speakers, seed=0):
    """``n_speakers`` distinct voices named ``spk01``, ``spk02``, ...

    The vocal-tract factors are spread evenly over [0.86, 1.2] (from long adult male to short
    child-like tracts) and assigned in a random order; F0 rises with the factor, as it does
    across men, women and children, and every other trait is drawn independently.

    Parameters
    ----------
    n_speakers : int
    seed : int, default=0

    Returns
    -------
    speakers : list of Speaker
    """
    check_scalar(n_speakers, "n_speakers", int, minimum=1)
    check_scalar(seed, "seed", int, minimum=0)
    rng = np.random.default_rng([seed, n_speakers])
    scales = rng.permutation(np.linspace(0.86, 1.2, n_speakers))
    speakers = []
    for number, scale in enumerate(scales, start=1):
        speakers.append(
            Speaker(
                name=f"spk{number:02d}",
                f0=float(100.0 * (scale / 0.86) ** 2.5 * rng.uniform(0.9, 1.1)),
                formant_scale=float(scale),
                formant_offsets=tuple(float(v) for v in rng.normal(1.0, 0.04, size=5)),
                bandwidth_scale=float(rng.uniform(0.8, 1.3)),
                open_quotient=float(rng.uniform(0.45, 0.75)),
                jitter=float(rng.uniform(0.005, 0.02)),
                shimmer=float(rng.uniform(0.02, 0.08)),
                breathiness=float(rng.uniform(0.01, 0.1)),
            )
        )
    return speakers


def rosenberg_pulse(phase, open_quotient):
    """Glottal flow over one cycle (Rosenberg 1971): a raised-cosine opening, a quarter-cosine closing.

    Parameters
    ----------
    phase : ndarray
        Position within the cycle, in [0, 1).
    open_quotient : float
        Open fraction of the cycle; opening takes 70 % of it, closing 30 %.

    Returns
    -------
    flow : ndarray, same shape as ``phase``, in [0, 1]
    """
    opening, closing = 0.7 * open_quotient, 0.3 * open_quotient
    flow = np.zeros_like(phase)
    rising = phase < opening
    flow[rising] = 0.5 * (1 - np.cos(np.pi * phase[rising] / opening))
    falling = (phase >= opening) & (phase < open_quotient)
    flow[falling] = np.cos(0.5 * np.pi * (phase[falling] - opening) / closing)
    return flow


def formant_filter(source, formants, bandwidths, sample_rate, block_length):
    """Cascade of two-pole resonators whose frequencies change at every block.

    Each resonator is ``y[n] = g x[n] + 2 r cos(theta) y[n-1] - r^2 y[n-2]`` with
    ``theta = 2 pi F / sample_rate``, ``r = exp(-pi B / sample_rate)`` and ``g`` giving unit gain
    at 0 Hz (Klatt 1980). When the coefficients change, each section restarts from its own last two
    outputs, so a moving formant glides without clicks.

    Parameters
    ----------
    source : ndarray of shape (n_samples,)
    formants, bandwidths : ndarray of shape (n_blocks, n_formants)
        In Hz, one row per block; every frequency below ``sample_rate / 2``.
    sample_rate : float
    block_length : int
        Samples per block; ``n_blocks * block_length >= n_samples``.

    Returns
    -------
    output : ndarray of shape (n_samples,)
    """
    radius = np.exp(-np.pi * bandwidths / sample_rate)
    a1 = -2.0 * radius * np.cos(2.0 * np.pi * formants / sample_rate)
    a2 = radius**2
    sections = np.zeros((*formants.shape, 6))
    sections[..., 0] = 1.0 + a1 + a2
    sections[..., 3] = 1.0
    sections[..., 4] = a1
    sections[..., 5] = a2
    last, before_last = np.zeros(formants.shape[1]), np.zeros(formants.shape[1])
    output = np.empty_like(source)
    for block in range(formants.shape[0]):
        start = block * block_length
        chunk = source[start : start + block_length]
        if chunk.size == 0:
            break
        b1, b2 = a1[block], a2[block]
        # Transposed direct-form state of an all-pole section from its last two outputs.
        state = np.column_stack([-b1 * last - b2 * before_last, -b2 * last])
        output[start : start + chunk.size], state = sp_signal.sosfilt(sections[block], chunk, zi=state)
        last = -state[:, 1] / b2
        before_last = -(state[:, 0] + b1 * last) / b2
    return output


def _raised_cosine_envelope(n_samples, ramp):
    envelope = np.ones(n_samples)
    ramp = min(ramp, n_samples // 2)
    if ramp > 0:
        rise = 0.5 * (1 - np.cos(np.pi * np.arange(ramp) / ramp))
        envelope[:ramp] = rise
        envelope[n_samples - ramp :] = rise[::-1]
    return envelope


def synthesize_word(word, speaker, sample_rate, rng, snr_db=30.0):
    """One utterance of ``word`` (a string of vowels from :data:`VOWEL_FORMANTS`) by ``speaker``.

    Every call draws new durations, pitch, formant targets (+-2 %), silences, noise and gain from
    ``rng``, as a new take by the same speaker.

    Parameters
    ----------
    word : str
        Vowels, for example "ai".
    speaker : Speaker
    sample_rate : int
        In Hz, at least 8000.
    rng : numpy.random.Generator
    snr_db : float, default=30.0
        Ratio of the voiced part's mean power to the white noise's, in dB.

    Returns
    -------
    signal : ndarray of shape (n_samples,)
        Peak amplitude between 0.3 and 0.8.
    """
    _check_word(word)
    check_scalar(sample_rate, "sample_rate", int, minimum=8000)
    check_scalar(snr_db, "snr_db", float)
    # Timing: steady vowels joined by 60 ms glides.
    steady = rng.uniform(0.28, 0.40, size=1) if len(word) == 1 else rng.uniform(0.14, 0.22, size=len(word))
    glide = 0.06
    starts = np.concatenate([[0.0], np.cumsum(steady[:-1] + glide)])
    ends = starts + steady
    n_voiced = round(ends[-1] * sample_rate)
    block_length = round(BLOCK_SECONDS * sample_rate)
    n_blocks = -(-n_voiced // block_length)
    block_times = (np.arange(n_blocks) + 0.5) * block_length / sample_rate
    # Formant tracks: each vowel's targets held over its steady part, linear glides between.
    targets = np.array([VOWEL_FORMANTS[vowel] + HIGHER_FORMANTS for vowel in word])
    targets *= speaker.formant_scale * np.asarray(speaker.formant_offsets)
    targets *= rng.normal(1.0, 0.02, size=targets.shape)
    knots = np.column_stack([starts, ends]).ravel()
    tracks = np.column_stack(
        [np.interp(block_times, knots, np.repeat(targets[:, k], 2)) for k in range(targets.shape[1])]
    )
    keep = tracks.max(axis=0) < 0.45 * sample_rate  # F4, F5 (or F3) above 0.45 fs are left out
    tracks = tracks[:, keep]
    widths = np.broadcast_to(np.asarray(BANDWIDTHS)[keep] * speaker.bandwidth_scale, tracks.shape)
    # Source: jittered, shimmering Rosenberg pulses on a declining pitch contour.
    time = np.arange(n_voiced) / sample_rate
    f0 = speaker.f0 * rng.uniform(0.93, 1.07) * np.linspace(1.06, 0.94, n_voiced)
    f0 *= 1 + 0.02 * np.sin(2 * np.pi * rng.uniform(2, 4) * time + rng.uniform(0, 2 * np.pi))
    period = int(sample_rate / f0.mean())
    jitter = np.repeat(rng.normal(size=n_voiced // period + 1), period)[:n_voiced]
    phase = np.cumsum(f0 * (1 + speaker.jitter * jitter) / sample_rate)
    cycle = phase.astype(np.int64)
    shimmer = 1 + speaker.shimmer * rng.normal(size=cycle[-1] + 1)
    flow = shimmer[cycle] * rosenberg_pulse(phase - cycle, speaker.open_quotient)
    excitation = np.diff(flow, prepend=0.0)
    excitation += speaker.breathiness * excitation.std() * (0.2 + flow) * rng.normal(size=n_voiced)
    excitation *= _raised_cosine_envelope(n_voiced, int(0.03 * sample_rate))
    voiced = formant_filter(excitation, tracks, widths, sample_rate, block_length)
    # Channel: silences, noise at the SNR, gain.
    lead, trail = (int(rng.uniform(0.05, 0.15) * sample_rate) for _ in range(2))
    signal = np.concatenate([np.zeros(lead), voiced, np.zeros(trail)])
    noise_power = np.mean(voiced**2) / 10 ** (snr_db / 10)
    signal += np.sqrt(noise_power) * rng.normal(size=signal.size)
    return signal * rng.uniform(0.3, 0.8) / np.abs(signal).max()


def _check_word(word):
    if not isinstance(word, str) or not word or any(vowel not in VOWEL_FORMANTS for vowel in word):
        raise ValueError(
            f"each word must be a non-empty string of the vowels {''.join(VOWEL_FORMANTS)}, got {_describe(word)}"
        )


def generate_corpus(
    directory=None, *, n_speakers=6, words=DEFAULT_WORDS, n_utterances=10, sample_rate=16000, snr_db=30.0, seed=0
):
    """A corpus of ``n_speakers x len(words) x n_utterances`` synthetic utterances.

    Utterance ``(speaker, word, index)`` depends only on ``seed``, ``n_speakers``, the speaker's
    number, the word, the index, ``sample_rate`` and ``snr_db``, so asking for more utterances or
    words keeps the existing ones.
    Samples are on the 16-bit grid, so the in-memory corpus equals the one read back from
    ``directory``.

    Parameters
    ----------
    directory : str, path-like or None, default=None
        If given, each utterance is also written there as ``{word}_{speaker}_{index}.wav``,
        16-bit mono, into a folder that gmmlib generates (:func:`gmmlib.outputs.generated_folder`):
        created if needed, emptied of an earlier corpus first, so that no file of a larger earlier
        run is read back as this run's.
    n_speakers : int, default=6
    words : sequence of str, default=DEFAULT_WORDS
        Vowel strings (see :func:`synthesize_word`), distinct.
    n_utterances : int, default=10
        Takes per speaker and word, indexed from 0.
    sample_rate : int, default=16000
    snr_db : float, default=30.0
    seed : int, default=0

    Returns
    -------
    Corpus
        With ``skipped`` empty.

    Raises
    ------
    gmmlib.outputs.NotGeneratedError
        If ``directory`` is a file, or a non-empty folder gmmlib did not generate (nothing is removed).

    Examples
    --------
    Two speakers saying the vowel word "ai" twice each, in memory (pass ``directory`` to also write
    the WAV files):

    >>> from gmmlib.speech import generate_corpus
    >>> corpus = generate_corpus(n_speakers=2, words=("ai",), n_utterances=2, sample_rate=8000)
    >>> [u.name for u in corpus.utterances]
    ['ai_spk01_0.wav', 'ai_spk01_1.wav', 'ai_spk02_0.wav', 'ai_spk02_1.wav']
    >>> corpus.sample_rate, corpus.speakers
    (8000, ['spk01', 'spk02'])
    """
    check_scalar(n_utterances, "n_utterances", int, minimum=1)
    words = list(words)
    for word in words:
        _check_word(word)
    if len(set(words)) != len(words) or not words:
        raise ValueError(f"words must be a non-empty sequence of distinct words, got {words!r}")
    speakers = make_speakers(n_speakers, seed)
    if directory is not None:
        directory = generated_folder(directory, clear=True)
    utterances = []
    for s, speaker in enumerate(speakers):
        for word in words:
            for index in range(n_utterances):
                rng = np.random.default_rng([seed, n_speakers, s, index, *map(ord, word)])
                signal = np.round(synthesize_word(word, speaker, sample_rate, rng, snr_db) * 32768) / 32768
                name = f"{word}_{speaker.name}_{index}.wav"
                if directory is not None:
                    write_wav(directory / name, signal, sample_rate)
                utterances.append(Utterance(word, speaker.name, index, name, signal))
    utterances.sort(key=lambda u: (u.speaker, u.label, u.index))
    return Corpus(utterances, sample_rate, [])
