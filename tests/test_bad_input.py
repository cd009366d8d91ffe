"""Every bad input gets a ValueError or TypeError naming the parameter, and fit leaves no trace."""

import numpy as np
import pytest

from gmmlib import (
    GaussianMixture,
    NotFittedError,
    e_step,
    log_gaussian_density,
    log_weighted_densities,
    m_step,
    precision_cholesky,
)

X_GOOD = np.random.default_rng(0).normal(size=(20, 2))


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.array([[0.0, np.nan]] * 5), ValueError, r"finite values \(no NaN or inf\); found nan at row 0, column 1"),
        (np.array([[0.0, np.inf]] * 5), ValueError, r"X must contain only finite values \(no NaN or inf\); found inf"),
        (np.zeros(5), ValueError, r"X must be 2-D .* got 1-D"),
        (np.zeros((2, 2, 2)), ValueError, r"X must be 2-D .* got 3-D"),
        (np.zeros((0, 2)), ValueError, r"X has 0 sample\(s\) \(shape=\(0, 2\)\) while a minimum of 1 is required"),
        (np.array([["a", "b"]] * 3), TypeError, r"X must be numeric"),
        ([[1.0, 2.0], [3.0]], TypeError, r"X must be a numeric array; could not convert it"),
    ],
)
def test_bad_data(X, error, match):
    model = GaussianMixture(1)
    with pytest.raises(error, match=match):
        model.fit(X)
    assert not hasattr(model, "means_")


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(n_components=0), ValueError, r"n_components must be >= 1, got 0"),
        (dict(n_components=21), ValueError, r"n_components=21 must be <= n_samples=20"),
        (dict(n_components=2.5), TypeError, r"n_components must be an integer, got 2.5"),
        (
            dict(covariance_type="diagonal"),
            ValueError,
            r"covariance_type must be one of 'full', 'diag', 'spherical', 'tied'; got 'diagonal'",
        ),
        (dict(init_params="k-means"), ValueError, r"init_params must be one of .*; got 'k-means'"),
        (dict(tol=-1e-3), ValueError, r"tol must be >= 0, got -0.001"),
        (dict(reg_covar=-1.0), ValueError, r"reg_covar must be >= 0, got -1.0"),
        (dict(n_init=0), ValueError, r"n_init must be >= 1, got 0"),
        (dict(max_iter=-1), ValueError, r"max_iter must be >= 0, got -1"),
        (
            dict(random_state="seed"),
            TypeError,
            r"random_state must be None, an int, a numpy.random.Generator or a numpy.random.RandomState",
        ),
        (dict(background_volume=0.0), ValueError, r"background_volume must be > 0"),
        (dict(n_components=2, weights_init=[0.5, 0.6]), ValueError, r"weights_init must sum to 1, got sum 1.1"),
        (dict(n_components=2, weights_init=[1.5, -0.5]), ValueError, r"weights_init must be finite and non-negative"),
        (
            dict(n_components=2, weights_init=[1.0]),
            ValueError,
            r"weights_init must have shape \(2,\), got shape \(1,\)",
        ),
        (
            dict(n_components=2, means_init=np.zeros((2, 3))),
            ValueError,
            r"means_init must have shape \(2, 2\), got shape \(2, 3\)",
        ),
        (
            dict(n_components=2, precisions_init=np.ones((2, 2))),
            ValueError,
            r"precisions_init must have shape \(2, 2, 2\) for covariance_type='full', got shape \(2, 2\)",
        ),
        (
            dict(n_components=1, precisions_init=[[[1.0, 2.0], [2.0, 1.0]]]),
            ValueError,
            r"precisions_init \(component 0\) must be positive definite",
        ),
        (
            dict(n_components=1, covariance_type="diag", precisions_init=[[1.0, 0.0]]),
            ValueError,
            r"precisions_init must be positive for covariance_type='diag'",
        ),
    ],
)
def test_bad_parameters(params, error, match):
    model = GaussianMixture(**params)
    with pytest.raises(error, match=match):
        model.fit(X_GOOD)
    assert not hasattr(model, "means_")


@pytest.mark.parametrize(
    "sample_weight, error, match",
    [
        (-np.ones(20), ValueError, r"sample_weight must be non-negative, found minimum -1.0"),
        (np.full(20, np.nan), ValueError, r"sample_weight must contain only finite values"),
        (np.zeros(20), ValueError, r"sample_weight must have at least one positive entry, got all zeros"),
        (np.ones(19), ValueError, r"sample_weight must have shape \(20,\) to match X, got shape \(19,\)"),
        (np.array(["a"] * 20), TypeError, r"sample_weight must be numeric"),
    ],
)
def test_bad_sample_weight(sample_weight, error, match):
    model = GaussianMixture(2)
    with pytest.raises(error, match=match):
        model.fit(X_GOOD, sample_weight=sample_weight)
    assert not hasattr(model, "means_")


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "score_samples", "bic", "aic"])
def test_use_before_fit(method):
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        getattr(GaussianMixture(1), method)(X_GOOD)
    with pytest.raises(NotFittedError):
        GaussianMixture(1).sample(3)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score", "score_samples", "bic", "aic"])
