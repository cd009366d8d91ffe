"""EM through sufficient statistics, chunk by chunk: the path ``GaussianMixture.fit`` runs.

One EM iteration needs only, per component k,

    N_k = sum_i w_i gamma_ik,   s_k = sum_i w_i gamma_ik (x_i - c_k),
    S_k = sum_i w_i gamma_ik (x_i - c_k)(x_i - c_k)^T   (its diagonal for "diag"/"spherical"),

accumulated over chunks of rows, so the n x k responsibilities never exist in full. The shift
``c_k`` (the current mean) keeps the scatter close to centred: the M-step subtracts only the small
``(mu_k - c_k)(mu_k - c_k)^T`` instead of the large ``mu_k mu_k^T`` of the raw-moment formula.
The same equations, on all data at once, are :func:`gmmlib.e_step` and :func:`gmmlib.m_step`.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .gaussian import log_gaussian_density_from_precision_cholesky

#: Elements of the (chunk x components) working arrays; bounds the memory of one E-step.
CHUNK_ELEMENTS = 1 << 20


@dataclass
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
        The shifts ``c_k``.
    log_likelihood : float
        ``sum_i w_i log p(x_i)``.
    total_weight : float
        ``sum_i w_i``.
    """

    counts: np.ndarray
    sums: np.ndarray
    scatter: np.ndarray
    centres: np.ndarray
    log_likelihood: float
    total_weight: float


def chunk_rows(n_columns):
    """Rows per chunk so that a chunk's responsibilities hold about ``CHUNK_ELEMENTS`` values."""
    return max(64, CHUNK_ELEMENTS // max(n_columns, 1))


def log_weighted_densities_from_precision_cholesky(X, weights, means, precisions_cholesky, covariance_type,
                                                   background_log_density=None):
    """``log pi_k + log N(x_i | mu_k, Sigma_k)``, plus ``log pi_B + log(1/V)`` as a last column."""
    log_joint = log_gaussian_density_from_precision_cholesky(X, means, precisions_cholesky, covariance_type)
    if background_log_density is not None:
        log_joint = np.hstack([log_joint, np.full((X.shape[0], 1), background_log_density, dtype=X.dtype)])
    with np.errstate(divide="ignore"):
        return log_joint + np.log(np.asarray(weights, dtype=X.dtype))


def accumulate_statistics(X, sample_weight, weights, means, precisions_cholesky, covariance_type,
                          background_log_density=None):
    """E-step and sufficient statistics, accumulated chunk by chunk.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)
    weights : ndarray of shape (n_columns,)
    means : ndarray of shape (n_components, n_features)
    precisions_cholesky : ndarray
        As returned by :func:`gmmlib.gaussian.precision_cholesky`.
    covariance_type : {"full", "tied", "diag", "spherical"}
    background_log_density : float or None, default=None
        ``-log V`` of a uniform background component, or None.

    Returns
    -------
    SufficientStatistics
    """
    n_samples, n_features = X.shape
    n_components = means.shape[0]
    centres = np.asarray(means, dtype=X.dtype)
    n_columns = len(weights)
    counts = np.zeros(n_columns, dtype=X.dtype)
    sums = np.zeros((n_components, n_features), dtype=X.dtype)
    full_scatter = covariance_type in ("full", "tied")
    scatter = np.zeros((n_components, n_features, n_features) if full_scatter else (n_components, n_features),
                       dtype=X.dtype)
    log_likelihood = 0.0
    step = chunk_rows(n_columns)
    for start in range(0, n_samples, step):
        chunk = X[start:start + step]
        chunk_weight = sample_weight[start:start + step]
        log_joint = log_weighted_densities_from_precision_cholesky(
            chunk, weights, means, precisions_cholesky, covariance_type, background_log_density)
        log_norm = logsumexp(log_joint, axis=1)
        log_likelihood += float(chunk_weight @ log_norm)
        resp = np.exp(log_joint - log_norm[:, None])
        resp *= chunk_weight[:, None]
        counts += resp.sum(axis=0)
        for k, centre in enumerate(centres):
            centred = chunk - centre
            sums[k] += resp[:, k] @ centred
            if full_scatter:
                scatter[k] += (resp[:, k] * centred.T) @ centred
            else:
                scatter[k] += resp[:, k] @ (centred * centred)
    return SufficientStatistics(counts, sums, scatter, centres, log_likelihood, float(sample_weight.sum()))


def parameters_from_statistics(stats, covariance_type, reg_covar, has_background=False):
    """The M-step from sufficient statistics; the same equations as :func:`gmmlib.m_step`.

    Returns
    -------
    weights : ndarray of shape (n_columns,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray, scikit-learn's shape for ``covariance_type``
    """
    dtype = stats.sums.dtype
    totals = stats.counts + 10 * np.finfo(dtype).eps
    weights = totals / totals.sum()
    counts = totals[:-1] if has_background else totals
    offsets = stats.sums / counts[:, None]
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
    return weights, means, covariances
