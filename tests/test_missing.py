"""EM with missing values (missing_values="em", impute) and parameters held fixed (fixed=...)."""

import itertools
import warnings

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, given_start, well_separated_blobs
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

import gmmlib.missing as missing_module
from gmmlib import ConvergenceWarning, GaussianMixture
from gmmlib.gaussian import full_covariance, precision_cholesky
from gmmlib.missing import incomplete_statistics
from gmmlib.statistics import accumulate_statistics


def with_holes(X, fraction, rng):
    """X with a ``fraction`` of its entries set to NaN at random (MCAR), no row left empty."""
    X = np.array(X, dtype=float)
    holes = rng.random(X.shape) < fraction
    holes[holes.all(axis=1), 0] = False
    X[holes] = np.nan
    return X


def mixture_start(covariance_type, rng, n_features=3):
    weights = np.array([0.5, 0.3, 0.2])
    means = rng.normal(scale=4, size=(3, n_features))
    covariances = {
        "full": np.array([np.eye(n_features) + 0.3 * np.ones((n_features, n_features)) for _ in range(3)]),
        "tied": np.eye(n_features) + 0.4 * np.ones((n_features, n_features)),
        "diag": rng.uniform(0.5, 2, (3, n_features)),
        "spherical": rng.uniform(0.5, 2, 3),
    }[covariance_type]
    return weights, means, covariances


