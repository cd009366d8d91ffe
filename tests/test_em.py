"""The E-step and M-step functions: Bayes' rule, closed forms, sample weights, background."""

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, random_parameters
from scipy import stats

from gmmlib import e_step, m_step
from gmmlib.gaussian import full_covariance


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_e_step_is_bayes_rule(covariance_type):
    rng = np.random.default_rng(0)
    weights, means, covariances = random_parameters(rng, covariance_type, 3, 2)
    X = rng.normal(scale=3, size=(40, 2))
    resp, log_likelihood = e_step(X, weights, means, covariances, covariance_type)
    joint = np.column_stack(
        [
            weights[k] * stats.multivariate_normal(means[k], full_covariance(covariances, covariance_type, k, 2)).pdf(X)
            for k in range(3)
        ]
    )
    np.testing.assert_allclose(resp, joint / joint.sum(axis=1, keepdims=True), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(log_likelihood, np.log(joint.sum(axis=1)).sum(), rtol=1e-12)


def test_e_step_survives_points_far_from_every_component():
    resp, log_likelihood = e_step([[1e4, 1e4]], [0.5, 0.5], [[0, 0], [1, 1]], [1.0, 1.0], "spherical")
    assert np.isfinite(resp).all() and np.isclose(resp.sum(), 1.0) and resp[0, 1] == pytest.approx(1.0)
    assert np.isfinite(log_likelihood)


def test_m_step_closed_forms_by_hand():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [10.0, 10.0]])
    resp = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    weights, means, covariances = m_step(X, resp, "full", reg_covar=0.0)
    np.testing.assert_allclose(weights, [0.75, 0.25])
    np.testing.assert_allclose(means, [[2 / 3, 4 / 3], [10.0, 10.0]])
    centred = X[:3] - means[0]
    np.testing.assert_allclose(covariances[0], centred.T @ centred / 3)
    np.testing.assert_allclose(covariances[1], np.zeros((2, 2)), atol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_m_step_types_agree_with_full(covariance_type):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    resp = rng.dirichlet(np.ones(2), size=60)
    _, _means, full = m_step(X, resp, "full", reg_covar=0.0)
    _, _, covariances = m_step(X, resp, covariance_type, reg_covar=0.0)
    expected = {
        "full": full,
        "tied": np.einsum("k,kij->ij", resp.sum(axis=0), full) / 60,
        "diag": np.diagonal(full, axis1=1, axis2=2),
        "spherical": np.diagonal(full, axis1=1, axis2=2).mean(axis=1),
    }[covariance_type]
    np.testing.assert_allclose(covariances, expected, rtol=1e-12)


def test_m_step_keeps_precision_far_from_the_origin():
    """Centred covariances survive an offset of 1e8 (the raw-moment formula returns noise)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 2)) + 1e8
    resp = np.ones((500, 1))
    _, _, covariances = m_step(X, resp, "diag", reg_covar=0.0)
    np.testing.assert_allclose(covariances[0], (X - X.mean(axis=0)).var(axis=0), rtol=1e-6)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_integer_sample_weights_equal_repeated_rows(covariance_type):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 2))
    resp = rng.dirichlet(np.ones(3), size=30)
    counts = rng.integers(0, 4, size=30)
    weighted = m_step(X, resp, covariance_type, sample_weight=counts)
    repeated = m_step(np.repeat(X, counts, axis=0), np.repeat(resp, counts, axis=0), covariance_type)
    for ours, expected in zip(weighted, repeated):
        np.testing.assert_allclose(ours, expected, rtol=1e-12)


def test_background_column_is_last_and_uniform():
    X = np.array([[0.0, 0.0], [50.0, 50.0]])
    resp, _ = e_step(X, [0.5, 0.5], [[0.0, 0.0]], [[1.0, 1.0]], "diag", background_volume=100.0 * 100.0)
    assert resp.shape == (2, 2)
    assert resp[0, 0] > 0.99 and resp[1, 1] > 0.99
    weights, means, _ = m_step(X, resp, "diag", background=True)
    assert weights.shape == (2,) and means.shape == (1, 2)
    np.testing.assert_allclose(weights.sum(), 1.0)
    np.testing.assert_allclose(means[0], [0.0, 0.0], atol=1e-3)


def test_wrong_weight_count_is_explained():
    with pytest.raises(ValueError, match=r"weights must have shape \(2,\).*with a background"):
        e_step([[0.0]], [1.0], [[0.0]], [1.0], "spherical", background_volume=10.0)
