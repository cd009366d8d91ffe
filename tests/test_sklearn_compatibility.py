"""GaussianMixture as scikit-learn users expect it: estimator checks, partial starts, feature names."""

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import COVARIANCE_TYPES, well_separated_blobs
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.utils.estimator_checks import parametrize_with_checks

from gmmlib import EmptyComponentWarning, FeatureNamesWarning, GaussianMixture, map_adapt

# Checks gmmlib fails on purpose, each with the reason.
EXPECTED_FAILED_CHECKS = {
    "check_estimators_unfitted": (
        "gmmlib raises its own NotFittedError (a ValueError and AttributeError, like scikit-learn's, but not a "
        "subclass of it: gmmlib has no run-time dependency on scikit-learn)"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "k-means++ draws its seeds among the rows, so shuffled weighted rows and repeated rows start differently; "
        "from the same start they give the same fit (test_mixture.py::test_integer_sample_weight_equals_repeated_rows)"
    ),
    "check_array_api_input": "gmmlib computes with numpy only; array API namespaces (torch, cupy) are not supported",
}


with warnings.catch_warnings():  # scikit-learn notes, at collection, that gmmlib does not subclass its BaseEstimator
    warnings.filterwarnings("ignore", message="Estimator GaussianMixture does not inherit from")
    estimator_checks = parametrize_with_checks(
        [GaussianMixture(n_components=2)], expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS
    )


@estimator_checks
@pytest.mark.filterwarnings("ignore:Estimator GaussianMixture does not inherit from")
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


# -- a partial start is scikit-learn's --------------------------------------------------------------
GIVEN = ("weights_init", "means_init", "precisions_init")


def given_parts(X, labels, covariance_type, rng):
    """Starting parts unlike those the labels give, so that a part taken from the wrong place shows."""
    n_components, n_features = labels.max() + 1, X.shape[1]
    means = np.array([X[labels == k].mean(axis=0) for k in range(n_components)]) + rng.normal(size=(3, n_features))
    precisions = {
        "full": np.array([np.eye(n_features) * (k + 1) for k in range(n_components)]),
        "tied": 0.5 * np.eye(n_features),
        "diag": rng.uniform(0.5, 2, size=(n_components, n_features)),
        "spherical": rng.uniform(0.5, 2, size=n_components),
    }[covariance_type]
    return {"weights_init": np.array([0.2, 0.3, 0.5]), "means_init": means, "precisions_init": precisions}


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize(
    "given", [parts for size in range(4) for parts in itertools.combinations(GIVEN, size)], ids="+".join
)
def test_partial_start_and_result_are_scikit_learns(covariance_type, given, monkeypatch):
    """The missing parts come from one M-step on the initial responsibilities, as in scikit-learn."""
    rng = np.random.default_rng(3)
    X = well_separated_blobs(rng, (60, 50, 40))
    labels = rng.integers(0, 3, size=len(X))  # the same (poor) initial assignment for both libraries
    monkeypatch.setattr(GaussianMixture, "_initial_assignment", lambda self, X, sample_weight, rng: labels)
    one_hot = np.eye(3)[labels]
    monkeypatch.setattr(
        SklearnGaussianMixture,
        "_initialize_parameters",
        lambda self, X, random_state, xp=None: self._initialize(X, one_hot),
    )
    parts = {name: value for name, value in given_parts(X, labels, covariance_type, rng).items() if name in given}
    for max_iter in (1, 25):
        settings = dict(covariance_type=covariance_type, tol=0, max_iter=max_iter, **parts)
        ours = GaussianMixture(3, **settings)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SklearnConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            theirs = SklearnGaussianMixture(3, **settings).fit(X)
            ours.fit(X)
        for name in ("weights_", "means_", "covariances_"):
            np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-8, atol=1e-10, err_msg=name)


