"""GaussianMixture: parity with scikit-learn, sample weights, monotone EM, recovery, criteria."""

import warnings

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, given_start, well_separated_blobs
from sklearn.base import clone
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from sklearn.model_selection import GridSearchCV, KFold

from gmmlib import ConvergenceWarning, GaussianMixture

# Many tests run a fixed number of iterations with tol=0 on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::gmmlib.ConvergenceWarning")


def identical_start(X, covariance_type, n_components=3, seed=0):
    """A start both libraries accept: perturbed parameters from a short scikit-learn fit."""
    reference = SklearnGaussianMixture(
        n_components, covariance_type=covariance_type, max_iter=2, random_state=seed
    ).fit(X)
    rng = np.random.default_rng(seed)
    return dict(
        weights_init=reference.weights_,
        means_init=reference.means_ + rng.normal(scale=0.5, size=reference.means_.shape),
        precisions_init=reference.precisions_,
    )


def relative_error(ours, theirs):
    return np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-300))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_same_start_same_result_as_scikit_learn(blobs, covariance_type):
    start = identical_start(blobs, covariance_type)
    settings = dict(covariance_type=covariance_type, tol=0, max_iter=25, **start)
    theirs = SklearnGaussianMixture(3, **settings).fit(blobs)
    ours = GaussianMixture(3, **settings).fit(blobs)
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"):
        if name == "precisions_cholesky_" and covariance_type in ("full", "tied"):
            continue  # both are factors of the same precision, scikit-learn's lower and ours upper
        assert relative_error(getattr(ours, name), getattr(theirs, name)) < 1e-8, name
    assert ours.n_iter_ == theirs.n_iter_ == 25
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-10)
    np.testing.assert_allclose(ours.lower_bounds_, theirs.lower_bounds_, rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(blobs), theirs.predict(blobs))
    np.testing.assert_allclose(ours.score_samples(blobs), theirs.score_samples(blobs), rtol=1e-9)
    assert ours.bic(blobs) == pytest.approx(theirs.bic(blobs), rel=1e-10)
    assert ours.aic(blobs) == pytest.approx(theirs.aic(blobs), rel=1e-10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_integer_sample_weight_equals_repeated_rows(covariance_type):
    rng = np.random.default_rng(4)
    X = well_separated_blobs(rng, (60, 50, 40))
    counts = rng.integers(0, 4, size=len(X))
    start = dict(tol=0, max_iter=30, **given_start(X[[0, 70, 120]], covariance_type))
    weighted = GaussianMixture(3, **start).fit(X, sample_weight=counts)
    repeated = GaussianMixture(3, **start).fit(np.repeat(X, counts, axis=0))
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(weighted, name), getattr(repeated, name), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.lower_bounds_, repeated.lower_bounds_, rtol=1e-11)


def test_zero_weight_removes_the_row():
    rng = np.random.default_rng(5)
    X = well_separated_blobs(rng, (50, 50, 50))
    outlier = np.vstack([X, [[100.0, 100.0, 100.0]]])
    weight = np.append(np.ones(len(X)), 0.0)
    start = dict(tol=0, max_iter=20, **given_start(X[[0, 60, 110]], "full"))
    without = GaussianMixture(3, **start).fit(X)
    zero_weighted = GaussianMixture(3, **start).fit(outlier, sample_weight=weight)
    np.testing.assert_allclose(zero_weighted.means_, without.means_, rtol=1e-12)
    np.testing.assert_allclose(zero_weighted.covariances_, without.covariances_, rtol=1e-10)


