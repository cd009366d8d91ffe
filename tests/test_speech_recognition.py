"""Per-class GMMs scored on utterance frames, the confusion matrix, and the speech plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gmmlib import GaussianMixture
from gmmlib.speech import plotting
from gmmlib.speech.features import mel_filterbank, mfcc
from gmmlib.speech.recognition import (
    classify,
    confusion_matrix,
    fit_class_models,
    subsample_rows,
    utterance_log_likelihoods,
)


def utterances(rng, centre, n_utterances=6):
    return [centre + rng.normal(size=(int(rng.integers(5, 30)), 2)) for _ in range(n_utterances)]


@pytest.fixture(scope="module")
def two_classes():
    rng = np.random.default_rng(0)
    features = utterances(rng, [0.0, 0.0]) + utterances(rng, [3.0, 1.0])
    return features, ["x"] * 6 + ["y"] * 6


def test_scores_are_summed_frame_log_likelihoods(two_classes):
    features, classes = two_classes
    models = fit_class_models(features, classes, n_components=2, random_state=0)
    assert list(models) == ["x", "y"]
    scores = utterance_log_likelihoods(models, features)
    assert scores.shape == (12, 2)
    for row, frames in zip(scores, features):
        np.testing.assert_allclose(row, [models[c].score_samples(frames).sum() for c in models], rtol=1e-12)
    assert classify(models, features) == classes


def test_fit_class_models_is_reproducible_and_subsamples(two_classes):
    features, classes = two_classes
    first = fit_class_models(features, classes, n_components=2, random_state=3, max_frames=20)
    second = fit_class_models(features, classes, n_components=2, random_state=3, max_frames=20)
    for name in first:
        np.testing.assert_array_equal(first[name].means_, second[name].means_)
    # The model of one class does not depend on the other classes.
    alone = fit_class_models(features[:6], classes[:6], n_components=2, random_state=3, max_frames=20)
    np.testing.assert_array_equal(alone["x"].means_, first["x"].means_)
    with pytest.raises(ValueError, match="one entry per utterance"):
        fit_class_models(features, classes[:3])


def test_subsample_rows():
    X = np.arange(20.0).reshape(10, 2)
    assert subsample_rows(X, None, np.random.default_rng(0)) is X
    assert subsample_rows(X, 10, np.random.default_rng(0)) is X
    subset = subsample_rows(X, 4, np.random.default_rng(0))
    assert subset.shape == (4, 2) and len(np.unique(subset[:, 0])) == 4
    assert np.all(np.diff(subset[:, 0]) > 0)  # in the original order


def test_utterance_log_likelihoods_refuses_empty_utterances():
    model = GaussianMixture(1).fit(np.random.default_rng(0).normal(size=(10, 2)))
    with pytest.raises(ValueError, match="at least one frame each"):
        utterance_log_likelihoods({"a": model}, [np.zeros((3, 2)), np.zeros((0, 2))])


def test_confusion_matrix():
    matrix = confusion_matrix(["a", "a", "b", "c"], ["a", "b", "b", "a"], ["a", "b", "c"])
    np.testing.assert_array_equal(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"missing \['d'\]"):
        confusion_matrix(["a"], ["d"], ["a", "b"])
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix(["a"], [], ["a"])


def test_plots_return_their_artists_and_label_the_axes():
    signal = np.sin(2 * np.pi * 300 * np.arange(4000) / 8000)
    fig, axes = plt.subplots(5)
    line = plotting.plot_waveform(signal, 8000, ax=axes[0])
    assert line.get_xdata()[-1] == pytest.approx(3999 / 8000)
    mesh = plotting.plot_spectrogram(signal, 8000, ax=axes[1])
    assert mesh.get_array().max() == 0 and mesh.get_array().min() >= -80
    lines = plotting.plot_filterbank(mel_filterbank(26, 512, 8000), 8000, ax=axes[2])
    assert len(lines) == 26 and lines[0].get_xdata()[-1] == 4000
    image = plotting.plot_features(mfcc(signal, 8000), ax=axes[3])
    assert image.get_array().shape == (13, 49)
    image = plotting.plot_confusion_matrix(np.array([[3, 1], [0, 4]]), ["a", "b"], ax=axes[4])
    assert [t.get_text() for t in axes[4].texts] == ["3", "1", "4"]
    assert axes[4].get_xlabel() == "predicted" and axes[1].get_ylabel() == "frequency (Hz)"
    plt.close(fig)
