"""Your data for the assignments, made from your seed.

Every student gets a different data set: the notebook's ``seed`` parameter feeds these functions, and
the grader calls them with the same seed to work out the answers it expects from you. Each call makes the
data afresh, so nothing you do to one copy changes another. Read them if you are curious; do not
change them (the grader uses its own copy).
"""

import pathlib
from dataclasses import dataclass

import numpy as np


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (the notebook's parameter), got {seed!r}")
    return int(seed)


# A1 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MixtureData:
    """Samples of a Gaussian mixture, and a starting point for EM.

    Attributes
    ----------
    X : ndarray of shape (n_samples, 2)
    weights, means, covariances : ndarray of shape (3,), (3, 2), (3, 2, 2)
        Starting parameters: equal weights, means at three data points, every covariance the
        covariance of the whole data set.
    """

    X: np.ndarray
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray


def mixture_data(seed, n_samples=400):
    """A1: ``n_samples`` points in 2-D from a mixture of three Gaussians, and starting parameters."""
    rng = np.random.default_rng([_check_seed(seed), 1])
    n_components = 3
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi / n_components * np.arange(n_components)
    means = 5.0 * np.column_stack([np.cos(angles), np.sin(angles)]) + rng.normal(scale=0.5, size=(n_components, 2))
    factors = rng.normal(scale=0.6, size=(n_components, 2, 2))
    covariances = factors @ np.swapaxes(factors, 1, 2) + 0.4 * np.eye(2)
    weights = rng.dirichlet(np.full(n_components, 8.0))
    labels = rng.choice(n_components, size=n_samples, p=weights)
    noise = np.einsum("nij,nj->ni", np.linalg.cholesky(covariances)[labels], rng.standard_normal((n_samples, 2)))
    X = means[labels] + noise
    return MixtureData(
        X=X,
        weights=np.full(n_components, 1.0 / n_components),
        means=X[rng.choice(n_samples, size=n_components, replace=False)].copy(),
        covariances=np.tile(np.cov(X.T, bias=True), (n_components, 1, 1)),
    )


# A2 -------------------------------------------------------------------------------------------

#: The words every speaker says; takes 0 and 1 of each train the models, 2 and 3 test them.
SPEECH_WORDS = ("a", "i", "u", "ai", "eo")
SPEECH_SPEAKERS = 4
SPEECH_TAKES = 4
TRAINING_TAKES = 2


@dataclass(frozen=True)
class Recording:
    """One WAV file of the speech corpus: ``{word}_{speaker}_{take}.wav``."""

    path: pathlib.Path
    speaker: str
    word: str
    take: int

    @property
    def training(self):
        """Takes 0 and 1 train the speaker models; the others test them."""
        return self.take < TRAINING_TAKES


def _speech_corpus(seed, directory=None):
    from gmmlib.speech import generate_corpus  # here, as A1 and A3 need none of gmmlib.speech (slow to import)

    return generate_corpus(
        directory,
        n_speakers=SPEECH_SPEAKERS,
        words=SPEECH_WORDS,
        n_utterances=SPEECH_TAKES,
        seed=_check_seed(seed),
    )


def write_speech_corpus(seed, folder):
    """A2: write your corpus as 16-bit WAV files into ``folder``; return its recordings, sorted.

    Four synthetic speakers (:func:`gmmlib.speech.generate_corpus`) each say five words, four times.
    """
    corpus = _speech_corpus(seed, folder)
    return [
        Recording(pathlib.Path(folder) / u.name, u.speaker, u.label, u.index)
        for u in sorted(corpus.utterances, key=lambda u: u.name)
    ]


def speech_signals(seed):
    """The corpus in memory, ``{file name: (sample_rate, signal)}``: the grader's copy of your WAV files."""
    corpus = _speech_corpus(seed)
    return {u.name: (corpus.sample_rate, u.signal) for u in corpus.utterances}


# A3 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackingScene:
    """Objects moving with constant velocity, seen through point detections among uniform clutter.

    Attributes
    ----------
    detections : list of ndarray of shape (n_detections_t, 2)
        Frame by frame, in random order: about ``points_per_object`` points around each object,
        and clutter points uniform over the region.
    truth : ndarray of shape (n_frames, n_objects, 2)
        True positions.
    transition, process_covariance : ndarray of shape (4, 4)
        ``F`` and ``Q`` of the constant-velocity model, state ``(p_x, p_y, v_x, v_y)``.
    measurement_covariance : ndarray of shape (2, 2)
        ``R``, the covariance of a detection about its object's position.
    area : float
        ``V``, the area of the region the clutter is uniform over.
    initial_means : ndarray of shape (n_objects, 4)
        A rough first guess of each object's state (position off by a few units, velocity 0).
    initial_covariances : ndarray of shape (n_objects, 4, 4)
        Its uncertainty.
    """

    detections: list
    truth: np.ndarray
    transition: np.ndarray
    process_covariance: np.ndarray
    measurement_covariance: np.ndarray
    area: float
    initial_means: np.ndarray
    initial_covariances: np.ndarray


def tracking_scene(seed, n_frames=25, n_objects=3):
    """A3: a scene of ``n_frames`` frames with ``n_objects`` objects, all present throughout."""
    rng = np.random.default_rng([_check_seed(seed), 3])
    size, sigma, points_per_object, clutter_per_frame, q = 100.0, 1.0, 6.0, 20.0, 0.01
    identity, zero = np.eye(2), np.zeros((2, 2))
    transition = np.block([[identity, identity], [zero, identity]])
    process_covariance = q * np.block([[identity / 3, identity / 2], [identity / 2, identity]])
    # Start on a circle around the centre, heading roughly inwards, so that paths come close.
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi / n_objects * np.arange(n_objects)
    starts = size / 2 + 0.3 * size * np.column_stack([np.cos(angles), np.sin(angles)])
    headings = angles + np.pi + rng.uniform(-0.6, 0.6, size=n_objects)
    velocities = rng.uniform(0.8, 1.4, size=(n_objects, 1)) * np.column_stack([np.cos(headings), np.sin(headings)])
    states = np.hstack([starts, velocities])
    noise_factor = np.linalg.cholesky(process_covariance)
    truth, detections = np.empty((n_frames, n_objects, 2)), []
    for t in range(n_frames):
        if t > 0:
            states = states @ transition.T + rng.standard_normal((n_objects, 4)) @ noise_factor.T
        truth[t] = states[:, :2]
        counts = rng.poisson(points_per_object, size=n_objects)
        points = np.repeat(truth[t], counts, axis=0) + sigma * rng.standard_normal((counts.sum(), 2))
        clutter = size * rng.uniform(size=(rng.poisson(clutter_per_frame), 2))
        frame = np.vstack([points, clutter])
        detections.append(frame[rng.permutation(len(frame))])
    initial_means = np.hstack([truth[0] + rng.normal(scale=2.0, size=(n_objects, 2)), np.zeros((n_objects, 2))])
    return TrackingScene(
        detections=detections,
        truth=truth,
        transition=transition,
        process_covariance=process_covariance,
        measurement_covariance=sigma**2 * identity,
        area=size**2,
        initial_means=initial_means,
        initial_covariances=np.tile(np.diag([9.0, 9.0, 1.0, 1.0]), (n_objects, 1, 1)),
    )
