"""Property-based tests over random shapes and data (hypothesis)."""

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, given_start
from hypothesis import given, settings
from hypothesis import strategies as st

from gmmlib import GaussianMixture, e_step, m_step

pytestmark = [
    pytest.mark.filterwarnings("ignore::gmmlib.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::gmmlib.EmptyComponentWarning"),  # random starts can starve a component
]


@st.composite
def mixture_problems(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    n_features = draw(st.integers(1, 4))
    n_components = draw(st.integers(1, 4))
    n_samples = draw(st.integers(n_components, 60))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    offset = draw(st.sampled_from([0.0, 1e4]))
    covariance_type = draw(st.sampled_from(COVARIANCE_TYPES))
    rng = np.random.default_rng(seed)
    X = offset + scale * rng.standard_normal((n_samples, n_features)) * rng.uniform(0.1, 10, n_features)
    resp = rng.dirichlet(np.ones(n_components), size=n_samples)
    return X, resp, covariance_type, rng


@settings(max_examples=60, deadline=None)
@given(mixture_problems())
def test_responsibilities_are_finite_and_rows_sum_to_one(problem):
    X, resp, covariance_type, _ = problem
    weights, means, covariances = m_step(X, resp, covariance_type, reg_covar=1e-6)
    new_resp, log_likelihood = e_step(X, weights, means, covariances, covariance_type)
    assert np.isfinite(new_resp).all() and np.isfinite(log_likelihood)
    assert np.all(new_resp >= 0)
    np.testing.assert_allclose(new_resp.sum(axis=1), 1.0, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(mixture_problems(), st.integers(1, 15))
def test_log_likelihood_never_decreases(problem, n_iter):
    X, resp, covariance_type, _rng = problem
    weights, means, covariances = m_step(X, resp, covariance_type, reg_covar=1e-6)
    start = given_start(means, covariance_type, weights, covariances)  # the whole start: deterministic
    model = GaussianMixture(resp.shape[1], reg_covar=0.0, tol=0, max_iter=n_iter, **start)
    try:
        model.fit(X)
    except ValueError as error:  # a component collapsed: with reg_covar=0 that is a legitimate outcome
        assert "reg_covar" in str(error)
        return
    bounds = np.asarray(model.lower_bounds_)
    assert np.isfinite(bounds).all()
    # EM climbs in exact arithmetic; in floating point while the covariances are well determined (about ten
    # rows per parameter of a component's mean); with fewer, a covariance nears singularity and rounding rules.
    if X.shape[0] >= 10 * resp.shape[1] * X.shape[1]:
        assert np.all(np.diff(bounds) >= -1e-9 * np.maximum(1.0, np.abs(bounds[1:])))
