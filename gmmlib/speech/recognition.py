"""Classifying utterances with one GMM per class (speaker or word), scored on their frames.

An utterance ``X = (x_1 .. x_T)`` goes to the class whose model gives the highest summed frame
log-likelihood (frames treated as independent, Reynolds 1995):

    c* = argmax_c sum_t log p(x_t | lambda_c).

Used in ``notebooks/04_speech_mfcc.ipynb``.
"""

import numpy as np

from .._validation import _describe, check_random_state, check_scalar
from ..mixture import GaussianMixture


def subsample_rows(X, max_rows, rng):
    """``X`` itself if it has at most ``max_rows`` rows, else that many distinct rows drawn at random, in order.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
    max_rows : int or None
        None keeps every row.
    rng : numpy.random.Generator

    Returns
    -------
    subset : ndarray of shape (min(n_rows, max_rows), n_features)
    """
    if max_rows is None or len(X) <= max_rows:
        return X
    check_scalar(max_rows, "max_rows", int, minimum=1)
    return X[np.sort(rng.choice(len(X), size=max_rows, replace=False))]


def fit_class_models(features, classes, *, max_frames=None, random_state=None, **params):
    """One :class:`gmmlib.GaussianMixture` per class, fitted on the frames of its utterances.

    Parameters
    ----------
    features : sequence of array-like of shape (n_frames_i, n_features)
        One array per utterance.
    classes : sequence of str, same length as ``features``
        Each utterance's class.
    max_frames : int or None, default=None
        Fit each model on at most this many of its frames, drawn at random (bounds the run time on
        a large corpus); None uses every frame.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, default=None
        Seeds the frame subsets and each model's initialisation; an int gives every model the
        same seed, so a model does not depend on the other classes.
    **params
        Passed to :class:`gmmlib.GaussianMixture` (``n_components``, ``covariance_type``, ...).

    Returns
    -------
    models : dict of str to GaussianMixture
        In sorted class order.

    Examples
    --------
    Utterances of two classes whose 2-D frames lie around different centres; one model per class,
    then each utterance goes to the class whose model gives its frames the highest likelihood:

    >>> import numpy as np
    >>> from gmmlib.speech import classify, fit_class_models
    >>> rng = np.random.default_rng(0)
    >>> features = [rng.normal(centre, 1.0, size=(40, 2)) for centre in (0, 0, 0, 5, 5, 5)]
    >>> classes = ["low", "low", "low", "high", "high", "high"]
    >>> models = fit_class_models(features, classes, n_components=2, random_state=0)
    >>> list(models)
    ['high', 'low']
    >>> classify(models, [rng.normal(5, 1.0, size=(30, 2)), rng.normal(0, 1.0, size=(30, 2))])
    ['high', 'low']
    """
    classes = list(classes)
    if len(classes) != len(features):
        raise ValueError(f"classes must have one entry per utterance ({len(features)}), got {len(classes)}")
    if not classes:
        raise ValueError("features must hold at least one utterance, got none")
    models = {}
    for name in sorted(set(classes)):
        rng = check_random_state(random_state)
        frames = subsample_rows(np.vstack([f for f, c in zip(features, classes) if c == name]), max_frames, rng)
        models[name] = GaussianMixture(random_state=random_state, **params).fit(frames)
    return models


def utterance_log_likelihoods(models, features):
    """``sum_t log p(x_t | model)`` for every utterance and model.

    Parameters
    ----------
    models : dict of str to fitted GaussianMixture
    features : sequence of array-like of shape (n_frames_i, n_features)
        Each utterance with at least one frame.

    Returns
    -------
    scores : ndarray of shape (n_utterances, n_models)
        Columns in the order of ``models``.
    """
    lengths = np.array([len(f) for f in features])
    if lengths.size == 0 or np.any(lengths < 1):
        raise ValueError(
            "features must be a non-empty sequence of utterances with at least one frame each; "
            f"got frame counts {_describe(lengths)}"
        )
    frames = np.vstack(features)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    # Summed in float64: a float32 model's frame scores would round over long utterances.
    return np.column_stack(
        [np.add.reduceat(model.score_samples(frames).astype(np.float64), starts) for model in models.values()]
    )


def classify(models, features):
    """The class of each utterance, ``argmax`` of :func:`utterance_log_likelihoods`.

    Parameters
    ----------
    models : dict of str to fitted GaussianMixture
        For example from :func:`fit_class_models`.
    features : sequence of array-like of shape (n_frames_i, n_features)
        Each utterance with at least one frame.

    Returns
    -------
    predicted : list of str
        The key in ``models`` of each utterance's best-scoring model; see :func:`fit_class_models`
        for an example.
    """
    names = list(models)
    return [names[k] for k in np.argmax(utterance_log_likelihoods(models, features), axis=1)]


def confusion_matrix(true, predicted, classes):
    """Counts ``C[i, j]`` of utterances of class ``classes[i]`` classified as ``classes[j]``.

    Parameters
    ----------
    true, predicted : sequence of str, same length
    classes : sequence of str
        Every value of ``true`` and ``predicted`` must be one of them.

    Returns
    -------
    matrix : ndarray of int, shape (n_classes, n_classes)
    """
    position = {name: k for k, name in enumerate(classes)}
    if len(true) != len(predicted):
        raise ValueError(f"true and predicted must have the same length, got {len(true)} and {len(predicted)}")
    unknown = sorted((set(true) | set(predicted)) - set(position))
    if unknown:
        raise ValueError(f"classes must hold every true and predicted class; missing {unknown!r}")
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(matrix, ([position[t] for t in true], [position[p] for p in predicted]), 1)
    return matrix
