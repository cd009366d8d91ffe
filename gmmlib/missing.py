"""EM for a Gaussian mixture when entries of X are missing (NaN), missing at random.

For a row with observed coordinates ``o`` and missing ones ``m``, under component ``k``:

    p(x_o | z = k) = N(x_o | mu_o, Sigma_oo),
    x_m | x_o, z = k  ~  N(mu_m + Sigma_mo Sigma_oo^{-1} (x_o - mu_o),  Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om).

The E-step takes the responsibilities from the observed coordinates alone, and the expected
sufficient statistics from the completed row ``xhat`` (the conditional mean in the holes): the sums
``sum_i gamma_ik xhat_i`` and the scatter ``sum_i gamma_ik (xhat_i xhat_i^T + C_ik)``, where
``C_ik`` holds the conditional covariance in the missing block. The M-step is unchanged
(:func:`gmmlib.statistics.parameters_from_statistics`), and EM climbs the observed-data
log-likelihood ``sum_i log p(x_{i,o})``.

The conditionals are read off each component's precision matrix (:class:`ConditionalGaussians`),
so a pattern of holes costs one factorisation of its ``n_missing x n_missing`` precision block per
component, and the rows of a chunk share two matrix products per component. Rows are sorted by
their pattern once per fit (:func:`pattern_chunks`). Every covariance type goes through its dense
matrices (for "diag" and "spherical" the regression on the observed coordinates is exactly zero).
Derived in ``notebooks/07_missing_values.ipynb``.
"""

import dataclasses

import numpy as np

from .em import responsibilities_from_log_joint
from .gaussian import LOG_2PI, precision_cholesky
from .statistics import Rows, SufficientStatistics, chunk_rows, dense_precision_cholesky


@dataclasses.dataclass
class RowsWithHoles:
    """Rows of data some of whose entries are missing: the complete ones, and the others with their holes.

    Offers the E-step of :class:`gmmlib.statistics.Rows`: :meth:`statistics`.
    """

    complete: Rows | None
    X: np.ndarray
    missing: np.ndarray
    sample_weight: np.ndarray
    chunks: dict = dataclasses.field(default_factory=dict, repr=False)
    """:func:`pattern_chunks` of ``missing`` by number of components: the same at every iteration."""

    @classmethod
    def split(cls, X, missing, sample_weight):
        """Complete rows apart (they take the fast path), and the rows with holes."""
        holes = missing.any(axis=1)
        complete = None if holes.all() else Rows(X[~holes], sample_weight[~holes])
        return cls(complete, X[holes], missing[holes], sample_weight[holes])

    def statistics(self, weights, means, covariances, precisions_cholesky, covariance_type, background_log_density):
        """Expected sufficient statistics: the complete rows' plus those of the rows with holes."""
        if background_log_density is not None:
            raise ValueError("missing values cannot be combined with a background component")
        n_components = len(means)
        if n_components not in self.chunks:
            self.chunks[n_components] = pattern_chunks(self.missing, n_components)
        holes = incomplete_statistics(
            self.X,
            self.missing,
            self.sample_weight,
            weights,
            means,
            covariances,
            covariance_type,
            chunks=self.chunks[n_components],
        )
        if self.complete is None:
            return holes
        stats = self.complete.statistics(
            weights, means, covariances, precisions_cholesky, covariance_type, background_log_density
        )
        return stats + holes.recentred(stats.centres)


def fill_with_column_means(X, missing, sample_weight):
    """``X`` with each hole filled by its column's weighted mean over the observed values (for a start)."""
    observed_weight = np.where(missing, 0.0, sample_weight[:, None])
    column_means = np.where(missing, 0.0, X).T @ sample_weight / np.maximum(observed_weight.sum(axis=0), 1e-300)
    return np.where(missing, column_means.astype(X.dtype), X)


def check_missing(missing, columns=True):
    """Refuse rows with every value missing, and (for a fit) features never observed: no information."""
    checks = ((1, "X row", "remove rows"), (0, "X column", "remove features"))
    for axis, what, remedy in checks if columns else checks[:1]:
        empty = np.all(missing, axis=axis)
        if np.any(empty):
            raise ValueError(
                f"{what} {int(np.argmax(empty))} (of {int(empty.sum())} such) has every value missing (NaN); "
                f"{remedy} with no observed value"
            )


