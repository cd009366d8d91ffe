"""Fuzzing the public core (hypothesis): a correct result or a documented, named error, never anything else.

"Correct" means finite numbers of the documented shape (responsibilities in [0, 1] summing to 1).
"Documented" means ValueError or TypeError (gmmlib's NotFittedError is a ValueError) whose message
names the argument at fault. No NaN, no raw numpy or scipy exception.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmmlib import (
    GaussianMixture,
    GmmlibWarning,
    e_step,
    log_gaussian_density,
    log_weighted_densities,
    m_step,
    map_adapt,
    precision_cholesky,
)

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
# The arguments an error may name: the functions' and the estimator's (a covariance that is not
# positive definite is named by its component).
NAMES = (
    "X",
    "means",
    "covariance",
    "weights",
    "resp",
    "sample_weight",
    "background",
    *GaussianMixture()._parameter_names(),
)

SCALES = st.sampled_from([0.0, 1e-300, 1e-30, 1e-3, 1.0, 1e3, 1e30, 1e150, 1e200])
DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.float16, object, np.complex128])


@st.composite
def arrays(draw, ndim=None, shape=None):
    """Mostly well-formed arrays of random shape, scale and dtype, sometimes holding NaN or inf."""
    if shape is None:
        ndim = draw(st.integers(0, 3)) if ndim is None else ndim
        shape = tuple(draw(st.integers(0, 5)) for _ in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.standard_normal(shape) * draw(SCALES) + draw(st.sampled_from([0.0, 5.0, -1e8]))
    if values.size and draw(st.booleans()) and draw(st.booleans()):
        values.flat[draw(st.integers(0, values.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    dtype = draw(DTYPES) if draw(st.integers(0, 3)) == 0 else np.float64
    with np.errstate(all="ignore"):
        return values.astype(dtype)


def spd(rng, n_features):
    factor = rng.standard_normal((n_features, n_features))
    return factor @ factor.T + np.eye(n_features)


@st.composite
def mixtures(draw):
    """A mixture of random shape whose parts are each, sometimes, malformed."""
    n_samples, n_features, n_components = draw(st.integers(1, 30)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    covariance_type = draw(st.sampled_from(COVARIANCE_TYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.standard_normal((n_samples, n_features)) * draw(SCALES)
    weights = rng.dirichlet(np.ones(n_components))
    means = rng.standard_normal((n_components, n_features))
    covariances = {
        "full": np.array([spd(rng, n_features) for _ in range(n_components)]),
        "tied": spd(rng, n_features),
        "diag": rng.uniform(0.1, 2, (n_components, n_features)),
        "spherical": rng.uniform(0.1, 2, n_components),
    }[covariance_type]
    parts = {"X": X, "weights": weights, "means": means, "covariances": covariances}
    broken = draw(st.sampled_from([None, *parts]))
    if broken is not None:
        parts[broken] = draw(arrays())
    return parts, covariance_type


def documented(error):
    message = str(error)
    return isinstance(error, (ValueError, TypeError)) and any(name in message for name in NAMES)


def check_outcome(call, check_result):
    """Run ``call``; a named ValueError/TypeError passes, any other exception fails, a result is checked."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GmmlibWarning)
            with np.errstate(over="raise", invalid="raise"):  # an overflow or NaN made inside is a bug
                result = call()
    except (ValueError, TypeError) as error:
        assert documented(error), f"undocumented error: {type(error).__name__}: {error}"
        return
    check_result(result)