def test_feature_count_must_match_fit(method):
    model = GaussianMixture(1).fit(X_GOOD)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianMixture is expecting 2 features as input"):
        getattr(model, method)(np.zeros((4, 3)))


def test_failed_refit_keeps_no_half_fitted_state():
    model = GaussianMixture(1).fit(X_GOOD)
    means = model.means_.copy()
    with pytest.raises(ValueError):
        model.set_params(n_components=50).fit(X_GOOD)
    np.testing.assert_array_equal(model.means_, means)


def test_unknown_parameter_name():
    with pytest.raises(ValueError, match="invalid parameter 'n_component'"):
        GaussianMixture().set_params(n_component=2)


def test_function_level_checks():
    with pytest.raises(ValueError, match="covariance_type must be one of"):
        e_step(X_GOOD, [1.0], [[0.0, 0.0]], [1.0], covariance_type="round")
    with pytest.raises(ValueError, match=r"resp must have shape \(20, n_columns\)"):
        m_step(X_GOOD, np.ones((19, 1)))
    with pytest.raises(ValueError, match="reg_covar must be >= 0"):
        m_step(X_GOOD, np.ones((20, 1)), reg_covar=-1.0)
    with pytest.raises(ValueError, match="X must contain only finite values"):
        e_step(np.full((3, 2), np.nan), [1.0], [[0.0, 0.0]], [1.0], covariance_type="spherical")


def test_fewer_positive_weights_than_components():
    weight = np.zeros(20)
    weight[:2] = 1.0
    with pytest.raises(ValueError, match="sample_weight has 2 positive entries; n_components=3 needs at least"):
        GaussianMixture(3, init_params="random_from_data").fit(X_GOOD, sample_weight=weight)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(means_init=[[1.0, 1.0], [1.0]]), "means_init must be a numeric array; could not convert it"),
        (dict(weights_init="ab"), "weights_init must be numeric"),
        (dict(precisions_init=[["a", "b"], ["c", "d"]], covariance_type="tied"), "precisions_init must be numeric"),
    ],
)
def test_non_numeric_inits_name_the_parameter(params, match):
    with pytest.raises(TypeError, match=match):
        GaussianMixture(2, **params).fit(X_GOOD)


# -- the equation-level functions -------------------------------------------------------------------
MEANS = np.array([[0.0, 0.0], [3.0, 3.0]])
COVARIANCES = np.array([np.eye(2), 2 * np.eye(2)])
WEIGHTS = np.array([0.4, 0.6])


