"""EM for a Gaussian mixture when entries of X are missing (NaN), missing at random.

For a row with observed coordinates ``o`` and missing ones ``m``, under component ``k``:

    p(x_o | z = k) = N(x_o | mu_o, Sigma_oo),
    x_m | x_o, z = k  ~  N(mu_m + Sigma_mo Sigma_oo^{-1} (x_o - mu_o),  Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om).

The E-step takes the responsibilities from the observed coordinates alone, and the expected
sufficient statistics from the completed row ``xhat`` (the conditional mean in the holes): the sums
``sum_i gamma_ik xhat_i`` and the scatter ``sum_i gamma_ik (xhat_i xhat_i^T + C_ik)``, where
``C_ik`` holds the conditional covariance in the missing block. The M-step is unchanged
(:func:`gmmlib.statistics.parameters_from_statistics`), and EM climbs the observed-data
log-likelihood ``sum_i log p(x_{i,o})``. Rows are grouped by their pattern of holes, so each
pattern's conditional Gaussians are computed once per iteration. Every covariance type is handled
through its dense matrices (for "diag" and "spherical" the regression on observed coordinates is
exactly zero). Derived in ``notebooks/07_missing_values.ipynb``.
"""

import dataclasses

import numpy as np

from .em import responsibilities_from_log_joint
from .gaussian import LOG_2PI, full_covariance
from .statistics import Rows, SufficientStatistics, chunk_rows


