"""EM through sufficient statistics, chunk by chunk: the fast path ``GaussianMixture.fit`` runs.

One EM iteration needs only, per component k,

    N_k = sum_i w_i gamma_ik,   s_k = sum_i w_i gamma_ik (x_i - c_k),
    S_k = sum_i w_i gamma_ik (x_i - c_k)(x_i - c_k)^T   (its diagonal for "diag"/"spherical"),

accumulated over chunks of rows, so the n x k responsibilities never exist in full. The shifts
``c_k`` keep the scatter close to centred: the M-step (:func:`parameters_from_statistics`) subtracts
only ``N_k (mu_k - c_k)(mu_k - c_k)^T`` with ``mu_k - c_k`` small, instead of the large
``N_k mu_k mu_k^T`` of the raw-moment formula, which loses every digit when the data sit far from
the origin. The same equations, on all data at once, are :func:`gmmlib.e_step` and
:func:`gmmlib.m_step`; ``tests/test_statistics.py`` proves both paths equal.

Two forms compute the statistics, both with matrix products over whole chunks and no Python loop
over samples or over components:

- **expanded** (the fast one). With ``x' = x - c`` about one reference point ``c`` (the weighted
  median of the component means) and ``Lambda_k = P_k P_k^T``,

      (x - mu_k)^T Lambda_k (x - mu_k) = x'^T Lambda_k x' - 2 x'^T Lambda_k mu'_k + mu'_k^T Lambda_k mu'_k,

  so with the chunk's features ``f(x') = [x'_j x'_l (j <= l), x', 1]`` (``[x'^2, x', 1]`` for
  "diag" and "spherical") every component's log-density, plus its log-weight and the constants
  ``log|P_k|`` and ``mu'^T Lambda mu'`` computed once per iteration, is one product
  ``F G``. The statistics about ``c`` are the one product ``R^T F`` with the weighted
  responsibilities ``R``: counts, first moments and scatter at once. Per row, the features cost
  ``d (d + 1) / 2`` multiplications and each product about ``d^2 K`` flops, half the ``2 d^2 K``
  of whitening every component.
- **centred** (the exact one). Whitened coordinates ``z_ik = (x_i - mu_k) P_k`` of each
  component, from the chunk minus that component's mean; the scatter is accumulated about
  ``c_k = mu_k`` itself, in whitened coordinates, and mapped back with ``P_k^{-1}``. Slower
  (``K`` small products per chunk for each step) but without cancellation.

The expanded form cancels terms about ``gain`` times larger than its results
(:func:`expansion_gains`: large when components sit many standard deviations from the reference
point, or when a covariance is ill-conditioned), so it loses about ``log10(gain)`` significant
digits. ``form="auto"`` chooses per component: the expanded form while it keeps at least half
of the digits of the data type (``gain <= eps**(-1/2)``: about 6.7e7 in float64, 2900 in
float32), the centred form for the others, e.g. tiny clusters far away or components collapsing
onto a subspace.

float32 data are processed in float32 throughout (features, products, exponentials); only the
few ``(K + 1) x n_features^2`` per-chunk sums are accumulated in float64. Chunks run in parallel
threads, one per processor, with single-threaded BLAS; their sums are added in chunk order, so
the result does not depend on the number of threads, bit for bit.

The equations are derived in ``notebooks/02_em_derivation.ipynb``.
"""

import dataclasses
import os
import threading
import typing
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import linalg

from .blas import single_threaded_blas
from .em import check_some_density, log_of_weights
from .gaussian import LOG_2PI, log_det_precision_cholesky

#: Elements (per row times rows) of a chunk's largest working array; bounds the memory of one
#: E-step (a few MiB per thread in float64) and keeps a chunk in the processor's cache.
CHUNK_ELEMENTS = 1 << 19

FORMS = ("auto", "expanded", "centred")
#: What :func:`score_over_chunks` computes.
SCORES = ("log_density", "responsibilities", "labels")