def test_weighted_kmeans_plus_plus_never_seeds_on_zero_weight_rows():
    rng = np.random.default_rng(6)
    X = np.vstack([rng.normal(size=(100, 2)), rng.normal(50, 1, size=(100, 2))])
    weight = np.r_[np.ones(100), np.zeros(100)]
    model = GaussianMixture(2, init_params="kmeans++", random_state=0, max_iter=0).fit(X, sample_weight=weight)
    assert np.all(np.abs(model.means_) < 10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_likelihood_never_decreases_without_regularisation(covariance_type):
    rng = np.random.default_rng(7)
    X = np.vstack([rng.normal(size=(150, 2)), rng.normal([2.0, 1.0], 0.7, size=(150, 2))])
    model = GaussianMixture(
        4, covariance_type=covariance_type, reg_covar=0.0, tol=0, max_iter=300, init_params="random", random_state=1
    ).fit(X)
    bounds = np.asarray(model.lower_bounds_)
    assert len(bounds) == 300
    assert np.all(np.diff(bounds) >= -1e-12 * np.abs(bounds[1:])), np.diff(bounds).min()


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_recovers_known_parameters(covariance_type):
    rng = np.random.default_rng(8)
    means = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    weights = np.array([0.5, 0.3, 0.2])
    labels = rng.choice(3, size=6000, p=weights)
    X = means[labels] + rng.normal(size=(6000, 2)) * np.array([1.0, 0.5])
    model = GaussianMixture(3, covariance_type=covariance_type, random_state=0, n_init=2).fit(X)
    order = np.argsort(model.means_[:, 0] + 2 * model.means_[:, 1])
    np.testing.assert_allclose(model.means_[order], means, atol=0.1)
    np.testing.assert_allclose(model.weights_[order], weights, atol=0.02)
    if covariance_type in ("full", "diag"):
        variances = (
            model.covariances_ if covariance_type == "diag" else np.diagonal(model.covariances_, axis1=1, axis2=2)
        )
        np.testing.assert_allclose(variances, np.tile([1.0, 0.25], (3, 1)), rtol=0.15)
    assert model.converged_


def test_sampling_statistics_match_the_model():
    model = GaussianMixture(2, covariance_type="full", random_state=0)
    model.weights_ = np.array([0.3, 0.7])
    model.background_weight_ = 0.0
    model.means_ = np.array([[0.0, 0.0], [5.0, -5.0]])
    model.covariances_ = np.array([[[1.0, 0.6], [0.6, 2.0]], [[0.5, 0.0], [0.0, 0.5]]])
    samples, labels = model.sample(40000)
    assert samples.shape == (40000, 2)
    assert np.mean(labels == 0) == pytest.approx(0.3, abs=0.01)
    for k in range(2):
        np.testing.assert_allclose(samples[labels == k].mean(axis=0), model.means_[k], atol=0.05)
        np.testing.assert_allclose(np.cov(samples[labels == k].T), model.covariances_[k], atol=0.06)


@pytest.mark.parametrize("covariance_type, expected", [("spherical", 13), ("diag", 21), ("tied", 26), ("full", 41)])
def test_bic_and_aic_count_parameters(covariance_type, expected):
    X = np.random.default_rng(9).normal(size=(200, 5))
    model = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    log_likelihood = model.score(X) * len(X)
    assert model.bic(X) == pytest.approx(-2 * log_likelihood + expected * np.log(200))
    assert model.aic(X) == pytest.approx(-2 * log_likelihood + 2 * expected)


@pytest.mark.parametrize("init_params", ["kmeans++", "kmeans", "random", "random_from_data"])
def test_same_seed_same_result_bit_for_bit(blobs, init_params):
    first = GaussianMixture(3, init_params=init_params, n_init=2, random_state=42).fit(blobs)
    second = GaussianMixture(3, init_params=init_params, n_init=2, random_state=42).fit(blobs)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    # A Generator seeded with 42 draws what random_state=42 draws; a used one draws on.
    rng = np.random.default_rng(42)
    generator = GaussianMixture(3, init_params=init_params, n_init=2, random_state=rng).fit(blobs)
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_array_equal(getattr(generator, name), getattr(first, name))
    assert rng.bit_generator.state != np.random.default_rng(42).bit_generator.state


def test_convergence_warning_and_flags(blobs):
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = GaussianMixture(3, max_iter=2, tol=1e-12, random_state=0).fit(blobs)
    assert not model.converged_ and model.n_iter_ == 2 and len(model.lower_bounds_) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = GaussianMixture(3, random_state=0).fit(blobs)
    assert model.converged_ and model.lower_bound_ == model.lower_bounds_[-1]
    assert abs(model.lower_bounds_[-1] - model.lower_bounds_[-2]) < model.tol


def test_degenerate_component_needs_reg_covar():
    X = np.vstack([np.zeros((20, 2)), np.random.default_rng(10).normal(5, 1, size=(40, 2))])
    start = given_start([[0.0, 0.0], [5.0, 5.0]], "full")
    failed = GaussianMixture(2, reg_covar=0.0, **start)
    with pytest.raises(ValueError, match="reg_covar"):
        failed.fit(X)
    assert not hasattr(failed, "means_")  # a failed fit leaves no fitted attributes behind
    model = GaussianMixture(2, **start).fit(X)
    for name in ("weights_", "means_", "covariances_", "precisions_"):
        assert np.isfinite(getattr(model, name)).all()


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_is_fitted_in_float32(blobs, covariance_type):
    start = dict(tol=0, max_iter=20, **given_start(blobs[[0, 400, 600]], covariance_type))
    single = GaussianMixture(3, **start).fit(blobs.astype(np.float32))
    double = GaussianMixture(3, **start).fit(blobs)
    for name in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        value = getattr(single, name)
        assert value.dtype == np.float32, name
        assert np.isfinite(value).all(), name
        np.testing.assert_allclose(value, getattr(double, name), rtol=2e-3, atol=2e-4)
    assert single.score_samples(blobs.astype(np.float32)).dtype == np.float32


def test_background_component_learns_the_clutter_fraction():
    rng = np.random.default_rng(11)
    signal = np.vstack([rng.normal([20.0, 20.0], 1.0, size=(300, 2)), rng.normal([70.0, 60.0], 1.5, size=(300, 2))])
    clutter = rng.uniform(0, 100, size=(400, 2))
    X = np.vstack([signal, clutter])
    model = GaussianMixture(2, background_volume=100.0 * 100.0, random_state=0, n_init=3).fit(X)
    assert model.weights_.sum() + model.background_weight_ == pytest.approx(1.0)
    assert model.background_weight_ == pytest.approx(0.4, abs=0.03)
    order = np.argsort(model.means_[:, 0])
    np.testing.assert_allclose(model.means_[order], [[20.0, 20.0], [70.0, 60.0]], atol=0.3)
    assert model.predict_proba(X).shape == (1000, 3)
    assert np.mean(model.predict(clutter) == -1) > 0.9
    with pytest.raises(ValueError, match="background"):
        model.sample(5)


def test_history_records_the_start_and_every_iteration(blobs):
    model = GaussianMixture(3, record_history=True, random_state=0).fit(blobs)
    assert len(model.history_) == model.n_iter_ + 1
    np.testing.assert_array_equal(model.history_[-1]["means"], model.means_)
    assert not hasattr(GaussianMixture(3, random_state=0).fit(blobs), "history_")


def test_warm_start_continues_from_the_fitted_parameters(blobs):
    model = GaussianMixture(3, warm_start=True, max_iter=3, tol=0, random_state=0).fit(blobs)
    first = model.lower_bounds_
    model.fit(blobs)
    straight = GaussianMixture(3, max_iter=6, tol=0, random_state=0).fit(blobs)
    np.testing.assert_allclose(first + model.lower_bounds_, straight.lower_bounds_, rtol=1e-12)


def test_verbose_prints_initialisations_and_iterations(blobs, capsys):
    GaussianMixture(3, n_init=2, verbose=1, verbose_interval=1, random_state=0).fit(blobs)
    out = capsys.readouterr().out
    assert "Initialisation 1/2 [" in out and "Initialisation 2/2 [####################]" in out
    assert "iteration 1: mean log-likelihood" in out


def test_works_with_scikit_learn_model_selection(blobs):
    model = GaussianMixture(1, random_state=0)
    copy = clone(model.set_params(n_components=2))
    assert copy.get_params()["n_components"] == 2 and copy is not model
    search = GridSearchCV(
        GaussianMixture(random_state=0), {"n_components": [1, 3, 6]}, cv=KFold(3, shuffle=True, random_state=0)
    ).fit(blobs)
    assert search.best_params_["n_components"] == 3
    assert repr(model) == "GaussianMixture(n_components=2, random_state=0)"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_scale_of_sample_weight_does_not_matter(dtype):
    rng = np.random.default_rng(12)
    X = np.vstack([rng.normal(size=(20000, 2)), rng.normal(20, 1, size=(50, 2))]).astype(dtype)
    start = dict(tol=0, max_iter=10, **given_start([[0.0, 0.0], [20.0, 20.0]], "full"))
    plain = GaussianMixture(2, **start).fit(X)
    for scale in (1 / len(X), 1e-30, 1e30):
        scaled = GaussianMixture(2, **start).fit(X, sample_weight=np.full(len(X), scale))
        np.testing.assert_allclose(scaled.means_, plain.means_, rtol=1e-6 if dtype == np.float32 else 1e-12)
        assert scaled.lower_bound_ == pytest.approx(plain.lower_bound_, rel=1e-6)


def test_warm_start_converges_like_scikit_learn(blobs):
    model = GaussianMixture(3, warm_start=True, max_iter=1, random_state=0)
    converged = [model.fit(blobs).converged_ for _ in range(30)]
    theirs = SklearnGaussianMixture(3, warm_start=True, max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        their_converged = [theirs.fit(blobs).converged_ for _ in range(30)]
    assert any(converged) and converged.index(True) <= their_converged.index(True) + 1


@pytest.mark.parametrize("change", [dict(n_components=4), dict(covariance_type="diag"), dict(background_volume=1e4)])
def test_warm_start_refuses_a_changed_structure(blobs, change):
    model = GaussianMixture(3, warm_start=True, random_state=0).fit(blobs)
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"warm_start=True continues the fitted model, fitted with {name}="):
        model.set_params(**change).fit(blobs)


def test_refit_without_recording_drops_the_old_history(blobs):
    model = GaussianMixture(3, record_history=True, random_state=0).fit(blobs)
    model.set_params(record_history=False, max_iter=2).fit(blobs)
    assert not hasattr(model, "history_")


def test_strongly_correlated_float32_features_are_fitted():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 10, 2000)
    X = np.column_stack([x, x + 0.01 * rng.normal(size=2000)])
    single = GaussianMixture(2, random_state=0).fit(X.astype(np.float32))
    double = GaussianMixture(2, random_state=0).fit(X)
    assert single.lower_bound_ == pytest.approx(double.lower_bound_, abs=0.01)


def test_a_random_state_instance_is_used_as_scikit_learn_uses_it(blobs):
    first, second = np.random.RandomState(0), np.random.RandomState(0)
    fits = [
        GaussianMixture(3, init_params="random", max_iter=3, random_state=state).fit(blobs) for state in (first, second)
    ]
    np.testing.assert_array_equal(fits[0].means_, fits[1].means_)  # equal RandomStates, equal fits
    again = GaussianMixture(3, init_params="random", max_iter=3, random_state=first).fit(blobs)
    assert not np.array_equal(again.means_, fits[0].means_)  # the instance advanced, as in scikit-learn
    # One draw per fit, and none by a fit that refuses its data.
    one_draw = np.random.RandomState(0)
    one_draw.randint(np.iinfo(np.int64).max, dtype=np.int64)
    assert second.randint(10**9) == one_draw.randint(10**9)  # second made one fit
    untouched = np.random.RandomState(1)
    with pytest.raises(ValueError, match="X must contain only finite values"):
        GaussianMixture(3, random_state=untouched).fit(np.full((10, 2), np.nan))
    assert untouched.randint(10**9) == np.random.RandomState(1).randint(10**9)