@FUZZ
@given(mixtures())
def test_e_step_and_densities(problem):
    parts, covariance_type = problem

    def check_e_step(result):
        resp, log_likelihood = result
        assert np.isfinite(log_likelihood) and np.all(np.isfinite(resp))
        assert resp.shape == (len(parts["X"]), len(parts["means"]))
        np.testing.assert_allclose(resp.sum(axis=1), 1, rtol=1e-5)

    def check_density(result):
        assert result.shape == (len(parts["X"]), len(parts["means"]))
        assert not np.any(np.isnan(result)) and np.all(result < np.inf)

    check_outcome(lambda: e_step(**parts, covariance_type=covariance_type), check_e_step)
    check_outcome(lambda: log_weighted_densities(**parts, covariance_type=covariance_type), check_density)
    density_parts = {name: parts[name] for name in ("X", "means", "covariances")}
    check_outcome(lambda: log_gaussian_density(**density_parts, covariance_type=covariance_type), check_density)


@FUZZ
@given(arrays(), st.sampled_from(COVARIANCE_TYPES))
def test_precision_cholesky(covariances, covariance_type):
    def check(factors):
        assert factors.shape == np.shape(covariances) and np.all(np.isfinite(factors))

    check_outcome(lambda: precision_cholesky(covariances, covariance_type), check)