@dataclasses.dataclass
class SufficientStatistics:
    """Accumulated statistics of one E-step.

    Attributes
    ----------
    counts : ndarray of shape (n_columns,)
        ``N_k``, including the background column last when there is one.
    sums : ndarray of shape (n_components, n_features)
        ``s_k``, first moments about ``centres``.
    scatter : ndarray
        ``S_k``: (n_components, n_features, n_features) for "full" and "tied",
        (n_components, n_features) for "diag" and "spherical".
    centres : ndarray of shape (n_components, n_features)
        The shifts ``c_k``: the reference point for components in the expanded form, the
        component's mean for those in the centred form.
    log_likelihood : float
        ``sum_i w_i log p(x_i)``.
    total_weight : float
        ``sum_i w_i``.
    dtype : numpy.dtype, default=float64
        The data's type, that of the parameters :func:`parameters_from_statistics` returns. The
        arrays above are float64 sums, whatever the data's type.
    """

    counts: np.ndarray
    sums: np.ndarray
    scatter: np.ndarray
    centres: np.ndarray
    log_likelihood: float
    total_weight: float
    dtype: np.dtype = dataclasses.field(default_factory=lambda: np.dtype(np.float64))

    def recentred(self, centres):
        """The same statistics taken about other ``centres`` (n_components, n_features).

        With ``x - c' = (x - c) + delta``, ``delta = c - c'``: ``s' = s + N delta`` and
        ``S' = S + s delta^T + delta s^T + N delta delta^T`` (their diagonals for "diag"/"spherical").
        """
        centres = np.asarray(centres, dtype=np.float64)
        delta = self.centres - centres
        counts = self.counts[: len(centres), None]
        sums = self.sums + counts * delta
        if self.scatter.ndim == 3:
            cross = self.sums[:, :, None] * delta[:, None, :]
            scatter = (
                self.scatter
                + cross
                + np.swapaxes(cross, 1, 2)
                + counts[:, :, None] * delta[:, :, None] * delta[:, None, :]
            )
        else:
            scatter = self.scatter + 2 * self.sums * delta + counts * delta**2
        return dataclasses.replace(self, sums=sums, scatter=scatter, centres=centres)

    def __add__(self, other):
        """The statistics of two disjoint sets of rows, taken at the same parameters (so about the same centres)."""
        if not np.array_equal(self.centres, other.centres) or self.dtype != other.dtype:
            raise ValueError("only statistics taken at the same parameters, about the same centres, can be added")
        return SufficientStatistics(
            self.counts + other.counts,
            self.sums + other.sums,
            self.scatter + other.scatter,
            self.centres,
            self.log_likelihood + other.log_likelihood,
            self.total_weight + other.total_weight,
            self.dtype,
        )


@dataclasses.dataclass
class Rows:
    """Rows of data and their weights, in memory: what :meth:`GaussianMixture.fit`'s E-step runs over.

    Other kinds of rows (with holes, :class:`gmmlib.missing.RowsWithHoles`) offer the same
    :meth:`statistics`.
    """

    X: np.ndarray
    sample_weight: np.ndarray

    def statistics(self, weights, means, precisions_cholesky, covariance_type, background_log_density):
        """The E-step's :class:`SufficientStatistics` at the given parameters (:func:`accumulate_statistics`)."""
        return accumulate_statistics(
            self.X, self.sample_weight, weights, means, precisions_cholesky, covariance_type, background_log_density
        )


