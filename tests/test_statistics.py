"""The fast chunked path (gmmlib.statistics) equals the derivation-facing e_step and m_step."""

import numpy as np
import pytest
from conftest import COVARIANCE_TYPES, given_start, random_parameters
from scipy.special import logsumexp

import gmmlib.statistics as statistics
from gmmlib import GaussianMixture, e_step, log_weighted_densities, m_step, precision_cholesky
from gmmlib.statistics import (
    accumulate_statistics,
    expansion_gains,
    parameters_from_labels,
    parameters_from_statistics,
    reference_point,
)

pytestmark = pytest.mark.filterwarnings("ignore::gmmlib.ConvergenceWarning")

FORMS = ("expanded", "centred")
# Relative to the largest entry of each parameter; float32 sums over thousands of rows.
TOLERANCE = {np.float64: 1e-11, np.float32: 5e-5}


def mixture_data(rng, covariance_type, dtype, n_samples=2000, n_components=4, n_features=3, background=None):
    weights, means, covariances = random_parameters(rng, covariance_type, n_components, n_features)
    X = means[rng.choice(n_components, size=n_samples, p=weights)] + rng.normal(size=(n_samples, n_features))
    if background is not None:
        X[: n_samples // 10] = rng.uniform(-10, 10, size=(n_samples // 10, n_features))
        weights = np.append(0.9 * weights, 0.1)
    return X.astype(dtype), weights, means, covariances


def fast_em_step(X, sample_weight, weights, means, covariances, covariance_type, background=None, **options):
    """One EM step through accumulate_statistics and parameters_from_statistics."""
    factors = precision_cholesky(np.asarray(covariances, dtype=X.dtype), covariance_type)
    stats = accumulate_statistics(
        X,
        sample_weight,
        weights,
        np.asarray(means, dtype=X.dtype),
        factors,
        covariance_type,
        None if background is None else -np.log(background),
        **options,
    )
    return stats, parameters_from_statistics(stats, covariance_type, 1e-6, background is not None)


def max_relative_error(ours, reference):
    return max(np.max(np.abs(np.asarray(a, np.float64) - b)) / np.max(np.abs(b)) for a, b in zip(ours, reference))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("background", [None, 400.0], ids=["plain", "background"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fast_path_equals_e_step_and_m_step(covariance_type, form, weighted, background, dtype):
    rng = np.random.default_rng(7)
    X, weights, means, covariances = mixture_data(rng, covariance_type, dtype, background=background)
    sample_weight = rng.uniform(0, 3, size=len(X)).astype(dtype) if weighted else np.ones(len(X), dtype)
    stats, fast = fast_em_step(X, sample_weight, weights, means, covariances, covariance_type, background, form=form)

    X64 = X.astype(np.float64)
    resp, _ = e_step(X64, weights, means, covariances, covariance_type, background)
    exact = m_step(
        X64, resp, covariance_type, 1e-6, sample_weight.astype(np.float64), background=background is not None
    )
    assert max_relative_error(fast, exact) < TOLERANCE[dtype]
    assert all(parameter.dtype == dtype for parameter in fast)
    log_norm = logsumexp(log_weighted_densities(X64, weights, means, covariances, covariance_type, background), axis=1)
    assert stats.log_likelihood == pytest.approx(sample_weight.astype(np.float64) @ log_norm, rel=TOLERANCE[dtype])
    np.testing.assert_allclose(stats.counts, sample_weight.astype(np.float64) @ resp, rtol=TOLERANCE[dtype] * 10)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_chunks_and_threads_do_not_change_the_result(covariance_type, monkeypatch):
    rng = np.random.default_rng(3)
    X, weights, means, covariances = mixture_data(rng, covariance_type, np.float64, n_samples=3001)
    sample_weight = rng.uniform(0, 2, size=len(X))
    _, one_chunk = fast_em_step(X, sample_weight, weights, means, covariances, covariance_type)
    monkeypatch.setattr(statistics, "CHUNK_ELEMENTS", 1000)  # 64-row chunks, a short one last
    results = [
        fast_em_step(X, sample_weight, weights, means, covariances, covariance_type, n_threads=n_threads)
        for n_threads in (1, 2, 5)
    ]
    assert max_relative_error(results[0][1], one_chunk) < 1e-12
    for stats, parameters in results[1:]:
        assert stats.log_likelihood == results[0][0].log_likelihood
        for ours, first in zip(parameters, results[0][1]):
            np.testing.assert_array_equal(ours, first)  # bit for bit, whatever the threads


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_stays_accurate_far_from_the_origin(covariance_type, form):
    # The raw-moment formula E[x^2] - E[x]^2 loses about 12 digits here (scikit-learn issue 30382);
    # the statistics about a shift near the data keep the digits the data have.
    rng = np.random.default_rng(5)
    X, weights, means, covariances = mixture_data(rng, covariance_type, np.float64)
    offset = 1e6
    _, centred = fast_em_step(X, np.ones(len(X)), weights, means, covariances, covariance_type, form=form)
    _, far = fast_em_step(X + offset, np.ones(len(X)), weights, means + offset, covariances, covariance_type, form=form)
    np.testing.assert_allclose(far[0], centred[0], rtol=1e-8)
    np.testing.assert_allclose(far[1] - offset, centred[1], atol=1e-8)
    np.testing.assert_allclose(far[2], centred[2], rtol=1e-6, atol=1e-8)


def tiny_clusters_far_apart(rng, n_per_cluster=500):
    """Tracking-like data: clusters of standard deviation 0.01 spread over +-1000."""
    means = np.array([[-1000.0, 0.0], [0.0, 900.0], [1000.0, -500.0]])
    X = np.repeat(means, n_per_cluster, axis=0) + 0.01 * rng.normal(size=(3 * n_per_cluster, 2))
    return X, np.full(3, 1 / 3), means, np.tile(1e-4 * np.eye(2), (3, 1, 1))


def test_auto_form_avoids_cancellation_in_float32():
    rng = np.random.default_rng(11)
    X, weights, means, covariances = tiny_clusters_far_apart(rng)
    factors = precision_cholesky(covariances, "full")
    assert np.all(expansion_gains(means, factors, "full", reference_point(weights, means)) > 1e9)
    sample_weight = np.ones(len(X))
    _, exact = fast_em_step(X, sample_weight, weights, means, covariances, "full", form="centred")
    single = X.astype(np.float32)
    _, automatic = fast_em_step(single, sample_weight.astype(np.float32), weights, means, covariances, "full")
    _, expanded = fast_em_step(
        single, sample_weight.astype(np.float32), weights, means, covariances, "full", form="expanded"
    )
    # Covariances are ~1e-4: the centred form keeps float32's digits, the expanded one loses them all.
    assert np.max(np.abs(automatic[2] - exact[2]) / 1e-4) < 1e-2
    assert np.max(np.abs(expanded[2] - exact[2]) / 1e-4) > 1


@pytest.mark.parametrize("background", [None, 1e7], ids=["plain", "background"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_auto_form_mixes_forms_per_component(dtype, background):
    # Two ordinary components near the reference point and a tiny one far away: only the tiny one
    # is too costly for the expanded form in float32 (and in float64 at this scale).
    rng = np.random.default_rng(12)
    means = np.array([[0.0, 0.0], [3.0, 1.0], [4000.0, -3000.0]])
    covariances = np.array([np.eye(2), [[1.0, 0.5], [0.5, 2.0]], 1e-6 * np.eye(2)])
    X = np.vstack([rng.multivariate_normal(mean, covariance, size=400) for mean, covariance in zip(means, covariances)])
    weights = np.full(3, 1 / 3) if background is None else np.append(np.full(3, 0.3), 0.1)
    factors = precision_cholesky(covariances, "full")
    gains = expansion_gains(means, factors, "full", reference_point(weights[:3], means))
    limit = np.finfo(dtype).eps ** -0.5
    assert np.all(gains[:2] <= limit) and gains[2] > limit
    X = X.astype(dtype)
    sample_weight = rng.uniform(0.5, 1.5, size=len(X)).astype(dtype)
    stats, automatic = fast_em_step(X, sample_weight, weights, means, covariances, "full", background)
    np.testing.assert_array_equal(stats.centres[2], means[2])  # centred about its own mean
    assert np.all(stats.centres[0] == stats.centres[1])  # both about the reference point
    X64 = X.astype(np.float64)
    resp, _ = e_step(X64, weights, means, covariances, "full", background)
    exact = m_step(X64, resp, "full", 1e-6, sample_weight.astype(np.float64), background=background is not None)
    assert max_relative_error(automatic[:1], exact[:1]) < TOLERANCE[dtype]
    for ours, reference in zip(automatic[1:], exact[1:]):
        # Relative to each component's own scale: the tiny covariance must be right too.
        scale = np.max(np.abs(reference), axis=tuple(range(1, reference.ndim)), keepdims=True)
        assert np.max(np.abs(ours - reference) / scale) < TOLERANCE[dtype] * 10


def test_float32_runs_in_float32_end_to_end(monkeypatch):
    rng = np.random.default_rng(2)
    X, weights, means, covariances = mixture_data(rng, "full", np.float32)
    seen = []
    original = statistics.responsibilities_in_place

    def spy(log_joint, sample_weight, **options):
        seen.append((log_joint.dtype, sample_weight.dtype))
        return original(log_joint, sample_weight, **options)

    monkeypatch.setattr(statistics, "responsibilities_in_place", spy)
    for form in FORMS:
        fast_em_step(X, np.ones(len(X), np.float32), weights, means, covariances, "full", form=form)
    assert seen and set(seen) == {(np.dtype(np.float32), np.dtype(np.float32))}


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_fit_agrees_with_float64_fit(covariance_type):
    rng = np.random.default_rng(9)
    X, weights, means, covariances = mixture_data(rng, covariance_type, np.float64, n_samples=3000)
    settings = dict(tol=0, max_iter=10, **given_start(means, covariance_type, weights, covariances))
    double = GaussianMixture(4, **settings).fit(X)
    single = GaussianMixture(4, **settings).fit(X.astype(np.float32))
    assert single.lower_bound_ == pytest.approx(double.lower_bound_, rel=1e-5)
    for name in ("weights_", "means_", "covariances_"):
        assert max_relative_error([getattr(single, name)], [getattr(double, name)]) < 1e-4, name


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_parameters_from_labels_equal_m_step_on_one_hot_responsibilities(covariance_type, dtype, monkeypatch):
    rng = np.random.default_rng(6)
    X = (rng.normal(size=(3001, 3)) + 1e3).astype(dtype)
    labels = rng.choice([0, 1, 3], size=len(X))  # component 2 is empty
    sample_weight = rng.uniform(0, 2, size=len(X)).astype(dtype)
    one_hot = np.eye(4, dtype=dtype)[labels]
    exact = m_step(X, one_hot, covariance_type, 1e-6, sample_weight)
    monkeypatch.setattr(statistics, "CHUNK_ELEMENTS", 1000)
    ours = parameters_from_labels(X, labels, 4, covariance_type, 1e-6, sample_weight)
    assert max_relative_error(ours, exact) < TOLERANCE[dtype]
    assert all(parameter.dtype == dtype for parameter in ours)


def test_unknown_form_is_explained():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="form must be one of 'auto', 'expanded', 'centred'; got 'fast'"):
        accumulate_statistics(X, np.ones(4), np.ones(1), np.zeros((1, 2)), np.ones((1, 2)), "diag", form="fast")


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_statistics_of_blocks_add_up_to_those_of_all_rows(covariance_type):
    """Sufficient statistics are sums over rows: blocks computed apart add up (what dask relies on)."""
    rng = np.random.default_rng(11)
    X, weights, means, covariances = mixture_data(rng, covariance_type, np.float64, n_samples=999)
    sample_weight = rng.uniform(0, 2, size=len(X))
    factors = precision_cholesky(covariances, covariance_type)
    whole = accumulate_statistics(X, sample_weight, weights, means, factors, covariance_type)
    blocks = [
        accumulate_statistics(X[rows], sample_weight[rows], weights, means, factors, covariance_type)
        for rows in (slice(0, 100), slice(100, 640), slice(640, None))
    ]
    added = blocks[0] + blocks[1] + blocks[2]
    for name in ("counts", "sums", "scatter", "log_likelihood", "total_weight"):
        np.testing.assert_allclose(getattr(added, name), getattr(whole, name), rtol=1e-12, err_msg=name)
    other = accumulate_statistics(X, sample_weight, weights, means + 1.0, factors, covariance_type, form="centred")
    with pytest.raises(ValueError, match="about the same centres"):
        _ = whole + other