@FUZZ
@given(st.data())
def test_m_step(data):
    n_samples, n_features = data.draw(st.integers(1, 20)), data.draw(st.integers(1, 3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    X = rng.standard_normal((n_samples, n_features)) * data.draw(SCALES)
    resp = rng.dirichlet(np.ones(data.draw(st.integers(1, 4))), size=n_samples)
    if data.draw(st.booleans()):
        resp = data.draw(arrays(ndim=2))
    if data.draw(st.booleans()):
        X = data.draw(arrays())
    covariance_type = data.draw(st.sampled_from(COVARIANCE_TYPES))
    sample_weight = data.draw(st.one_of(st.none(), arrays(ndim=1)))

    def check(result):
        weights, means, _ = result
        for part in result:
            assert np.all(np.isfinite(part))
        assert weights.shape == (np.shape(resp)[1],) and weights.sum() == pytest.approx(1)
        assert means.shape == (np.shape(resp)[1], np.shape(X)[1])

    check_outcome(lambda: m_step(X, resp, covariance_type, sample_weight=sample_weight), check)


@st.composite
def estimator_settings(draw):
    return dict(
        n_components=draw(st.sampled_from([1, 2, 3, 0, 2.5, "2", None])),
        covariance_type=draw(st.sampled_from([*COVARIANCE_TYPES, "diagonal", None])),
        reg_covar=draw(st.sampled_from([1e-6, 0.0, 1e-300, 1e10, -1.0, np.nan])),
        tol=draw(st.sampled_from([1e-3, 0.0, np.inf, -1.0])),
        max_iter=draw(st.sampled_from([0, 1, 20, -1])),
        init_params=draw(st.sampled_from(["kmeans++", "kmeans", "random", "random_from_data", "other"])),
        background_volume=draw(st.sampled_from([None, None, 1.0, 1e-300, 1e300, 0.0])),
        missing_values=draw(st.sampled_from(["error", "em", "em", "EM"])),
        fixed=draw(
            st.sampled_from([(), (), ("weights",), ("means",), ("covariances",), ("weights", "means"), "means"])
        ),
        weights_init=draw(st.one_of(st.none(), st.none(), arrays(ndim=1))),
        means_init=draw(st.one_of(st.none(), st.none(), arrays(ndim=2))),
        precisions_init=draw(st.one_of(st.none(), st.none(), arrays())),
        warm_start=draw(st.booleans()),
        random_state=0,
    )


@FUZZ
@given(estimator_settings(), arrays(ndim=2), st.one_of(st.none(), arrays(ndim=1)), arrays(ndim=2))
def test_estimator(settings_, X, sample_weight, X_new):
    model = GaussianMixture(**settings_)

    def check_fit(fitted):
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
            assert np.all(np.isfinite(getattr(fitted, name))), name
        assert np.isfinite(fitted.lower_bound_) or (fitted.max_iter == 0 and fitted.lower_bound_ == -np.inf)
        assert fitted.weights_.sum() + fitted.background_weight_ == pytest.approx(1, rel=1e-4)

        def check_scores(result):
            labels, resp, log_density = result
            assert np.all(np.isfinite(resp)) and not np.any(np.isnan(log_density)) and np.all(log_density < np.inf)
            assert resp.shape[0] == labels.shape[0] == log_density.shape[0] == len(X_new)

        def check_filled(filled):
            assert filled.shape == np.shape(X_new) and np.all(np.isfinite(filled))

        def check_adapted(adapted):
            assert np.all(np.isfinite(adapted.means_)) and adapted.means_.shape == fitted.means_.shape

        check_outcome(
            lambda: (fitted.predict(X_new), fitted.predict_proba(X_new), fitted.score_samples(X_new)), check_scores
        )
        check_outcome(lambda: fitted.impute(X_new), check_filled)
        check_outcome(lambda: map_adapt(fitted, X_new), check_adapted)
        check_outcome(lambda: fitted.fit(X, sample_weight=sample_weight), lambda refitted: None)  # warm or not

    check_outcome(lambda: model.fit(X, sample_weight=sample_weight), check_fit)


@st.composite
def valid_problems(draw):
    """Well-formed settings and data, holes, weights and partial starts included: the deep paths."""
    n_samples, n_features = draw(st.integers(3, 40)), draw(st.integers(1, 4))
    n_components = draw(st.integers(1, min(3, n_samples)))
    covariance_type = draw(st.sampled_from(COVARIANCE_TYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.standard_normal((n_samples, n_features)) * draw(SCALES) + draw(st.sampled_from([0.0, 1e6]))
    missing_values = draw(st.sampled_from(["error", "em"]))
    if missing_values == "em" and draw(st.booleans()):
        holes = rng.random(X.shape) < draw(st.sampled_from([0.1, 0.4]))
        holes[:, 0] &= holes.all(axis=1) == 0  # every row keeps a value
        X[holes] = np.nan
    start = {}
    if draw(st.booleans()):
        start["means_init"] = rng.standard_normal((n_components, n_features))
    if draw(st.booleans()):
        start["weights_init"] = rng.dirichlet(np.ones(n_components))
    settings = dict(
        n_components=n_components,
        covariance_type=covariance_type,
        missing_values=missing_values,
        fixed=draw(st.sampled_from([(), ("weights",), ("means",), ("covariances",), ("weights", "covariances")])),
        init_params=draw(st.sampled_from(["kmeans++", "kmeans", "random", "random_from_data"])),
        reg_covar=draw(st.sampled_from([0.0, 1e-6, 1e-3])),
        max_iter=draw(st.sampled_from([1, 10])),
        random_state=0,
        **start,
    )
    sample_weight = draw(st.one_of(st.none(), st.just(rng.uniform(0, 2, n_samples))))
    return settings, X, sample_weight


@FUZZ
@given(valid_problems())
def test_estimator_on_valid_problems(problem):
    settings_, X, sample_weight = problem

    def check_fit(fitted):
        for name in ("weights_", "means_", "covariances_", "precisions_cholesky_", "lower_bounds_"):
            assert np.all(np.isfinite(getattr(fitted, name))), name
        # reg_covar's floor is not part of the likelihood EM climbs: no promise then. Without it, EM climbs in
        # exact arithmetic; in floating point only while the covariances are well determined (about ten rows
        # per parameter of a component's mean), else they approach singularity and rounding takes over.
        n_samples, n_features = X.shape
        if fitted.reg_covar == 0 and n_samples >= 10 * fitted.n_components * n_features:
            assert np.diff(fitted.lower_bounds_).min(initial=0) >= -1e-6 * max(1.0, abs(fitted.lower_bound_))
        resp = fitted.predict_proba(X)
        np.testing.assert_allclose(resp.sum(axis=1), 1, rtol=1e-5)
        if fitted.missing_values == "em":
            assert np.all(np.isfinite(fitted.impute(X)))

    check_outcome(lambda: GaussianMixture(**settings_).fit(X, sample_weight=sample_weight), check_fit)
