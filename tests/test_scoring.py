"""The scoring methods run chunk by chunk through the E-step's forms (gmmlib.statistics.score_over_chunks).

They give what the derivation-facing functions give on all data at once (log_weighted_densities,
then log-sum-exp and Bayes' rule), without ever holding the n x K log-joint.
"""

import tracemalloc

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, given_start, random_parameters
from scipy.special import logsumexp

import gmmlib.statistics as statistics
from gmmlib import GaussianMixture, log_weighted_densities
from gmmlib.statistics import choose_forms, score_chunks, score_over_chunks

pytestmark = pytest.mark.filterwarnings("ignore::gmmlib.ConvergenceWarning")


def fitted_model(rng, covariance_type, dtype, background_volume=None, n_samples=1500, n_components=4, n_features=3):
    """A model fitted for three iterations from a known start, and data of its kind."""
    weights, means, covariances = random_parameters(rng, covariance_type, n_components, n_features)
    X = means[rng.choice(n_components, size=n_samples, p=weights)] + rng.normal(size=(n_samples, n_features))
    if background_volume is not None:
        X[:100] = rng.uniform(-10, 10, size=(100, n_features))
    start = given_start(means, covariance_type, weights, covariances)
    if background_volume is not None:
        start["weights_init"] = np.append(0.9 * weights, 0.1)
    model = GaussianMixture(n_components, max_iter=3, background_volume=background_volume, **start)
    return model.fit(X.astype(dtype)), X.astype(dtype)


def reference_log_joint(model, X):
    """log p(x_i, z_i = k) of all rows at once, in float64, by the derivation-facing function."""
    weights = np.append(model.weights_, model.background_weight_) if model.background_volume else model.weights_
    return log_weighted_densities(
        X.astype(np.float64), weights / weights.sum(), model.means_, model.covariances_, model.covariance_type,
        model.background_volume,
    )  # fmt: skip


# log p(x) is O(10); float32 keeps about 7 digits of it, less what the expanded form cancels.
TOLERANCE = {np.float64: 1e-10, np.float32: 2e-4}