def observed_log_likelihood_by_hand(X, weights, means, covariances, covariance_type):
    """``sum_i log sum_k pi_k N(x_io | mu_ko, Sigma_k,oo)`` with scipy, row by row."""
    total = 0.0
    for row in X:
        seen = ~np.isnan(row)
        terms = [
            np.log(weights[k])
            + multivariate_normal(
                means[k][seen], full_covariance(covariances, covariance_type, k, len(row))[np.ix_(seen, seen)]
            ).logpdf(row[seen])
            for k in range(len(weights))
        ]
        total += logsumexp(terms)
    return total


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_expected_statistics_equal_the_conditional_gaussians_row_by_row(covariance_type, monkeypatch):
    # Five features, 40% holes: many patterns with 1 to 4 holes, in chunks of 7 rows that cut across them.
    monkeypatch.setattr(missing_module, "chunk_rows", lambda row_elements: 7)
    rng = np.random.default_rng(0)
    d = 5
    weights, means, covariances = mixture_start(covariance_type, rng, n_features=d)
    X = with_holes(means[rng.choice(3, size=80)] + rng.normal(size=(80, d)), 0.4, rng)
    X = X[np.isnan(X).any(axis=1)]
    assert len(np.unique(np.isnan(X), axis=0)) > 15
    sample_weight = rng.uniform(0.5, 2, len(X))
    stats = incomplete_statistics(X, np.isnan(X), sample_weight, weights, means, covariances, covariance_type)
    counts, sums, scatter = np.zeros(3), np.zeros((3, d)), np.zeros((3, d, d))
    for row, w in zip(X, sample_weight):
        o, m = ~np.isnan(row), np.isnan(row)
        dense = [full_covariance(covariances, covariance_type, k, d) for k in range(3)]
        log_joint = [
            np.log(weights[k]) + multivariate_normal(means[k][o], dense[k][np.ix_(o, o)]).logpdf(row[o])
            for k in range(3)
        ]
        resp = np.exp(np.array(log_joint) - logsumexp(log_joint))
        for k in range(3):
            completed = row.copy()
            gain = dense[k][np.ix_(m, o)] @ np.linalg.inv(dense[k][np.ix_(o, o)])
            completed[m] = means[k][m] + gain @ (row[o] - means[k][o])
            conditional = np.zeros((d, d))
            conditional[np.ix_(m, m)] = dense[k][np.ix_(m, m)] - gain @ dense[k][np.ix_(o, m)]
            offset = completed - means[k]
            counts[k] += w * resp[k]
            sums[k] += w * resp[k] * offset
            scatter[k] += w * resp[k] * (np.outer(offset, offset) + conditional)
    np.testing.assert_allclose(stats.counts, counts, rtol=1e-10)
    np.testing.assert_allclose(stats.sums, sums, rtol=1e-9, atol=1e-9)
    expected_scatter = scatter if covariance_type in ("full", "tied") else np.einsum("kjj->kj", scatter)
    np.testing.assert_allclose(stats.scatter, expected_scatter, rtol=1e-9, atol=1e-9)
    expected = observed_log_likelihood_by_hand(X, weights, means, covariances, covariance_type)
    unweighted = incomplete_statistics(X, np.isnan(X), np.ones(len(X)), weights, means, covariances, covariance_type)
    assert unweighted.log_likelihood == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_rows_without_holes_give_the_complete_data_statistics(covariance_type):
    rng = np.random.default_rng(1)
    weights, means, covariances = mixture_start(covariance_type, rng)
    X = well_separated_blobs(rng, (30, 20, 10))
    holes = incomplete_statistics(
        X, np.zeros(X.shape, bool), np.ones(len(X)), weights, means, covariances, covariance_type
    )
    factors = precision_cholesky(covariances, covariance_type)
    plain = accumulate_statistics(X, np.ones(len(X)), weights, means, factors, covariance_type).recentred(means)
    for name in ("counts", "sums", "scatter", "log_likelihood"):
        np.testing.assert_allclose(getattr(holes, name), getattr(plain, name), rtol=1e-9, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_without_nan_the_fit_is_todays(covariance_type, blobs):
    settings = dict(n_components=3, covariance_type=covariance_type, random_state=0)
    plain = GaussianMixture(**settings).fit(blobs)
    with_em = GaussianMixture(missing_values="em", **settings).fit(blobs)
    for name in ("weights_", "means_", "covariances_", "lower_bounds_"):
        np.testing.assert_array_equal(getattr(with_em, name), getattr(plain, name))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_the_observed_data_log_likelihood_never_decreases(covariance_type):
    rng = np.random.default_rng(2)
    X = with_holes(well_separated_blobs(rng, (80, 60, 40)), 0.3, rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GaussianMixture(
            3, covariance_type=covariance_type, missing_values="em", reg_covar=0.0, tol=0.0, max_iter=60, random_state=0
        ).fit(X)
    steps = np.diff(model.lower_bounds_)
    assert steps.min() >= -1e-12 * abs(model.lower_bound_)
    # The lower bound is the observed-data log-likelihood per sample of the parameters the E-step used.
    assert model.score(X) >= model.lower_bounds_[-1] - 1e-12
    by_hand = observed_log_likelihood_by_hand(X, model.weights_, model.means_, model.covariances_, covariance_type)
    assert model.score(X) * len(X) == pytest.approx(by_hand, rel=1e-10)


def test_fewer_holes_tend_to_the_complete_data_fit():
    rng = np.random.default_rng(3)
    complete = well_separated_blobs(rng, (300, 250, 200))
    start = given_start(complete[[0, 300, 550]], "full")
    reference = GaussianMixture(3, tol=1e-10, max_iter=500, **start).fit(complete)
    errors = []
    for fraction in (0.2, 0.05, 0.01, 0.0):
        X = with_holes(complete, fraction, np.random.default_rng(4))
        model = GaussianMixture(3, tol=1e-10, max_iter=500, missing_values="em", **start).fit(X)
        errors.append(np.abs(model.means_ - reference.means_).max())
    assert all(a > b for a, b in itertools.pairwise(errors))
    assert errors[-1] == 0.0


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_the_fit_is_a_stationary_point_of_the_observed_data_likelihood(covariance_type):
    """No small change of a fitted parameter increases the observed-data log-likelihood (as notebook 02 checks)."""
    rng = np.random.default_rng(5)
    X = with_holes(well_separated_blobs(rng, (50, 40, 30)), 0.25, rng)
    model = GaussianMixture(
        3, covariance_type=covariance_type, missing_values="em", reg_covar=0.0, tol=1e-13, max_iter=5000, random_state=0
    ).fit(X)
    best = model.score(X)
    for _ in range(40):
        trial = GaussianMixture(3, covariance_type=covariance_type, missing_values="em")
        trial.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
        step = 1e-4
        trial.means_ = model.means_ + step * rng.normal(size=model.means_.shape)
        shift = step * rng.normal(size=3)
        trial.weights_ = np.exp(np.log(model.weights_) + shift) / np.exp(np.log(model.weights_) + shift).sum()
        if covariance_type in ("full", "tied"):
            noise = step * rng.normal(size=model.covariances_.shape)
            trial.covariances_ = model.covariances_ + (noise + np.swapaxes(noise, -1, -2)) / 2
        else:
            trial.covariances_ = model.covariances_ * np.exp(step * rng.normal(size=model.covariances_.shape))
        trial.precisions_cholesky_ = precision_cholesky(trial.covariances_, covariance_type)
        assert trial.score(X) <= best + 1e-10


def test_integer_weights_equal_repeated_rows_with_holes():
    rng = np.random.default_rng(6)
    X = with_holes(well_separated_blobs(rng, (40, 30, 30)), 0.2, rng)
    counts = rng.integers(0, 4, size=len(X))
    start = given_start(np.nan_to_num(X[[0, 40, 70]]), "full")
    settings = dict(tol=0, max_iter=20, missing_values="em", **start)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = GaussianMixture(3, **settings).fit(X, sample_weight=counts)
        repeated = GaussianMixture(3, **settings).fit(np.repeat(X, counts, axis=0))
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(weighted, name), getattr(repeated, name), rtol=1e-9, atol=1e-12)


def test_statistics_are_chunked(monkeypatch):
    rng = np.random.default_rng(7)
    weights, means, covariances = mixture_start("full", rng)
    X = with_holes(well_separated_blobs(rng), 0.3, rng)
    X = X[np.isnan(X).any(axis=1)]
    args = (X, np.isnan(X), np.ones(len(X)), weights, means, covariances, "full")
    whole = incomplete_statistics(*args)
    monkeypatch.setattr(missing_module, "chunk_rows", lambda row_elements: 7)
    chunked = incomplete_statistics(*args)
    np.testing.assert_allclose(chunked.scatter, whole.scatter, rtol=1e-12)
    assert chunked.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-13)