@dataclasses.dataclass
class RowsWithHoles:
    """Rows of data some of whose entries are missing: the complete ones, and the others with their holes.

    Offers the E-step of :class:`gmmlib.statistics.Rows`: :meth:`statistics`.
    """

    complete: Rows | None
    X: np.ndarray
    missing: np.ndarray
    sample_weight: np.ndarray

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
        holes = incomplete_statistics(
            self.X, self.missing, self.sample_weight, weights, means, covariances, covariance_type
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


def missing_patterns(missing):
    """Rows grouped by their pattern of holes.

    Parameters
    ----------
    missing : ndarray of bool of shape (n_samples, n_features)

    Returns
    -------
    patterns : list of (ndarray of bool of shape (n_features,), ndarray of int)
        Each distinct pattern (True where missing) with the rows that have it, in order of
        first appearance.
    """
    unique, first, inverse = np.unique(missing, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    by_pattern = np.split(np.argsort(inverse, kind="stable"), np.cumsum(np.bincount(inverse))[:-1])
    return [(unique[p], by_pattern[p]) for p in np.argsort(first)]


def dense_covariances(covariances, covariance_type, n_components, n_features):
    """Every component's covariance as a (n_components, n_features, n_features) float64 stack."""
    return np.array(
        [full_covariance(covariances, covariance_type, k, n_features) for k in range(n_components)], dtype=np.float64
    )


class ConditionalGaussians:
    """The component Gaussians of one pattern of holes: marginals of ``x_o``, conditionals of ``x_m``.

    Attributes
    ----------
    whitening : ndarray of shape (n_components, n_observed, n_observed)
        ``L^{-1}`` with ``Sigma_oo = L L^T``, per component.
    log_normalisers : ndarray of shape (n_components,)
        ``-|o|/2 log(2 pi) - log|L|``.
    regression : ndarray of shape (n_components, n_observed, n_missing)
        ``Sigma_oo^{-1} Sigma_om``: ``xhat_m - mu_m = (x_o - mu_o) @ regression``.
    covariance : ndarray of shape (n_components, n_missing, n_missing)
        ``Sigma_mm - Sigma_mo Sigma_oo^{-1} Sigma_om``.
    """

    def __init__(self, means, dense, observed):
        missing = ~observed
        sigma_oo = dense[:, observed][:, :, observed]
        sigma_om = dense[:, observed][:, :, missing]
        lower = np.linalg.cholesky(sigma_oo)
        self.whitening = np.linalg.inv(lower)
        self.log_normalisers = -0.5 * observed.sum() * LOG_2PI - np.log(np.diagonal(lower, axis1=1, axis2=2)).sum(1)
        precision_oo = np.swapaxes(self.whitening, 1, 2) @ self.whitening
        self.regression = precision_oo @ sigma_om
        covariance = dense[:, missing][:, :, missing] - np.swapaxes(sigma_om, 1, 2) @ self.regression
        self.covariance = 0.5 * (covariance + np.swapaxes(covariance, 1, 2))
        self.means, self.observed = means, observed

    def log_densities(self, rows):
        """``log N(x_o | mu_o, Sigma_oo)`` of the rows' observed values, shape (n_components, n_rows), and
        the offsets ``x_o - mu_o``, shape (n_components, n_rows, n_observed)."""
        offsets = rows[None, :, :] - self.means[:, None, self.observed]
        whitened = offsets @ np.swapaxes(self.whitening, 1, 2)
        return self.log_normalisers[:, None] - 0.5 * np.einsum("knj,knj->kn", whitened, whitened), offsets


def _observed_rows(X, observed, rows):
    return np.asarray(X[rows][:, observed], dtype=np.float64)


def incomplete_statistics(X, missing, sample_weight, weights, means, covariances, covariance_type):
    """Expected sufficient statistics of rows with holes, about the component means.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows each with at least one missing and one observed value.
    missing : ndarray of bool of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
    weights, means, covariances :
        The current parameters (no background component).
    covariance_type : {"full", "tied", "diag", "spherical"}

    Returns
    -------
    SufficientStatistics
        About ``means`` (add it to the complete rows' after :meth:`SufficientStatistics.recentred`).
    """
    n_components, n_features = means.shape
    means = np.asarray(means, dtype=np.float64)
    dense = dense_covariances(covariances, covariance_type, n_components, n_features)
    with np.errstate(divide="ignore"):  # a weight of 0 is a component that can never be chosen
        log_weights = np.log(np.asarray(weights, dtype=np.float64))
    counts = np.zeros(n_components)
    sums = np.zeros((n_components, n_features))
    scatter = np.zeros((n_components, n_features, n_features))
    log_likelihood = 0.0
    step = chunk_rows(n_components * n_features * 4)
    for pattern, pattern_rows in missing_patterns(missing):
        observed = ~pattern
        conditional = ConditionalGaussians(means, dense, observed)
        for start in range(0, len(pattern_rows), step):
            rows = pattern_rows[start : start + step]
            log_density, offsets = conditional.log_densities(_observed_rows(X, observed, rows))
            resp, log_norm = responsibilities_from_log_joint((log_density + log_weights[:, None]).T)
            weighted = resp * sample_weight[rows, None]  # (n_rows, n_components)
            log_likelihood += float(sample_weight[rows] @ log_norm)
            # The completed rows' offsets from each mean: observed ones as they are, missing ones regressed.
            completed = np.empty((n_components, len(rows), n_features))
            completed[:, :, observed] = offsets
            completed[:, :, pattern] = offsets @ conditional.regression
            weighted_completed = completed * weighted.T[:, :, None]
            row_counts = weighted.sum(axis=0)
            counts += row_counts
            sums += weighted_completed.sum(axis=1)
            scatter += np.swapaxes(weighted_completed, 1, 2) @ completed
            scatter[np.ix_(range(n_components), pattern, pattern)] += row_counts[:, None, None] * conditional.covariance
    if covariance_type in ("diag", "spherical"):
        scatter = np.einsum("kjj->kj", scatter)
    total_weight = float(np.sum(sample_weight, dtype=np.float64))
    return SufficientStatistics(counts, sums, scatter, means, log_likelihood, total_weight, X.dtype)


def observed_log_joint(X, missing, weights, means, covariances, covariance_type):
    """``log pi_k + log N(x_o | mu_o, Sigma_oo)`` of every row, its missing coordinates marginalised.

    Returns
    -------
    log_joint : ndarray of shape (n_samples, n_components)
    """
    n_components, n_features = means.shape
    dense = dense_covariances(covariances, covariance_type, n_components, n_features)
    with np.errstate(divide="ignore"):
        log_weights = np.log(np.asarray(weights, dtype=np.float64))
    log_joint = np.empty((X.shape[0], n_components))
    for pattern, rows in missing_patterns(missing):
        observed = ~pattern
        log_density, _ = ConditionalGaussians(means, dense, observed).log_densities(_observed_rows(X, observed, rows))
        log_joint[rows] = (log_density + log_weights[:, None]).T
    return log_joint


def conditional_draws(X, missing, weights, means, covariances, covariance_type, method, rng):
    """``X`` with its holes filled from the mixture's conditional distribution given each row's observed values.

    ``method="conditional_mean"`` fills ``E[x_m | x_o] = sum_k gamma_ik (mu_m + Sigma_mo Sigma_oo^{-1}
    (x_o - mu_o))``; ``method="sample"`` draws a component ``k ~ gamma_i`` and then
    ``x_m ~ N(xhat_km, Sigma_mm|o)``.
    """
    n_components, n_features = means.shape
    dense = dense_covariances(covariances, covariance_type, n_components, n_features)
    with np.errstate(divide="ignore"):
        log_weights = np.log(np.asarray(weights, dtype=np.float64))
    filled = np.array(X, dtype=np.float64)
    for pattern, rows in missing_patterns(missing):
        if not pattern.any():
            continue
        observed = ~pattern
        conditional = ConditionalGaussians(means, dense, observed)
        log_density, offsets = conditional.log_densities(_observed_rows(X, observed, rows))
        resp, _ = responsibilities_from_log_joint((log_density + log_weights[:, None]).T)
        conditional_means = means[:, None, pattern] + offsets @ conditional.regression  # (K, n_rows, n_missing)
        if method == "conditional_mean":
            values = np.einsum("nk,knj->nj", resp, conditional_means)
        else:
            chosen = np.array([rng.choice(n_components, p=p) for p in resp])
            lower = np.linalg.cholesky(conditional.covariance)
            noise = rng.standard_normal((len(rows), int(pattern.sum())))
            values = conditional_means[chosen, np.arange(len(rows))] + np.einsum("nij,nj->ni", lower[chosen], noise)
        filled[np.ix_(rows, np.flatnonzero(pattern))] = values
    return filled.astype(X.dtype)
