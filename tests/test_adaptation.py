"""MAP adaptation of UBM means against the equations written out with gmmlib.e_step."""

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, well_separated_blobs

from gmmlib import GaussianMixture, NotFittedError, e_step
from gmmlib.adaptation import map_adapt


@pytest.fixture(scope="module")
def speaker_data():
    return np.random.default_rng(1).normal(size=(60, 3)) + np.array([1.0, 0.5, -0.5])


def fitted_ubm(covariance_type, **params):
    X = well_separated_blobs(np.random.default_rng(0))
    return GaussianMixture(3, covariance_type=covariance_type, random_state=0, **params).fit(X)


def adapted_means_by_hand(ubm, X, relevance_factor, means=None):
    """alpha_k E_k + (1 - alpha_k) mu_k^UBM, responsibilities under ``means`` (the UBM's by default)."""
    weights = ubm.weights_ if ubm.background_volume is None else np.append(ubm.weights_, ubm.background_weight_)
    resp, _ = e_step(
        X, weights, ubm.means_ if means is None else means, ubm.covariances_, ubm.covariance_type, ubm.background_volume
    )
    resp = resp[:, : ubm.n_components]
    counts = resp.sum(axis=0)
    alpha = (counts / (counts + relevance_factor))[:, None]
    return alpha * (resp.T @ X / counts[:, None]) + (1 - alpha) * ubm.means_


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_map_adapt_equals_the_reynolds_equations(covariance_type, speaker_data):
    ubm = fitted_ubm(covariance_type)
    adapted = map_adapt(ubm, speaker_data, relevance_factor=16.0)
    np.testing.assert_allclose(adapted.means_, adapted_means_by_hand(ubm, speaker_data, 16.0), rtol=1e-10, atol=1e-12)
    for name in ("weights_", "covariances_", "precisions_", "precisions_cholesky_"):
        np.testing.assert_array_equal(getattr(adapted, name), getattr(ubm, name))
    assert adapted.get_params() == ubm.get_params()
    # The adapted model explains the speaker's data better than the UBM.
    assert adapted.score(speaker_data) > ubm.score(speaker_data)
    assert adapted.lower_bounds_[0] == pytest.approx(ubm.score(speaker_data), rel=1e-12)


def test_map_adapt_does_not_modify_the_ubm(speaker_data):
    ubm = fitted_ubm("diag")
    means = ubm.means_.copy()
    adapted = map_adapt(ubm, speaker_data)
    assert adapted is not ubm
    np.testing.assert_array_equal(ubm.means_, means)
    adapted.weights_[0] = 0.0
    assert ubm.weights_[0] != 0.0  # the arrays are copies


def test_relevance_factor_limits(speaker_data):
    ubm = fitted_ubm("full")
    np.testing.assert_allclose(map_adapt(ubm, speaker_data, relevance_factor=1e12).means_, ubm.means_, atol=1e-8)
    # A tiny relevance factor gives the maximum-likelihood means of one EM step for visited components.
    resp, _ = e_step(speaker_data, ubm.weights_, ubm.means_, ubm.covariances_, "full")
    visited = resp.sum(axis=0) > 1
    ml_means = resp.T @ speaker_data / resp.sum(axis=0)[:, None]
    np.testing.assert_allclose(
        map_adapt(ubm, speaker_data, relevance_factor=1e-9).means_[visited], ml_means[visited], rtol=1e-6
    )


def test_more_iterations_recompute_responsibilities_but_keep_the_ubm_prior(speaker_data):
    ubm = fitted_ubm("diag")
    once = adapted_means_by_hand(ubm, speaker_data, 4.0)
    twice = adapted_means_by_hand(ubm, speaker_data, 4.0, means=once)
    adapted = map_adapt(ubm, speaker_data, relevance_factor=4.0, n_iter=2)
    np.testing.assert_allclose(adapted.means_, twice, rtol=1e-10, atol=1e-12)
    assert adapted.n_iter_ == 2 and len(adapted.lower_bounds_) == 2


def test_map_adapt_with_a_background_component(speaker_data):
    ubm = fitted_ubm("full", background_volume=5000.0)
    adapted = map_adapt(ubm, speaker_data)
    np.testing.assert_allclose(adapted.means_, adapted_means_by_hand(ubm, speaker_data, 16.0), rtol=1e-10, atol=1e-12)
    assert adapted.background_weight_ == ubm.background_weight_


def test_integer_sample_weights_count_as_repeated_frames(speaker_data):
    ubm = fitted_ubm("spherical")
    counts = np.arange(len(speaker_data)) % 3
    weighted = map_adapt(ubm, speaker_data, sample_weight=counts)
    repeated = map_adapt(ubm, np.repeat(speaker_data, counts, axis=0))
    np.testing.assert_allclose(weighted.means_, repeated.means_, rtol=1e-10)


def test_float32_frames_keep_the_ubm_dtype(speaker_data):
    ubm = fitted_ubm("diag")
    adapted = map_adapt(ubm, speaker_data.astype(np.float32))
    assert adapted.means_.dtype == ubm.means_.dtype
    np.testing.assert_allclose(adapted.means_, map_adapt(ubm, speaker_data).means_, rtol=1e-5)


def test_map_adapt_errors(speaker_data):
    ubm = fitted_ubm("diag")
    with pytest.raises(TypeError, match=r"ubm must be a fitted gmmlib\.GaussianMixture"):
        map_adapt("ubm", speaker_data)
    with pytest.raises(NotFittedError, match="ubm is not fitted"):
        map_adapt(GaussianMixture(2), speaker_data)
    with pytest.raises(ValueError, match="X has 2 features, but ubm was fitted with 3"):
        map_adapt(ubm, speaker_data[:, :2])
    with pytest.raises(ValueError, match="relevance_factor must be > 0"):
        map_adapt(ubm, speaker_data, relevance_factor=0.0)
    with pytest.raises(ValueError, match="n_iter must be >= 1"):
        map_adapt(ubm, speaker_data, n_iter=0)


def test_an_adapted_model_is_fitted_like_any_other(speaker_data):
    """map_adapt goes through GaussianMixture's own fitted-state path: warm starts and scoring work."""
    ubm = fitted_ubm("diag")
    adapted = map_adapt(ubm, speaker_data, n_iter=2)
    assert adapted.converged_ and adapted.n_iter_ == 2 and len(adapted.lower_bounds_) == 2
    assert adapted.lower_bound_ == adapted.lower_bounds_[-1]
    before = adapted.score(speaker_data)
    adapted.set_params(warm_start=True, max_iter=500).fit(speaker_data)
    assert adapted.score(speaker_data) >= before
    assert adapted.weights_ is not ubm.weights_
