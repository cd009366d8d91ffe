"""The Gaussian density through Cholesky factors against scipy.stats."""

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, random_parameters
from scipy import stats

from gmmlib import log_gaussian_density, precision_cholesky
from gmmlib.gaussian import covariances_from_precisions, full_covariance, precisions_from_cholesky


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_density_matches_scipy(covariance_type):
    rng = np.random.default_rng(1)
    n_components, n_features = 3, 4
    _, means, covariances = random_parameters(rng, covariance_type, n_components, n_features)
    X = rng.normal(scale=3, size=(50, n_features))
    ours = log_gaussian_density(X, means, covariances, covariance_type)
    assert ours.shape == (50, n_components)
    for k in range(n_components):
        expected = stats.multivariate_normal(
            means[k], full_covariance(covariances, covariance_type, k, n_features)
        ).logpdf(X)
        np.testing.assert_allclose(ours[:, k], expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_precision_factors_round_trip(covariance_type):
    rng = np.random.default_rng(2)
    _, _, covariances = random_parameters(rng, covariance_type, 3, 4)
    factors = precision_cholesky(covariances, covariance_type)
    precisions = precisions_from_cholesky(factors, covariance_type)
    np.testing.assert_allclose(covariances_from_precisions(precisions, covariance_type), covariances, rtol=1e-10)


def test_one_dimensional_density_is_the_textbook_formula():
    x = np.array([[0.0], [1.5]])
    ours = log_gaussian_density(x, [[0.5]], [[[4.0]]])[:, 0]
    np.testing.assert_allclose(ours, -0.5 * np.log(2 * np.pi * 4.0) - (x[:, 0] - 0.5) ** 2 / 8.0)


def test_density_far_from_the_mean_stays_finite():
    ours = log_gaussian_density([[1e6, -1e6]], [[0.0, 0.0]], [[1e-3, 1e-3]], "diag")
    assert np.isfinite(ours).all() and ours[0, 0] < -1e14


def test_not_positive_definite_names_reg_covar():
    with pytest.raises(ValueError, match="reg_covar"):
        precision_cholesky(np.zeros((1, 2, 2)), "full")
    with pytest.raises(ValueError, match="reg_covar"):
        precision_cholesky(np.array([[1.0, 0.0]]), "diag")


def test_float32_density_stays_float32():
    X = np.random.default_rng(3).normal(size=(20, 2)).astype(np.float32)
    ours = log_gaussian_density(X, np.zeros((1, 2)), np.eye(2)[None], "full")
    assert ours.dtype == np.float32
    expected = stats.multivariate_normal(np.zeros(2), np.eye(2)).logpdf(X.astype(np.float64))
    np.testing.assert_allclose(ours[:, 0], expected, rtol=1e-5)


def test_singular_to_working_precision_is_not_positive_definite():
    """Four points span only a 3-D subspace of 4-D: Cholesky may pass on rounding noise, we refuse."""
    X = np.random.default_rng(4).normal(size=(4, 4)) * 10
    centred = X - X.mean(axis=0)
    with pytest.raises(ValueError, match="reg_covar"):
        precision_cholesky((centred.T @ centred / 4)[None], "full")


def test_wildly_different_feature_scales_are_not_singular():
    covariance = np.diag([1e12, 1e-12])
    covariance[0, 1] = covariance[1, 0] = 0.5  # correlation 0.5
    factors = precision_cholesky(covariance[None], "full")
    np.testing.assert_allclose(precisions_from_cholesky(factors)[0], np.linalg.inv(covariance), rtol=1e-9)