def test_scoring_marginalises_the_holes():
    rng = np.random.default_rng(8)
    X = with_holes(well_separated_blobs(rng), 0.3, rng)
    model = GaussianMixture(3, missing_values="em", random_state=0).fit(X)
    log_density = model.score_samples(X)
    for i in range(0, len(X), 97):
        expected = observed_log_likelihood_by_hand(
            X[i : i + 1], model.weights_, model.means_, model.covariances_, "full"
        )
        assert log_density[i] == pytest.approx(expected, rel=1e-10)
    resp = model.predict_proba(X)
    np.testing.assert_allclose(resp.sum(axis=1), 1)
    np.testing.assert_array_equal(model.predict(X), resp.argmax(axis=1))


def test_impute_fills_the_conditional_mean_and_samples_from_the_conditional():
    rng = np.random.default_rng(9)
    covariance = np.array([[1.0, 0.8], [0.8, 2.0]])
    X = rng.multivariate_normal([1.0, -1.0], covariance, size=4000)
    X[rng.random(len(X)) < 0.2, 1] = np.nan
    model = GaussianMixture(1, missing_values="em", random_state=0).fit(X)
    mean, sigma = model.means_[0], model.covariances_[0]
    query = np.array([[2.0, np.nan], [0.0, 5.0]])
    filled = model.impute(query)
    assert filled[0, 1] == pytest.approx(mean[1] + sigma[1, 0] / sigma[0, 0] * (2.0 - mean[0]), rel=1e-12)
    np.testing.assert_array_equal(filled[1], query[1])
    draws = GaussianMixture(1, missing_values="em", random_state=1).fit(X).impute(np.tile(query[:1], (20000, 1)))
    conditional_variance = sigma[1, 1] - sigma[1, 0] ** 2 / sigma[0, 0]
    np.testing.assert_allclose(draws[:, 1], filled[0, 1], rtol=1e-12)  # conditional_mean is the default: no draw
    sampled = model.impute(np.tile(query[:1], (20000, 1)), method="sample")
    assert sampled[:, 1].mean() == pytest.approx(filled[0, 1], abs=0.03)
    assert sampled[:, 1].var() == pytest.approx(conditional_variance, rel=0.05)


def test_sampled_holes_follow_the_mixture_of_the_components_conditionals():
    # Two clusters alike in the first coordinate and far apart in the second: a row with only the first
    # observed is ambiguous, and its sampled second coordinate must come from each cluster as often as
    # its responsibility says (a draw from the most probable component alone would not).
    rng = np.random.default_rng(10)
    X = np.vstack([rng.normal([0.0, 0.0], 1.0, (600, 2)), rng.normal([0.0, 10.0], 1.0, (400, 2))])
    model = GaussianMixture(2, missing_values="em", random_state=0).fit(X)
    query = np.tile([[0.3, np.nan]], (20000, 1))
    resp = model.predict_proba(query[:1])[0]
    upper = int(np.argmax(model.means_[:, 1]))
    sampled = model.impute(query, method="sample")[:, 1]
    assert 0.2 < resp[upper] < 0.8
    assert np.mean(sampled > 5.0) == pytest.approx(resp[upper], abs=0.02)
    np.testing.assert_array_equal(model.impute(query, method="sample"), model.impute(query, method="sample"))