def test_two_given_means_in_one_cluster_still_find_both_clusters():
    """Given only means_init, both close together: the start's spread comes from the data, as in scikit-learn."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, size=(200, 2)), rng.normal(10, 1, size=(200, 2))])
    means_init = [[0.0, 0.0], [0.5, 0.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyComponentWarning)
        ours = GaussianMixture(2, means_init=means_init, random_state=0).fit(X)
    theirs = SklearnGaussianMixture(2, means_init=means_init, random_state=0).fit(X)
    order, their_order = np.argsort(ours.means_[:, 0]), np.argsort(theirs.means_[:, 0])
    np.testing.assert_allclose(ours.means_[order], theirs.means_[their_order], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ours.weights_[order], [0.5, 0.5], atol=0.01)


def test_a_component_that_dies_is_reported():
    X = well_separated_blobs(np.random.default_rng(1))
    with pytest.warns(EmptyComponentWarning, match=r"component\(s\) \[1\] of 2 ended with almost no responsibility"):
        model = GaussianMixture(2, weights_init=[1.0, 0.0], random_state=0).fit(X)
    assert model.weights_[1] < 1e-10


# -- feature names ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frame():
    X = well_separated_blobs(np.random.default_rng(2))
    return pd.DataFrame(X, columns=["height", "weight", "age"])


def test_names_are_recorded_and_checked(frame):
    model = GaussianMixture(3, random_state=0).fit(frame)
    assert list(model.feature_names_in_) == ["height", "weight", "age"]
    assert model.feature_names_in_.dtype == object
    plain = GaussianMixture(3, random_state=0).fit(frame.to_numpy())
    np.testing.assert_array_equal(model.predict(frame), plain.predict(frame.to_numpy()))
    reordered = frame[["age", "height", "weight"]]
    for method in (model.predict, model.predict_proba, model.score, model.score_samples, model.bic, model.aic):
        with pytest.raises(ValueError, match="Feature names must be in the same order as they were in fit"):
            method(reordered)
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- years\n"):
        model.score(frame.rename(columns={"age": "years"}))


def test_missing_or_unexpected_names_warn(frame):
    model = GaussianMixture(3, random_state=0).fit(frame)
    with pytest.warns(FeatureNamesWarning, match="X does not have valid feature names"):
        model.predict(frame.to_numpy())
    plain = GaussianMixture(3, random_state=0).fit(frame.to_numpy())
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(FeatureNamesWarning, match="X has feature names, but GaussianMixture was fitted without"):
        plain.predict(frame)
    refitted = model.fit(frame.to_numpy())
    assert not hasattr(refitted, "feature_names_in_")


def test_only_string_names_count(frame):
    numbered = frame.set_axis([0, 1, 2], axis=1)
    assert not hasattr(GaussianMixture(3, random_state=0).fit(numbered), "feature_names_in_")
    mixed = frame.set_axis(["height", 1, "age"], axis=1)
    with pytest.raises(TypeError, match="column names must all be strings"):
        GaussianMixture(3, random_state=0).fit(mixed)


def test_names_survive_warm_starts_and_adaptation(frame):
    model = GaussianMixture(3, random_state=0, warm_start=True).fit(frame)
    adapted = map_adapt(model, frame.iloc[:50])
    assert list(adapted.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        map_adapt(model, frame[["age", "height", "weight"]])
    with pytest.raises(ValueError, match="warm_start=True continues the fitted model, fitted with feature names"):
        model.fit(frame[["age", "height", "weight"]])


def test_a_component_without_responsibility_is_reported_even_with_held_weights():
    X = well_separated_blobs(np.random.default_rng(1))
    start = dict(weights_init=[0.5, 0.5], means_init=[[0.0, 0.0, 0.0], [1e3, 1e3, 1e3]], fixed=("weights", "means"))
    with pytest.warns(EmptyComponentWarning, match=r"component\(s\) \[1\] of 2"):
        model = GaussianMixture(2, random_state=0, **start).fit(X)
    assert model.weights_[1] == 0.5  # held, yet the component explains nothing


def test_scikit_learns_spelling_of_k_means_plus_plus_is_the_same_start(blobs):
    ours = GaussianMixture(3, init_params="kmeans++", random_state=4, max_iter=0).fit(blobs)
    spelt = GaussianMixture(3, init_params="k-means++", random_state=4, max_iter=0).fit(blobs)
    np.testing.assert_array_equal(ours.means_, spelt.means_)