@pytest.mark.parametrize(
    "call, error, match",
    [
        # means of shape (2,) are one 2-D mean, not two 1-D means: refused, not reinterpreted
        (lambda: log_gaussian_density(X_GOOD, np.zeros(2), np.eye(2)[None]), ValueError, r"means must have shape"),
        (lambda: log_gaussian_density(X_GOOD[:, 0], MEANS, COVARIANCES), ValueError, r"X must be 2-D .* Reshape"),
        (
            lambda: log_gaussian_density(X_GOOD, MEANS, np.eye(2)),
            ValueError,
            r"covariances must have shape \(2, 2, 2\)",
        ),
        (lambda: log_gaussian_density(X_GOOD, MEANS, COVARIANCES, "diag"), ValueError, r"shape \(2, 2\) for .*'diag'"),
        (lambda: log_gaussian_density(X_GOOD, MEANS[:, :1], COVARIANCES), ValueError, r"means must have shape"),
        (lambda: log_gaussian_density(X_GOOD, [["a", "b"]], COVARIANCES), TypeError, r"means must be numeric"),
        (lambda: log_gaussian_density(X_GOOD, MEANS, np.nan * COVARIANCES), ValueError, r"covariances must .* finite"),
        (lambda: log_gaussian_density(X_GOOD, MEANS, COVARIANCES, ["full"]), ValueError, r"covariance_type must be"),
        (lambda: e_step(X_GOOD, [0.5, 0.5, 0.0], MEANS, COVARIANCES), ValueError, r"weights must have shape \(2,\)"),
        (lambda: e_step(X_GOOD, [-0.5, 1.5], MEANS, COVARIANCES), ValueError, r"weights must be finite and non-neg"),
        (lambda: e_step(X_GOOD, [0.5, 0.6], MEANS, COVARIANCES), ValueError, r"weights must sum to 1, got sum 1.1"),
        (lambda: e_step(X_GOOD, [0.5, np.nan], MEANS, COVARIANCES), ValueError, r"weights must be finite"),
        (lambda: e_step(X_GOOD, WEIGHTS, MEANS, COVARIANCES, background_volume=1.0), ValueError, r"with a background"),
        (lambda: e_step(X_GOOD[:, :1], WEIGHTS, MEANS, COVARIANCES), ValueError, r"means must have shape"),
        (lambda: m_step(X_GOOD, np.full((20, 2), np.nan)), ValueError, r"resp must contain only finite values"),
        (lambda: m_step(X_GOOD, np.full((20, 2), -0.5)), ValueError, r"resp must be non-negative"),
        (lambda: m_step(X_GOOD, np.ones((19, 2))), ValueError, r"resp must have shape \(20, n_columns\)"),
        (lambda: m_step(X_GOOD, np.ones(20)), ValueError, r"resp must have shape \(20, n_columns\)"),
        (lambda: m_step(X_GOOD, np.ones((20, 1)), background=True), ValueError, r"n_columns >= 2"),
        (lambda: m_step(X_GOOD, np.ones((20, 2)), background="yes"), TypeError, r"background must be True or False"),
        (lambda: m_step(X_GOOD[:, 0], np.ones((20, 2))), ValueError, r"X must be 2-D"),
        (lambda: log_weighted_densities(X_GOOD, WEIGHTS, MEANS, COVARIANCES[0]), ValueError, r"covariances must"),
        (lambda: precision_cholesky(np.eye(2)), ValueError, r"shape \(n_components, n_features, n_features\)"),
        (lambda: precision_cholesky(np.ones((2, 2, 3))), ValueError, r"for covariance_type='full', got shape"),
        (lambda: precision_cholesky([1.0, -1.0], "spherical"), ValueError, r"not positive definite \(component 1\)"),
        (lambda: precision_cholesky(np.full((2, 2), np.inf), "tied"), ValueError, r"finite"),
        (lambda: precision_cholesky(np.eye(2) + 0j, "tied"), ValueError, r"Complex data not supported"),
        (lambda: precision_cholesky([[[2.0, 5.0], [0.0, 2.0]]]), ValueError, r"\(component 0\) must be symmetric"),
        (lambda: e_step(X_GOOD, WEIGHTS, MEANS, [np.eye(2), [[1, 0.5], [0, 1]]]), ValueError, r"must be symmetric"),
        (lambda: precision_cholesky([1e300 * 1e10, 1.0], "spherical"), ValueError, r"finite"),
        (
            lambda: GaussianMixture(2, covariance_type="spherical", precisions_init=[1e-320, 1.0]).fit(X_GOOD),
            ValueError,
            r"not positive definite \(component 0\)",
        ),
    ],
)
def test_equation_functions_name_what_is_wrong(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_integer_covariances_are_numbers_like_any_other():
    integer = precision_cholesky(np.array([[[2, 1], [1, 2]]]))
    np.testing.assert_allclose(integer, precision_cholesky(np.array([[[2.0, 1.0], [1.0, 2.0]]])))
    np.testing.assert_allclose(precision_cholesky(np.array([4, 9]), "spherical"), [0.5, 1 / 3])


def test_weights_summing_to_one_in_float32_are_accepted():
    weights = np.full(300, 1 / 300, dtype=np.float32)
    means = np.random.default_rng(0).normal(size=(300, 2))
    resp, _ = e_step(X_GOOD.astype(np.float32), weights, means, np.ones(300), "spherical")
    np.testing.assert_allclose(resp.sum(axis=1), 1, rtol=1e-5)


# -- extreme values ----------------------------------------------------------------------------------
def test_data_too_large_to_square_is_refused_with_a_remedy():
    model = GaussianMixture(2, random_state=0)
    with pytest.raises(ValueError, match=r"X has values as large as 2.33e\+160; .* overflow float64 .* divide X by"):
        model.fit(X_GOOD * 1e160)
    # Just below the limit, the fit is the unit-scale fit scaled.
    plain = GaussianMixture(2, random_state=0).fit(X_GOOD)
    large = GaussianMixture(2, random_state=0, reg_covar=1e-6 * 1e300).fit(X_GOOD * 1e150)
    np.testing.assert_allclose(large.means_, plain.means_ * 1e150, rtol=1e-9)
    np.testing.assert_allclose(large.covariances_, plain.covariances_ * 1e300, rtol=1e-9)


def test_tiny_and_huge_sample_weights_fit_like_unit_weights():
    plain = GaussianMixture(2, random_state=0).fit(X_GOOD)
    for scale in (1e308, 1e-300, 5e-324):
        weighted = GaussianMixture(2, random_state=0).fit(X_GOOD, sample_weight=np.full(len(X_GOOD), scale))
        np.testing.assert_allclose(weighted.means_, plain.means_, rtol=1e-12)


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(covariance_type=np.array(["full", "diag"])), ValueError, r"covariance_type must be one of"),
        (dict(init_params=np.array(["kmeans"])), ValueError, r"init_params must be one of"),
        (dict(warm_start="no"), TypeError, r"warm_start must be True or False, got 'no'"),
        (dict(record_history=1), TypeError, r"record_history must be True or False, got 1"),
    ],
)
def test_array_and_string_flags_are_refused_by_name(params, error, match):
    with pytest.raises(error, match=match):
        GaussianMixture(2, **params).fit(X_GOOD)