def chunk_rows(row_elements):
    """Rows per chunk so that a chunk's widest working array holds about ``CHUNK_ELEMENTS`` values."""
    return max(64, CHUNK_ELEMENTS // max(row_elements, 1))


def reference_point(weights, means):
    """The shift ``c`` of the expanded form: the weighted median of the component means, per feature.

    A median, not a mean, so that one component far from the others (clutter, an outlier
    cluster) does not pull the reference point away from all the others (float64).

    Parameters
    ----------
    weights : array-like of shape (n_components,)
        The Gaussian components' weights (without a background).
    means : array-like of shape (n_components, n_features)
    """
    weights = np.asarray(weights, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    if not weights.sum() > 0:
        weights = np.ones(len(means))
    order = np.argsort(means, axis=0, kind="stable")
    cumulative = np.cumsum(weights[order], axis=0)
    middle = np.argmax(cumulative >= 0.5 * cumulative[-1], axis=0)
    features = np.arange(means.shape[1])
    return means[order[middle, features], features]


def dense_precision_cholesky(precisions_cholesky, covariance_type, n_components, n_features):
    """Every covariance type's precision factors as a (n_components, n_features, n_features) stack."""
    factors = np.asarray(precisions_cholesky, dtype=np.float64)
    if covariance_type == "full":
        return factors
    if covariance_type == "tied":
        return np.broadcast_to(factors, (n_components, n_features, n_features))
    diagonal = factors if covariance_type == "diag" else np.repeat(factors[:, None], n_features, axis=1)
    return diagonal[:, :, None] * np.eye(n_features)


def expansion_gains(means, precisions_cholesky, covariance_type, reference):
    """How many times larger than their results the expanded form's terms are, per component.

    For a sample near component k, ``x - c`` is about ``|mu_k - c| + s_k`` in magnitude (``s_k``
    the standard deviations), and the expanded form adds terms ``Lambda_jl x'_j x'_l`` of size
    up to ``(|mu_k - c| + s_k)^T |Lambda_k| (|mu_k - c| + s_k)`` into a Mahalanobis distance
    of about ``d``; the same bound holds for the scatter's rounding measured in ``Lambda_k``. Both
    offsets from the reference point and ill-conditioned covariances make it large. The expanded
    form loses about ``log10(gain)`` digits for that component.

    Returns
    -------
    gains : ndarray of shape (n_components,)
        ``(|mu_k - c| + s_k)^T |Lambda_k| (|mu_k - c| + s_k) / d``, at least 1.
    """
    means = np.asarray(means, dtype=np.float64)
    n_components, n_features = means.shape
    factors = dense_precision_cholesky(precisions_cholesky, covariance_type, n_components, n_features)
    identity = np.eye(n_features)
    # Sigma = P^{-T} P^{-1}: the standard deviations are the column norms of P^{-1}.
    inverses = np.array([linalg.solve_triangular(factor, identity, lower=False) for factor in factors])
    spread = np.abs(means - reference) + np.sqrt(np.einsum("klj,klj->kj", inverses, inverses))
    magnitudes = np.einsum("kj,kjl,kl->k", spread, np.abs(factors @ np.swapaxes(factors, 1, 2)), spread)
    return np.maximum(1.0, magnitudes / n_features)


def _log_normalisers(weights, precisions_cholesky, covariance_type, n_components, n_features):
    """``log pi_k + log|P_k| - d/2 log(2 pi)``, computed once per iteration (float64)."""
    log_det = log_det_precision_cholesky(np.asarray(precisions_cholesky, dtype=np.float64), covariance_type, n_features)
    return log_of_weights(weights[:n_components]) + log_det - 0.5 * n_features * LOG_2PI


def products(shifted, full, out=None):
    """Rows ``x_j x_l`` for ``j <= l`` (``np.triu_indices`` order) if ``full``, else ``x_j^2``.

    Parameters
    ----------
    shifted : ndarray of shape (n_features, n_rows)
        A chunk, transposed.
    full : bool
    out : ndarray of shape (n_products, n_rows) or None, default=None

    Returns
    -------
    out : ndarray of shape (n_features * (n_features + 1) // 2 or n_features, n_rows)
    """
    d, n_rows = shifted.shape
    if out is None:
        out = np.empty((d * (d + 1) // 2 if full else d, n_rows), dtype=shifted.dtype)
    if not full:
        return np.multiply(shifted, shifted, out=out)
    start = 0
    for j in range(d):
        np.multiply(shifted[j], shifted[j:], out=out[start : start + d - j])
        start += d - j
    return out


def symmetric_from_products(sums, n_features):
    """Symmetric matrices from sums of the :func:`products` ``x_j x_l``, ``j <= l``.

    Parameters
    ----------
    sums : ndarray of shape (n_matrices, n_features * (n_features + 1) // 2)

    Returns
    -------
    matrices : ndarray of shape (n_matrices, n_features, n_features)
    """
    rows, cols = np.triu_indices(n_features)
    matrices = np.empty((sums.shape[0], n_features, n_features), dtype=sums.dtype)
    matrices[:, rows, cols] = sums
    matrices[:, cols, rows] = sums
    return matrices


def responsibilities_in_place(log_joint, sample_weight, first_row=0):
    """Turn ``log p(x_i, z_i = k)`` into ``w_i gamma_ik`` in place by log-sum-exp; return ``log p(x_i)``.

    Parameters
    ----------
    log_joint : ndarray of shape (n_columns, n_rows)
        One row per component (samples along the rows, so that the reductions over components
        run along whole rows); overwritten with the weighted responsibilities.
    sample_weight : ndarray of shape (n_rows,), or a scalar
    first_row : int, default=0
        Row number of the first sample in the whole data, for the error of a sample without density.

    Returns
    -------
    log_norm : ndarray of shape (n_rows,)
    """
    peak = log_joint.max(axis=0)
    check_some_density(peak, first_row)
    log_joint -= peak
    # exp is many times slower where its result is subnormal, and so are products with subnormal
    # numbers: responsibilities below sqrt(tiny) (1e-154 in float64, 1e-19 in float32) are raised
    # to it, a change far below the rounding of any sum they enter.
    np.maximum(log_joint, 0.5 * np.log(np.finfo(log_joint.dtype).tiny), out=log_joint)
    np.exp(log_joint, out=log_joint)
    total = log_joint.sum(axis=0)
    log_joint *= sample_weight / total
    np.log(total, out=total)
    total += peak
    return total


class StatisticsForm(typing.Protocol):
    """How a group of components computes a chunk's log-joint and sufficient statistics.

    Chunks are held transposed: one row per component or feature, the samples along the rows.
    :class:`ExpandedForm` and :class:`CentredForm` implement it; :func:`accumulate_statistics`
    chooses one per component.
    """

    n_totals: int
    """How many arrays :meth:`partial_statistics` returns (summed over chunks, in order)."""

    @property
    def row_elements(self) -> int:
        """Working-array elements per row of a chunk (sizes the chunks)."""

    def workspace(self, n_rows):
        """Scratch arrays for chunks of up to ``n_rows`` rows (one set per thread)."""

    def log_joint(self, chunk, workspace, out):
        """Write ``log pi_k + log N(x_i | mu_k, Sigma_k)`` of the chunk's rows into ``out`` (n_components, n_rows)."""

    def partial_statistics(self, resp, workspace):
        """The chunk's statistics from its weighted responsibilities ``w_i gamma_ik`` (n_components, n_rows)."""

    def statistics(self, totals):
        """``(sums, scatter, centres)`` of these components from the partial statistics summed over chunks."""


class ExpandedForm:
    """Features ``F = f(x - c)`` and coefficients ``G`` with ``log p(x, z = k) = G F``; statistics ``R F^T``.

    Chunks are held transposed (one feature per row, samples along the rows), so that building the
    features and every reduction over components run along long contiguous rows.
    """

    n_totals = 1  # arrays returned by partial_statistics

    def __init__(self, log_normalisers, means, factors, diagonal, reference, dtype):
        n_components, n_features = means.shape
        self.full = not diagonal
        self.reference = reference.astype(dtype)[:, None]
        self.dtype = dtype
        precisions = factors @ np.swapaxes(factors, 1, 2)
        shifted_means = means - reference
        precision_means = np.einsum("kjl,kl->kj", precisions, shifted_means)
        if self.full:
            rows, cols = np.triu_indices(n_features)
            # x'^T Lambda x' over j <= l: off-diagonal products count twice.
            quadratic = precisions[:, rows, cols] * np.where(rows == cols, 1.0, 2.0)
        else:
            quadratic = np.einsum("kjj->kj", precisions)
        n_quadratic = quadratic.shape[1]
        self.n_quadratic, self.n_features = n_quadratic, n_features
        coefficients = np.empty((n_components, n_quadratic + n_features + 1))
        coefficients[:, :n_quadratic] = -0.5 * quadratic
        coefficients[:, n_quadratic:-1] = precision_means
        coefficients[:, -1] = log_normalisers - 0.5 * np.einsum("kj,kj->k", shifted_means, precision_means)
        self.coefficients = coefficients.astype(dtype)

    @property
    def row_elements(self):
        return self.coefficients.shape[1]

    def workspace(self, n_rows):
        features = np.empty((self.coefficients.shape[1], n_rows), dtype=self.dtype)
        features[-1] = 1
        return (features,)

    def log_joint(self, chunk, workspace, out):
        features = workspace[0][:, : chunk.shape[0]]
        q, d = self.n_quadratic, self.n_features
        shifted = np.subtract(chunk.T, self.reference, out=features[q : q + d])
        products(shifted, self.full, out=features[:q])
        np.matmul(self.coefficients, features, out=out)

    def partial_statistics(self, resp, workspace):
        return (resp @ workspace[0][:-1, : resp.shape[1]].T,)

    def statistics(self, totals):
        """First moments and scatter about the reference point."""
        (moments,) = totals
        q, d = self.n_quadratic, self.n_features
        scatter = symmetric_from_products(moments[:, :q], d) if self.full else moments[:, :q]
        return moments[:, q:], scatter, np.broadcast_to(self.reference[:, 0].astype(np.float64), (len(moments), d))


class CentredForm:
    """Whitened coordinates ``P_k^T (x - mu_k)`` of all its components; scatter about each ``mu_k``.

    Chunks are held transposed, as in :class:`ExpandedForm`. Each component's mean is subtracted
    before whitening, so nothing cancels however far the components are from each other. Diagonal
    factors ("diag", "spherical") whiten by elementwise products and keep only the scatter's
    diagonal: ``d`` instead of ``d^2`` multiplications per row and component.
    """

    n_totals = 2  # arrays returned by partial_statistics

    def __init__(self, log_normalisers, means, factors, diagonal, reference, dtype):
        n_components, n_features = means.shape
        self.means, self.factors, self.diagonal = means, factors, diagonal
        self.stacked_means = means.astype(dtype)[:, :, None]
        if diagonal:
            self.scales = np.einsum("kjj->kj", factors).astype(dtype)[:, :, None]
        else:
            self.transposed_factors = np.swapaxes(factors, 1, 2).astype(dtype)
        self.log_normalisers = log_normalisers.astype(dtype)[:, None]
        self.n_components, self.n_features, self.dtype = n_components, n_features, dtype

    @property
    def row_elements(self):
        return self.n_components * self.n_features

    def workspace(self, n_rows):
        shape = (self.n_components, self.n_features, n_rows)
        return np.empty(shape, dtype=self.dtype), np.empty(shape, dtype=self.dtype)

    def log_joint(self, chunk, workspace, out):
        n_rows = chunk.shape[0]
        whitened, scratch = (array[:, :, :n_rows] for array in workspace)
        centred = np.subtract(chunk.T, self.stacked_means, out=scratch)
        if self.diagonal:
            np.multiply(centred, self.scales, out=whitened)
        else:
            np.matmul(self.transposed_factors, centred, out=whitened)
        squares = np.multiply(whitened, whitened, out=scratch)  # kept for the diagonal scatter
        np.sum(squares, axis=1, out=out)
        out *= -0.5
        out += self.log_normalisers

    def partial_statistics(self, resp, workspace):
        n_rows = resp.shape[1]
        whitened, squares = (array[:, :, :n_rows] for array in workspace)
        column = resp[:, :, None]
        sums = np.matmul(whitened, column)[:, :, 0]
        if self.diagonal:
            return sums, np.matmul(squares, column)[:, :, 0]
        weighted = np.multiply(whitened, resp[:, None, :], out=squares)
        return sums, np.matmul(weighted, whitened.transpose(0, 2, 1))

    def statistics(self, totals):
        """First moments and scatter about each component's mean, unwhitened."""
        whitened_sums, whitened_scatter = totals
        if self.diagonal:
            # x_j - mu_kj = z_j / p_kj.
            scales = np.einsum("kjj->kj", self.factors)
            return whitened_sums / scales, whitened_scatter / scales**2, self.means
        identity = np.eye(self.n_features)
        # x - mu_k = z P_k^{-1}, so s_k = s^z_k P_k^{-1} and S_k = P_k^{-T} S^z_k P_k^{-1}.
        inverses = np.array([linalg.solve_triangular(factor, identity, lower=False) for factor in self.factors])
        sums = np.einsum("kj,kjl->kl", whitened_sums, inverses)
        return sums, np.swapaxes(inverses, 1, 2) @ whitened_scatter @ inverses, self.means


def available_threads():
    """Processors this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def accumulate_statistics(
    X,
    sample_weight,
    weights,
    means,
    precisions_cholesky,
    covariance_type,
    background_log_density=None,
    form="auto",
    n_threads=None,
):
    """E-step and sufficient statistics, accumulated chunk by chunk.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        float32 or float64; processed in its own type.
    sample_weight : ndarray of shape (n_samples,)
    weights : ndarray of shape (n_columns,)
        The background's weight last when there is one.
    means : ndarray of shape (n_components, n_features)
    precisions_cholesky : ndarray
        As returned by :func:`gmmlib.gaussian.precision_cholesky`.
    covariance_type : {"full", "tied", "diag", "spherical"}
    background_log_density : float or None, default=None
        ``-log V`` of a uniform background component, or None.
    form : {"auto", "expanded", "centred"}, default="auto"
        How the chunk work is done (see the module docstring); "auto" takes the expanded form for
        every component whose cancellation (:func:`expansion_gains`) costs at most half of the
        data type's digits, and the centred form for the others.
    n_threads : int or None, default=None
        Chunks processed in parallel; None for one per available processor. The chunks' sums
        are added in chunk order, so the result does not depend on it, bit for bit.

    Returns
    -------
    SufficientStatistics
        With float64 sums; ``dtype`` is that of ``X``.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(map(repr, FORMS))}; got {form!r}")
    order, parts = choose_forms(weights, means, precisions_cholesky, covariance_type, X.dtype, form)
    background = background_term(weights, background_log_density)
    sample_weight = np.asarray(sample_weight, dtype=X.dtype)
    log_likelihood, totals = sum_over_chunks(X, sample_weight, parts, len(weights), background, n_threads)
    return reassemble(totals, order, parts, log_likelihood, float(np.sum(sample_weight, dtype=np.float64)), X.dtype)


def background_term(weights, background_log_density):
    """``log pi_B - log V``, the background's row of the log-joint, or None without a background."""
    if background_log_density is None:
        return None
    return log_of_weights(np.asarray(weights, dtype=np.float64)[-1]) + background_log_density


def choose_forms(weights, means, precisions_cholesky, covariance_type, dtype, form="auto"):
    """Which form computes each component, and the forms set up for the current parameters.

    "auto" takes the expanded form for every component whose cancellation
    (:func:`expansion_gains`) costs at most half of ``dtype``'s digits, the centred form for the others.

    Returns
    -------
    order : ndarray of int of shape (n_components,)
        The components in the order the forms hold them (expanded ones first).
    parts : list of (slice, StatisticsForm)
        Each form and the rows of the log-joint (positions in ``order``) it fills.
    """
    n_components, n_features = np.shape(means)
    weights = np.asarray(weights, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    reference = reference_point(weights[:n_components], means)
    if form == "auto":
        gains = expansion_gains(means, precisions_cholesky, covariance_type, reference)
        expanded = gains <= np.finfo(dtype).eps ** -0.5
    else:
        expanded = np.full(n_components, form == "expanded")
    order = np.concatenate([np.flatnonzero(expanded), np.flatnonzero(~expanded)])
    factors = dense_precision_cholesky(precisions_cholesky, covariance_type, n_components, n_features)[order]
    log_normalisers = _log_normalisers(weights, precisions_cholesky, covariance_type, n_components, n_features)[order]
    n_expanded = int(expanded.sum())
    diagonal = covariance_type in ("diag", "spherical")
    parts = [
        (part, kind(log_normalisers[part], means[order][part], factors[part], diagonal, reference, dtype))
        for part, kind in ((slice(0, n_expanded), ExpandedForm), (slice(n_expanded, n_components), CentredForm))
        if part.stop > part.start
    ]
    return order, parts


def sum_over_chunks(X, sample_weight, parts, n_columns, background=None, n_threads=None, first_row=0):
    """The E-step over chunks of rows, in parallel threads; the chunks' statistics summed in chunk order.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
    parts : list of (slice, StatisticsForm)
        From :func:`choose_forms`.
    n_columns : int
        Rows of the log-joint: the components, plus the background.
    background : float or None, default=None
        ``log pi_B - log V`` of a background component, or None.
    n_threads : int or None, default=None
        None for one per available processor. The sums do not depend on it, bit for bit.
    first_row : int, default=0
        Row number of ``X[0]`` in the whole data, for error messages (``X`` may be one block).

    Returns
    -------
    log_likelihood : float
        ``sum_i w_i log p(x_i)``.
    totals : list of ndarray
        The counts ``N_k`` (in the forms' order, background last), then each form's
        :meth:`StatisticsForm.partial_statistics` summed over chunks, in float64.
    """

    def chunk_statistics(start, log_joint, workspaces):
        chunk_weight = sample_weight[start : start + log_joint.shape[1]]
        log_density = responsibilities_in_place(log_joint, chunk_weight, first_row=first_row + start)
        return float(chunk_weight @ log_density), [log_joint.sum(axis=1)] + [
            total
            for (part, method), workspace in zip(parts, workspaces)
            for total in method.partial_statistics(log_joint[part], workspace)
        ]

    log_likelihood, totals = 0.0, None
    for chunk_log_likelihood, partial in map_log_joint(X, parts, n_columns, background, chunk_statistics, n_threads):
        log_likelihood += chunk_log_likelihood
        totals = (
            [p.astype(np.float64) for p in partial]
            if totals is None
            else [total + p for total, p in zip(totals, partial)]
        )
    return log_likelihood, totals


def map_log_joint(X, parts, n_columns, background, function, n_threads=None):
    """``function(start, log_joint, workspaces)`` on each chunk's log-joint, in threads; results in chunk order.

    The one chunk loop of the E-step and the scoring methods. ``log_joint`` holds
    ``log p(x_i, z_i = k)`` of the rows ``X[start : start + n_rows]``, shape (n_columns, n_rows), in
    the forms' order (:func:`choose_forms`), background last; ``workspaces`` are the forms' scratch
    arrays, as their :meth:`StatisticsForm.log_joint` left them. Both are the thread's own and are
    overwritten by its next chunk.

    Yields
    ------
    result
        ``function``'s result for each chunk, in chunk order (so that sums over them do not depend on
        the threads' timing).
    """
    n_samples = X.shape[0]
    step = chunk_rows(max([method.row_elements for _, method in parts] + [n_columns]))
    starts = range(0, n_samples, step)
    local = threading.local()

    def chunk_result(start):
        if not hasattr(local, "workspaces"):
            local.workspaces = [method.workspace(min(step, n_samples)) for _, method in parts]
            local.log_joint = np.empty((n_columns, min(step, n_samples)), dtype=X.dtype)
        chunk = X[start : start + step]
        log_joint = local.log_joint[:, : chunk.shape[0]]
        for (part, method), workspace in zip(parts, local.workspaces):
            method.log_joint(chunk, workspace, out=log_joint[part])
        if background is not None:
            log_joint[-1] = background
        return function(start, log_joint, local.workspaces)

    n_threads = min(available_threads() if n_threads is None else n_threads, len(starts))
    with single_threaded_blas(), ThreadPoolExecutor(n_threads) as pool:
        yield from (pool.map if n_threads > 1 else map)(chunk_result, starts)


def score_over_chunks(
    X, weights, means, precisions_cholesky, covariance_type, background_log_density=None, output="log_density"
):
    """What ``GaussianMixture``'s scoring methods return, chunk by chunk in threads as in its E-step.

    The forms of the E-step (:func:`choose_forms`) compute each chunk's log-joint, so neither the
    n x K log-joint nor, except for ``output="responsibilities"``, an n x K result is ever held.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        float32 or float64; processed in its own type.
    weights, means, precisions_cholesky, covariance_type, background_log_density
        As for :func:`accumulate_statistics`.
    output : {"log_density", "responsibilities", "labels"}, default="log_density"

    Returns
    -------
    log_density : ndarray of shape (n_samples,)
        ``log p(x_i)``, for ``output="log_density"``.
    responsibilities : ndarray of shape (n_samples, n_columns)
        ``gamma_ik``, the background's column last, for ``output="responsibilities"``.
    labels : ndarray of int of shape (n_samples,)
        The column of the largest ``log p(x_i, z_i = k)`` (the first of equal ones), -1 for the
        background, for ``output="labels"``.
    """
    order, parts = choose_forms(weights, means, precisions_cholesky, covariance_type, X.dtype)
    return score_chunks(X, order, parts, len(weights), background_term(weights, background_log_density), output)


def score_chunks(X, order, parts, n_columns, background=None, output="log_density", n_threads=None, first_row=0):
    """:func:`score_over_chunks` with the forms chosen (as :func:`sum_over_chunks` is to :func:`accumulate_statistics`).

    ``order`` and ``parts`` come from :func:`choose_forms`, ``background`` from :func:`background_term`;
    ``first_row`` is the row number of ``X[0]`` in the whole data (for error messages).
    """
    if output not in SCORES:
        raise ValueError(f"output must be one of {', '.join(map(repr, SCORES))}; got {output!r}")
    n_samples, n_components = X.shape[0], len(order)
    # The row of the log-joint holding each column: component k, then the background.
    positions = np.concatenate([np.argsort(order), np.arange(n_components, n_columns)])
    shape = {"log_density": (n_samples,), "responsibilities": (n_samples, n_columns), "labels": (n_samples,)}[output]
    result = np.empty(shape, dtype=np.intp if output == "labels" else X.dtype)

    def chunk_scores(start, log_joint, workspaces):
        rows = slice(start, start + log_joint.shape[1])
        if output == "labels":
            in_column_order = log_joint[positions]
            check_some_density(in_column_order.max(axis=0), first_row + start)
            labels = in_column_order.argmax(axis=0)
            labels[labels == n_components] = -1
            result[rows] = labels
        else:
            log_density = responsibilities_in_place(log_joint, X.dtype.type(1), first_row + start)
            result[rows] = log_density if output == "log_density" else log_joint[positions].T

    for _ in map_log_joint(X, parts, n_columns, background, chunk_scores, n_threads):
        pass
    return result


def reassemble(totals, order, parts, log_likelihood, total_weight, dtype):
    """:class:`SufficientStatistics` in the components' own order from :func:`sum_over_chunks`' totals."""
    n_components = len(order)
    counts = np.empty(len(totals[0]))
    counts[order] = totals[0][:n_components]
    counts[n_components:] = totals[0][n_components:]
    pieces, position = [], 1
    for part, method in parts:
        pieces.append((order[part], method.statistics(totals[position : position + method.n_totals])))
        position += method.n_totals
    first_sums, first_scatter, _ = pieces[0][1]
    sums, centres = np.empty((n_components, first_sums.shape[1])), np.empty((n_components, first_sums.shape[1]))
    scatter = np.empty((n_components, *first_scatter.shape[1:]))
    for rows, (part_sums, part_scatter, part_centres) in pieces:
        sums[rows], scatter[rows], centres[rows] = part_sums, part_scatter, part_centres
    return SufficientStatistics(counts, sums, scatter, centres, log_likelihood, total_weight, dtype)


def parameters_from_statistics(stats, covariance_type, reg_covar, has_background=False, means=None):
    """The M-step from sufficient statistics; the same equations as :func:`gmmlib.m_step`.

    Computed in float64 and returned in ``stats.dtype``. One difference: a component with no
    responsibility at all (``N_k`` at the ``10 eps`` floor) keeps its shift ``c_k`` as its mean,
    where :func:`gmmlib.m_step` (like scikit-learn) sends it towards the origin; its covariance is
    ``reg_covar`` in both.

    ``means``, when given, are held: the covariances are then the maximisers about them, the
    scatter about ``means`` over ``N_k`` (``GaussianMixture(fixed=("means",))``).

    Returns
    -------
    weights : ndarray of shape (n_columns,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray, scikit-learn's shape for ``covariance_type``
    """
    dtype = stats.dtype
    totals = np.asarray(stats.counts, dtype=np.float64) + 10 * np.finfo(dtype).eps
    weights = totals / totals.sum()
    counts = totals[:-1] if has_background else totals
    if means is None:
        offsets = stats.sums / counts[:, None]
    else:  # about the held means, the offsets of the means from the centres are zero
        stats = stats.recentred(means)
        offsets = np.zeros_like(stats.sums)
    means = stats.centres + offsets
    n_features = means.shape[1]
    if covariance_type in ("full", "tied"):
        scatter = stats.scatter - counts[:, None, None] * offsets[:, :, None] * offsets[:, None, :]
        if covariance_type == "full":
            covariances = scatter / counts[:, None, None]
        else:
            covariances = scatter.sum(axis=0) / counts.sum()
        # Symmetrise away rounding so that Cholesky sees an exactly symmetric matrix.
        covariances = 0.5 * (covariances + np.swapaxes(covariances, -1, -2))
        diagonal = np.arange(n_features)
        covariances[..., diagonal, diagonal] += reg_covar
    else:
        variances = stats.scatter / counts[:, None] - offsets**2
        np.maximum(variances, 0, out=variances)
        covariances = (variances if covariance_type == "diag" else variances.mean(axis=1)) + reg_covar
    return weights.astype(dtype), means.astype(dtype), covariances.astype(dtype)


def parameters_from_labels(X, labels, n_components, covariance_type="full", reg_covar=1e-6, sample_weight=None):
    """The M-step for hard assignments, chunk by chunk, without an n x K responsibility array.

    Equal to ``m_step(X, one_hot(labels), covariance_type, reg_covar, sample_weight)``: the start
    of ``GaussianMixture.fit`` from k-means or k-means++ labels. Two passes over ``X``: the
    means (:func:`label_sums`), then the scatter about each sample's own component mean, exactly
    centred (:func:`label_scatter`).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    labels : ndarray of int of shape (n_samples,)
        Component of each sample, in ``range(n_components)``.
    n_components : int
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    reg_covar : float, default=1e-6
    sample_weight : ndarray of shape (n_samples,) or None, default=None

    Returns
    -------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray, scikit-learn's shape for ``covariance_type``
    """
    sample_weight = (
        np.ones(X.shape[0], dtype=X.dtype) if sample_weight is None else np.asarray(sample_weight, dtype=X.dtype)
    )
    with single_threaded_blas():
        counts, sums = label_sums(X, labels, n_components, sample_weight)
        means = label_means(counts, sums, X.dtype)
        scatter = label_scatter(X, labels, means, sample_weight, covariance_type)
    total_weight = float(np.sum(sample_weight, dtype=np.float64))
    return parameters_from_label_statistics(counts, means, scatter, total_weight, covariance_type, reg_covar)


def _label_chunks(X, labels, n_components, sample_weight):
    """``(rows, w_i 1[label_i = k])`` for each chunk of rows, the weighted one-hot array of shape (K, n_rows)."""
    n_features = X.shape[1]
    step = chunk_rows(max(n_features * (n_features + 1) // 2, n_components))
    for start in range(0, X.shape[0], step):
        rows = slice(start, start + step)
        chunk_labels = labels[rows]
        resp = np.zeros((n_components, len(chunk_labels)), dtype=X.dtype)
        resp[chunk_labels, np.arange(len(chunk_labels))] = sample_weight[rows]
        yield rows, resp


def label_sums(X, labels, n_components, sample_weight):
    """Weighted counts ``N_k`` and sums ``sum_i w_i x_i`` of the rows of each component (float64).

    Returns
    -------
    counts : ndarray of shape (n_components,)
    sums : ndarray of shape (n_components, n_features)
    """
    counts, sums = np.zeros(n_components), np.zeros((n_components, X.shape[1]))
    for rows, resp in _label_chunks(X, labels, n_components, sample_weight):
        counts += resp.sum(axis=1)
        sums += resp @ X[rows]
    return counts, sums


def label_means(counts, sums, dtype):
    """Each component's mean from :func:`label_sums` (an empty component's at the origin), in ``dtype``."""
    return (sums / (counts + 10 * np.finfo(dtype).eps)[:, None]).astype(dtype)


def label_scatter(X, labels, means, sample_weight, covariance_type):
    """Weighted scatter of each component's rows about its mean (float64).

    Returns
    -------
    scatter : ndarray of shape (n_components, n_features * (n_features + 1) // 2) for "full" and
        "tied" (the :func:`products` ``j <= l``), (n_components, n_features) otherwise
    """
    full = covariance_type in ("full", "tied")
    n_features = X.shape[1]
    scatter = np.zeros((len(means), n_features * (n_features + 1) // 2 if full else n_features))
    for rows, resp in _label_chunks(X, labels, len(means), sample_weight):
        centred = (X[rows] - means[labels[rows]]).T
        scatter += resp @ products(centred, full).T
    return scatter


def parameters_from_label_statistics(counts, means, scatter, total_weight, covariance_type, reg_covar):
    """The M-step of :func:`parameters_from_labels` from its statistics (summed over blocks of rows)."""
    n_components, n_features = means.shape
    full = covariance_type in ("full", "tied")
    stats = SufficientStatistics(
        counts,
        np.zeros((n_components, n_features)),
        symmetric_from_products(scatter, n_features) if full else scatter,
        means.astype(np.float64),
        0.0,
        total_weight,
        means.dtype,
    )
    return parameters_from_statistics(stats, covariance_type, reg_covar)