@pytest.mark.parametrize("background_volume", [None, 8000.0], ids=["plain", "background"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_scoring_methods_equal_the_equations_on_all_rows(covariance_type, dtype, background_volume):
    model, X = fitted_model(np.random.default_rng(4), covariance_type, dtype, background_volume)
    log_joint = reference_log_joint(model, X)
    log_density = logsumexp(log_joint, axis=1)
    tolerance = TOLERANCE[dtype]

    ours = model.score_samples(X)
    assert ours.dtype == dtype and ours.shape == (len(X),)
    np.testing.assert_allclose(ours, log_density, rtol=tolerance, atol=tolerance)
    resp = model.predict_proba(X)
    assert resp.dtype == dtype and resp.shape == log_joint.shape
    np.testing.assert_allclose(resp, np.exp(log_joint - log_density[:, None]), atol=tolerance)
    labels = np.argmax(log_joint, axis=1)
    labels[labels == model.n_components] = -1
    clear = np.sort(log_joint, axis=1)[:, -1] - np.sort(log_joint, axis=1)[:, -2] > 1e-3  # no near-ties
    np.testing.assert_array_equal(model.predict(X)[clear], labels[clear])
    if background_volume is not None:
        assert np.any(model.predict(X) == -1)
    assert model.score(X) == pytest.approx(log_density.mean(), rel=tolerance)
    weights = np.random.default_rng(1).uniform(0, 2, len(X))
    assert model.score(X, sample_weight=weights) == pytest.approx(weights @ log_density / weights.sum(), rel=tolerance)


@pytest.mark.parametrize("output", statistics.SCORES)
def test_chunks_and_threads_do_not_change_the_scores(output, monkeypatch):
    model, X = fitted_model(np.random.default_rng(5), "full", np.float64, background_volume=8000.0)
    weights = np.append(model.weights_, model.background_weight_)
    order, parts = choose_forms(weights, model.means_, model.precisions_cholesky_, "full", X.dtype)
    background = statistics.background_term(weights, -np.log(8000.0))
    whole = score_chunks(X, order, parts, len(weights), background, output)
    monkeypatch.setattr(statistics, "CHUNK_ELEMENTS", 1000)  # 200-row chunks, a short one last
    order, parts = choose_forms(weights, model.means_, model.precisions_cholesky_, "full", X.dtype)
    chunked = [score_chunks(X, order, parts, len(weights), background, output, n_threads) for n_threads in (1, 2, 5)]
    np.testing.assert_allclose(chunked[0], whole, rtol=1e-14, atol=1e-15)
    for result in chunked[1:]:
        np.testing.assert_array_equal(result, chunked[0])  # bit for bit, whatever the threads


def test_components_in_either_form_come_back_in_their_own_order():
    # A tiny component far away takes the centred form and is computed after the others; the
    # responsibilities and labels are still in the components' order.
    rng = np.random.default_rng(12)
    means = np.array([[4000.0, -3000.0], [0.0, 0.0], [3.0, 1.0]])
    covariances = np.array([1e-6 * np.eye(2), np.eye(2), [[1.0, 0.5], [0.5, 2.0]]])
    X = np.vstack([rng.multivariate_normal(mean, covariance, size=200) for mean, covariance in zip(means, covariances)])
    model = GaussianMixture(3, max_iter=0, **given_start(means, "full", np.full(3, 1 / 3), covariances)).fit(X)
    order, _ = choose_forms(model.weights_, model.means_, model.precisions_cholesky_, "full", X.dtype)
    assert order[-1] == 0  # the far component is computed last
    log_joint = reference_log_joint(model, X)
    np.testing.assert_array_equal(model.predict(X), np.argmax(log_joint, axis=1))
    np.testing.assert_allclose(
        model.predict_proba(X), np.exp(log_joint - logsumexp(log_joint, axis=1)[:, None]), atol=1e-12
    )
    np.testing.assert_array_equal(model.predict(X)[:200], 0)


def test_equal_components_give_the_first_label():
    X = np.random.default_rng(0).normal(size=(50, 2))
    start = given_start(np.zeros((3, 2)), "diag")
    model = GaussianMixture(3, max_iter=0, **start).fit(X)
    np.testing.assert_array_equal(model.predict(X), 0)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # how a density underflows to 0
def test_a_row_without_density_is_named_by_its_row_in_the_whole_data(monkeypatch):
    monkeypatch.setattr(statistics, "CHUNK_ELEMENTS", 1000)
    X = np.random.default_rng(0).normal(size=(3000, 2))
    model = GaussianMixture(2, max_iter=0, **given_start([[0.0, 0.0], [1.0, 0.0]], "spherical")).fit(X)
    model.precisions_cholesky_ = model.precisions_cholesky_ * 1e150  # every density underflows far away
    X[2345] = 1e10
    for method in (model.score_samples, model.predict_proba, model.predict, model.score):
        with pytest.raises(
            ValueError, match=r"X row 2345 \(1 such rows among rows 2\d\d\d to 2\d\d\d\) has zero density"
        ):
            method(X)


def test_scoring_never_holds_the_n_by_k_log_joint():
    rng = np.random.default_rng(2)
    n_samples, n_components = 400_000, 64
    X = rng.normal(size=(n_samples, 2))
    model = GaussianMixture(n_components, max_iter=0, **given_start(rng.normal(size=(n_components, 2)), "diag"))
    model.fit(X)
    n_by_k = n_samples * n_components * 8
    for method in (model.score_samples, model.predict, model.score):
        tracemalloc.start()
        method(X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < n_by_k / 4, f"{method.__name__} peaked at {peak / 2**20:.1f} MiB"


def test_score_over_chunks_refuses_an_unknown_output():
    with pytest.raises(ValueError, match="output must be one of 'log_density', 'responsibilities', 'labels'"):
        score_over_chunks(np.zeros((2, 1)), np.ones(1), np.zeros((1, 1)), np.ones((1, 1)), "diag", output="labels!")