@dataclasses.dataclass
class PatternChunk:
    """A chunk of rows with the same number of holes, sorted by their pattern of holes.

    Attributes
    ----------
    rows : ndarray of int of shape (n_rows,)
        Positions of the rows in the data.
    missing : ndarray of bool of shape (n_rows, n_features)
        The rows' holes.
    holes : ndarray of int of shape (n_patterns, n_missing)
        The missing coordinates of each distinct pattern in the chunk, in increasing order.
    pattern_of_row : ndarray of int of shape (n_rows,)
        Each row's pattern, a position in ``holes``.
    """

    rows: np.ndarray
    missing: np.ndarray
    holes: np.ndarray
    pattern_of_row: np.ndarray


def pattern_chunks(missing, n_components):
    """The rows in chunks of equal numbers of holes, sorted by pattern (computed once per fit).

    Sorting puts the rows that share a pattern together, so a chunk holds few patterns when
    patterns repeat, and at most as many as rows when they do not. Rows without holes form the
    chunks with ``n_missing = 0``.

    Parameters
    ----------
    missing : ndarray of bool of shape (n_samples, n_features)
    n_components : int
        Sizes the chunks (:func:`gmmlib.statistics.chunk_rows`), whose working arrays are
        (n_components, n_rows, n_features) and (n_components, n_rows, n_missing, n_missing).

    Returns
    -------
    chunks : list of PatternChunk
    """
    n_features = missing.shape[1]
    unique, inverse = np.unique(missing, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    n_missing = unique.sum(axis=1)[inverse]
    order = np.lexsort((inverse, n_missing))  # by number of holes, then by pattern
    chunks = []
    for count in np.unique(n_missing):
        group = order[n_missing[order] == count]
        step = chunk_rows(n_components * (4 * n_features + int(count) ** 2))
        for start in range(0, len(group), step):
            rows = group[start : start + step]
            present, pattern_of_row = np.unique(inverse[rows], return_inverse=True)
            holes = np.nonzero(unique[present])[1].reshape(len(present), int(count))
            chunks.append(PatternChunk(rows, missing[rows], holes, pattern_of_row.ravel()))
    return chunks


class ConditionalGaussians:
    """Every component's Gaussian of the holes given the observed coordinates, for the patterns of a chunk.

    Read off the precision matrix ``Lambda = Sigma^{-1} = P P^T``: with ``delta = x - mu`` set to 0
    in the holes ``m``,

        x_m | x_o  ~  N(mu_m - Lambda_mm^{-1} (Lambda delta)_m,  Lambda_mm^{-1}),

    and ``Lambda_mm^{-1}`` equals the Schur complement ``Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om``
    (block inversion). With ``e`` the completed offset (``delta`` with the conditional mean offset in
    the holes), ``e`` minimises ``(x - mu)^T Lambda (x - mu)`` over ``x_m``, so

        (x_o - mu_o)^T Sigma_oo^{-1} (x_o - mu_o) = |e^T P|^2,   log|Sigma_oo| = log|Sigma| + log|Lambda_mm|.

    The squared norm has no cancellation, and an error in the conditional mean enters it only to
    second order (``e`` is a minimiser). Per pattern only ``Lambda_mm`` (n_missing x n_missing) is
    factorised; per row the work is two products with each component's ``d x d`` matrices.

    Parameters
    ----------
    means : ndarray of shape (n_components, n_features)
    factors, precision : ndarray of shape (n_components, n_features, n_features)
        ``P`` and ``Lambda`` (:func:`precision_matrices`).
    holes : ndarray of int of shape (n_patterns, n_missing)
        The patterns' missing coordinates (:class:`PatternChunk`).
    diagonal : bool, default=False
        Whether the precisions are diagonal ("diag", "spherical").

    Attributes
    ----------
    covariance : ndarray of shape (n_components, n_patterns, n_missing, n_missing)
        ``Lambda_mm^{-1}``, the conditional covariance of the holes.
    log_normalisers : ndarray of shape (n_components, n_patterns)
        ``-|o|/2 log(2 pi) - 1/2 log|Sigma_oo|``.
    """

    def __init__(self, means, factors, precision, holes, diagonal=False):
        self.means, self.factors, self.precision = means, factors, precision
        n_missing = holes.shape[1]
        if diagonal:  # a diagonal precision block is factorised and inverted elementwise
            block = np.diagonal(precision, axis1=1, axis2=2)[:, holes]  # (K, P, m)
            self.covariance = (1.0 / block)[..., None] * np.eye(n_missing)
            half_log_det_block = 0.5 * np.log(block).sum(axis=2)
        else:
            lower = np.linalg.cholesky(precision[:, holes[:, :, None], holes[:, None, :]])  # of (K, P, m, m)
            inverse_lower = np.linalg.inv(lower)
            self.covariance = _transposed(inverse_lower) @ inverse_lower
            half_log_det_block = np.log(np.diagonal(lower, axis1=2, axis2=3)).sum(axis=2)  # 1/2 log|Lambda_mm|
        n_observed = means.shape[1] - n_missing
        half_log_det_precision = np.log(np.diagonal(factors, axis1=1, axis2=2)).sum(axis=1)  # -1/2 log|Sigma|
        self.log_normalisers = -0.5 * n_observed * LOG_2PI + half_log_det_precision[:, None] - half_log_det_block

    def completed(self, rows, chunk):
        """``log N(x_o | mu_o, Sigma_oo)`` and the completed offsets ``xhat - mu`` of a chunk's rows.

        Parameters
        ----------
        rows : ndarray of shape (n_rows, n_features)
            The chunk's rows of data, float64 (their holes are ignored).
        chunk : PatternChunk

        Returns
        -------
        log_density : ndarray of shape (n_components, n_rows)
        completed : ndarray of shape (n_components, n_rows, n_features)
            ``x_o - mu_o``, and ``-Lambda_mm^{-1} (Lambda delta)_m`` in the holes.
        """
        n_components, n_rows, holes = len(self.means), len(rows), chunk.missing
        offsets = rows[None] - self.means[:, None, :]
        # A boolean mask takes each row's holes in increasing order, the order of chunk.holes.
        offsets[:, holes] = 0.0
        pulled = (offsets @ self.precision)[:, holes].reshape(n_components, n_rows, -1)  # (Lambda delta)_m
        conditional_offsets = np.einsum("krij,krj->kri", self.covariance[:, chunk.pattern_of_row], pulled)
        offsets[:, holes] = -conditional_offsets.reshape(n_components, -1)
        whitened = offsets @ self.factors
        log_density = self.log_normalisers[:, chunk.pattern_of_row] - 0.5 * np.einsum("kri,kri->kr", whitened, whitened)
        return log_density, offsets


def precision_matrices(covariances, covariance_type, n_components, n_features):
    """Each component's precision factor ``P`` and precision ``P P^T``, both (n_components, n_features, n_features)."""
    factors = dense_precision_cholesky(
        precision_cholesky(np.asarray(covariances, dtype=np.float64), covariance_type, check_input=False),
        covariance_type,
        n_components,
        n_features,
    )
    return factors, factors @ _transposed(factors)


def _transposed(matrices):
    return np.swapaxes(matrices, -1, -2)


def _sum_by_index(index, values, length):
    """``totals[index[r], j] += values[r, j]`` for a 2-D ``values``, ``totals[index] += values`` for equal shapes."""
    if index.shape == values.shape:
        return np.bincount(index.ravel(), values.ravel(), minlength=length)
    n_columns = values.shape[1]
    flat = (index[:, None] * n_columns + np.arange(n_columns)).ravel()
    return np.bincount(flat, values.ravel(), minlength=length * n_columns).reshape(length, n_columns)


def _each_chunk(X, missing, weights, means, covariances, covariance_type, chunks=None):
    """Per chunk of rows: the chunk, its conditional Gaussians, ``log pi_k + log N(x_o | mu_o, Sigma_oo)``
    (n_rows, n_components) and the completed offsets (n_components, n_rows, n_features)."""
    n_components, n_features = np.shape(means)
    means = np.asarray(means, dtype=np.float64)
    factors, precision = precision_matrices(covariances, covariance_type, n_components, n_features)
    with np.errstate(divide="ignore"):  # a weight of 0 is a component that can never be chosen
        log_weights = np.log(np.asarray(weights, dtype=np.float64))
    diagonal = covariance_type in ("diag", "spherical")
    for chunk in pattern_chunks(missing, n_components) if chunks is None else chunks:
        conditional = ConditionalGaussians(means, factors, precision, chunk.holes, diagonal)
        log_density, completed = conditional.completed(np.asarray(X[chunk.rows], dtype=np.float64), chunk)
        yield chunk, conditional, (log_density + log_weights[:, None]).T, completed


def incomplete_statistics(X, missing, sample_weight, weights, means, covariances, covariance_type, chunks=None):
    """Expected sufficient statistics of rows with holes, about the component means.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows each with at least one observed value.
    missing : ndarray of bool of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
    weights, means, covariances :
        The current parameters (no background component).
    covariance_type : {"full", "tied", "diag", "spherical"}
    chunks : list of PatternChunk or None, default=None
        :func:`pattern_chunks` of ``missing``, if already computed.

    Returns
    -------
    SufficientStatistics
        About ``means`` (add it to the complete rows' after :meth:`SufficientStatistics.recentred`).
    """
    n_components, n_features = np.shape(means)
    diagonal = covariance_type in ("diag", "spherical")
    counts = np.zeros(n_components)
    sums = np.zeros((n_components, n_features))
    scatter = np.zeros((n_components, n_features) if diagonal else (n_components, n_features, n_features))
    log_likelihood = 0.0
    for chunk, conditional, log_joint, completed in _each_chunk(
        X, missing, weights, means, covariances, covariance_type, chunks
    ):
        resp, log_norm = responsibilities_from_log_joint(log_joint)
        weighted = resp * sample_weight[chunk.rows, None]  # (n_rows, n_components)
        log_likelihood += float(sample_weight[chunk.rows] @ log_norm)
        weighted_completed = completed * weighted.T[:, :, None]
        counts += weighted.sum(axis=0)
        sums += weighted_completed.sum(axis=1)
        # The conditional covariance depends on the pattern only: weight it by the pattern's
        # responsibilities and add it into the holes' block (or diagonal) of each component's scatter.
        if diagonal:
            scatter += np.einsum("krj,krj->kj", weighted_completed, completed)
            positions, blocks = chunk.holes, np.diagonal(conditional.covariance, axis1=2, axis2=3)
        else:
            scatter += _transposed(weighted_completed) @ completed
            positions, blocks = chunk.holes[:, :, None] * n_features + chunk.holes[:, None, :], conditional.covariance
        pattern_counts = _sum_by_index(chunk.pattern_of_row, weighted, len(chunk.holes)).T  # (K, n_patterns)
        pattern_counts = pattern_counts.reshape(pattern_counts.shape + (1,) * (blocks.ndim - 2))
        starts = np.arange(n_components).reshape((-1,) + (1,) * positions.ndim) * scatter[0].size
        scatter += _sum_by_index(starts + positions, pattern_counts * blocks, scatter.size).reshape(scatter.shape)
    total_weight = float(np.sum(sample_weight, dtype=np.float64))
    centres = np.asarray(means, dtype=np.float64)
    return SufficientStatistics(counts, sums, scatter, centres, log_likelihood, total_weight, X.dtype)


def observed_log_joint(X, missing, weights, means, covariances, covariance_type):
    """``log pi_k + log N(x_o | mu_o, Sigma_oo)`` of every row, its missing coordinates marginalised.

    Returns
    -------
    log_joint : ndarray of shape (n_samples, n_components)
    """
    log_joint = np.empty((X.shape[0], len(weights)))
    for chunk, _, chunk_log_joint, _ in _each_chunk(X, missing, weights, means, covariances, covariance_type):
        log_joint[chunk.rows] = chunk_log_joint
    return log_joint


def conditional_draws(X, missing, weights, means, covariances, covariance_type, method, rng):
    """``X`` with its holes filled from the mixture's conditional distribution given each row's observed values.

    ``method="conditional_mean"`` fills ``E[x_m | x_o] = sum_k gamma_ik (mu_m + Sigma_mo Sigma_oo^{-1}
    (x_o - mu_o))``; ``method="sample"`` draws a component ``k ~ gamma_i`` and then
    ``x_m ~ N(xhat_km, Sigma_mm|o)``.
    """
    n_components = len(weights)
    means = np.asarray(means, dtype=np.float64)
    filled = np.array(X, dtype=np.float64)
    with_holes = np.flatnonzero(missing.any(axis=1))
    for chunk, conditional, log_joint, completed in _each_chunk(
        filled[with_holes], missing[with_holes], weights, means, covariances, covariance_type
    ):
        resp, _ = responsibilities_from_log_joint(log_joint)
        n_rows, n_missing = len(chunk.rows), chunk.holes.shape[1]
        conditional_means = (means[:, None, :] + completed)[:, chunk.missing].reshape(n_components, n_rows, n_missing)
        if method == "conditional_mean":
            values = np.einsum("nk,knj->nj", resp, conditional_means)
        else:
            # A component per row by inverting the cumulative responsibilities, then its conditional Gaussian.
            draws = rng.random((n_rows, 1))
            chosen = np.minimum((draws > np.cumsum(resp, axis=1)).sum(axis=1), n_components - 1)
            lower = np.linalg.cholesky(conditional.covariance[chosen, chunk.pattern_of_row])
            noise = rng.standard_normal((n_rows, n_missing))
            values = conditional_means[chosen, np.arange(n_rows)] + np.einsum("nij,nj->ni", lower, noise)
        rows = with_holes[chunk.rows]
        filled[rows[:, None], chunk.holes[chunk.pattern_of_row]] = values
    return filled.astype(X.dtype)