@pytest.mark.parametrize(
    "settings, X, match",
    [
        (dict(), [[1.0, np.nan], [2.0, 3.0]], r"X must contain only finite values .*missing_values='em'"),
        (dict(missing_values="em"), [[np.nan, np.nan], [2.0, 3.0], [1.0, 1.0]], r"X row 0 .* has every value missing"),
        (dict(missing_values="em"), [[1.0, np.nan], [2.0, np.nan], [1.0, np.nan]], r"X column 1 .* every value"),
        (dict(missing_values="em"), [[1.0, np.inf], [2.0, 3.0], [1.0, 1.0]], r"finite values or NaN .* found inf"),
        (dict(missing_values="maybe"), [[1.0, 2.0], [2.0, 3.0]], r"missing_values must be one of 'error', 'em'"),
        (dict(missing_values="em", background_volume=10.0), [[1.0, 2.0], [2.0, 3.0]], r"cannot be combined"),
        (dict(fixed="means"), [[1.0, 2.0], [2.0, 3.0]], r"fixed must be a tuple of parameter names"),
        (dict(fixed=("precisions",)), [[1.0, 2.0], [2.0, 3.0]], r"fixed must be a tuple"),
    ],
)
def test_bad_missing_value_inputs_are_named(settings, X, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(1, **settings).fit(X)


def test_impute_needs_a_model_that_knows_about_holes(blobs):
    model = GaussianMixture(3, random_state=0).fit(blobs)
    with pytest.raises(ValueError, match="impute needs a model fitted with missing_values='em'"):
        model.impute(blobs)
    em = GaussianMixture(3, missing_values="em", random_state=0).fit(blobs)
    with pytest.raises(ValueError, match="method must be 'conditional_mean' or 'sample'"):
        em.impute(blobs, method="mean")
    with pytest.raises(ValueError, match=r"X row 1 .* every value missing"):
        em.impute([[1.0, 2.0, 3.0], [np.nan] * 3])


@pytest.mark.parametrize("method", ["score_samples", "score", "predict", "predict_proba", "impute"])
def test_a_row_with_no_observed_value_is_named_by_its_row_in_X(method):
    # Rows 1 and 3 have holes; the error must name row 3 of X, not its place among the rows with holes.
    model = GaussianMixture(1, missing_values="em", random_state=0).fit(np.random.default_rng(11).normal(size=(50, 2)))
    X = np.array([[1.0, 2.0], [np.nan, 3.0], [0.0, 1.0], [np.nan, np.nan]])
    with pytest.raises(ValueError, match=r"X row 3 \(of 1 such\) has every value missing"):
        getattr(model, method)(X)


# -- parameters held fixed ---------------------------------------------------------------------------
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("fixed", [("weights",), ("means",), ("covariances",), ("weights", "covariances")])
def test_fixed_parameters_stay_and_the_rest_climb(covariance_type, fixed, blobs):
    start = given_start(blobs[[0, 300, 500]] + 0.5, covariance_type, weights=np.array([0.2, 0.3, 0.5]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GaussianMixture(3, reg_covar=0.0, tol=0, max_iter=30, fixed=fixed, **start).fit(blobs)
    initial = GaussianMixture(3, max_iter=0, **start).fit(blobs)
    for name in ("weights", "means", "covariances"):
        held = np.array_equal(getattr(model, name + "_"), getattr(initial, name + "_"))
        assert held == (name in fixed), name
    assert np.diff(model.lower_bounds_).min() >= -1e-12


def test_held_means_give_the_covariances_about_them(blobs):
    start = given_start(blobs[[0, 300, 500]], "full")
    with pytest.warns(ConvergenceWarning):  # one iteration, on purpose
        model = GaussianMixture(3, reg_covar=0.0, max_iter=1, fixed=("means",), **start).fit(blobs)
    means = np.asarray(start["means_init"])
    resp = np.exp(
        np.log(start["weights_init"]) + np.array([multivariate_normal(m, np.eye(3)).logpdf(blobs) for m in means]).T
    )
    resp /= resp.sum(axis=1, keepdims=True)
    for k in range(3):
        centred = blobs - means[k]
        expected = (resp[:, k, None] * centred).T @ centred / resp[:, k].sum()
        np.testing.assert_allclose(model.covariances_[k], expected, rtol=1e-9)
