"""The E-step and the M-step of EM for a Gaussian mixture, one function per equation.

These are the derivation-facing functions: simple, exact, working on the whole data set.
``GaussianMixture.fit`` runs the same equations chunk by chunk through sufficient statistics
(:mod:`gmmlib.statistics`); the tests prove both paths equal.

Optionally the mixture has a uniform background (clutter) component of density ``1 / V`` over a
region of volume ``V``:

    p(x) = sum_k pi_k N(x | mu_k, Sigma_k) + pi_B / V.

Its weight is the last entry of ``weights`` and its responsibility the last column of ``resp``.
"""

import numpy as np

from ._validation import (
    check_bool,
    check_covariance_type,
    check_data,
    check_mixture,
    check_responsibilities,
    check_sample_weight,
    check_scalar,
)
from .gaussian import log_gaussian_density_from_precision_cholesky, precision_cholesky


def log_weighted_densities(X, weights, means, covariances, covariance_type="full", background_volume=None):
    """``log pi_k + log N(x_i | mu_k, Sigma_k)`` (and ``log pi_B - log V`` for the background).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    weights : array-like of shape (n_components,), or (n_components + 1,) with a background
    means : array-like of shape (n_components, n_features)
    covariances : array-like, shape as for :func:`gmmlib.log_gaussian_density`
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    background_volume : float or None, default=None
        Volume ``V`` of the region of a uniform background component; None for no background.

    Returns
    -------
    log_joint : ndarray of shape (n_samples, n_columns)
        ``log p(x_i, z_i = k)``; one column per component, plus the background last.
    """
    X, weights, means, covariances = check_mixture(X, weights, means, covariances, covariance_type, background_volume)
    factors = precision_cholesky(covariances, covariance_type, check_input=False)
    return log_weighted_densities_from_precision_cholesky(
        X,
        weights,
        means,
        factors,
        covariance_type,
        None if background_volume is None else -float(np.log(background_volume)),
    )


def log_weighted_densities_from_precision_cholesky(
    X, weights, means, precisions_cholesky, covariance_type, background_log_density=None
):
    """:func:`log_weighted_densities` from precision factors, without input checks (for inner loops).

    ``background_log_density`` is ``-log V``, or None for no background.
    """
    log_joint = log_gaussian_density_from_precision_cholesky(X, means, precisions_cholesky, covariance_type)
    if background_log_density is not None:
        log_joint = np.hstack([log_joint, np.full((X.shape[0], 1), background_log_density, dtype=X.dtype)])
    return log_joint + log_of_weights(weights, X.dtype)


def log_of_weights(weights, dtype=np.float64):
    """``log pi_k``, with ``-inf`` for a weight of 0 (a component that can never be chosen) and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(weights, dtype=dtype))


def e_step(X, weights, means, covariances, covariance_type="full", background_volume=None):
    """Responsibilities ``gamma_ik = p(z_i = k | x_i)`` by Bayes' rule, and the log-likelihood.

    gamma_ik = pi_k N(x_i | mu_k, Sigma_k) / sum_j pi_j N(x_i | mu_j, Sigma_j),

    computed in log space with log-sum-exp. Derived in ``notebooks/02_em_derivation.ipynb``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    weights : array-like of shape (n_components,), or (n_components + 1,) with a background
    means : array-like of shape (n_components, n_features)
    covariances : array-like, shape as for :func:`gmmlib.log_gaussian_density`
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    background_volume : float or None, default=None
        Volume of the region of a uniform background component (its column is last).

    Returns
    -------
    resp : ndarray of shape (n_samples, n_columns)
        Rows sum to 1.
    log_likelihood : float
        ``sum_i log p(x_i)``.

    Examples
    --------
    Two unit Gaussians at -2 and 2 with equal weights: a point at 0 is shared equally, one at 2
    belongs almost surely to the second.

    >>> import numpy as np
    >>> from gmmlib import e_step
    >>> resp, log_likelihood = e_step(
    ...     X=[[0.0], [2.0]], weights=[0.5, 0.5], means=[[-2.0], [2.0]], covariances=[[[1.0]], [[1.0]]])
    >>> resp.round(4).tolist()
    [[0.5, 0.5], [0.0003, 0.9997]]
    """
    log_joint = log_weighted_densities(X, weights, means, covariances, covariance_type, background_volume)
    resp, log_density = responsibilities_from_log_joint(log_joint)
    return resp, float(np.sum(log_density))


def responsibilities_from_log_joint(log_joint):
    """Bayes' rule in log space: ``gamma_ik`` and ``log p(x_i)`` from ``log p(x_i, z_i = k)``.

    Log-sum-exp about each row's largest term; dividing by the row's sum (rather than subtracting
    its log) keeps every row summing to 1, even where the log-densities are too large to differ.

    Parameters
    ----------
    log_joint : ndarray of shape (n_samples, n_columns)

    Returns
    -------
    resp : ndarray of shape (n_samples, n_columns)
    log_density : ndarray of shape (n_samples,)
    """
    peak = log_joint.max(axis=1, keepdims=True)
    check_some_density(peak[:, 0])
    resp = np.exp(log_joint - peak)
    total = resp.sum(axis=1, keepdims=True)
    resp /= total
    return resp, (peak + np.log(total))[:, 0]


def check_some_density(log_density, first_row=0):
    """Refuse samples whose density under the whole mixture underflows to 0 (``log p(x_i) = -inf``).

    Their responsibilities would be 0/0. It happens when a sample lies so many standard
    deviations from every component that its squared Mahalanobis distance overflows the data type.
    ``first_row`` is the row number of ``log_density[0]`` in the whole data (for a chunk of it).
    """
    zero = ~(log_density > -np.inf)
    if np.any(zero):
        raise ValueError(
            f"X row {first_row + int(np.argmax(zero))} ({zero.sum()} such rows among rows {first_row} to "
            f"{first_row + len(zero) - 1}) has zero density under every component in {log_density.dtype.name}: "
            "it lies too many standard deviations from every mean. Check that the parameters are in the data's "
            "units, or use a larger reg_covar or a background component"
        )


def m_step(X, resp, covariance_type="full", reg_covar=1e-6, sample_weight=None, background=False):
    """Closed-form maximisers of the expected complete-data log-likelihood ``Q``.

    With ``N_k = sum_i w_i gamma_ik`` (``w_i`` the sample weights, 1 by default):

    pi_k = N_k / sum_i w_i,
    mu_k = sum_i w_i gamma_ik x_i / N_k,
    Sigma_k = sum_i w_i gamma_ik (x_i - mu_k)(x_i - mu_k)^T / N_k + reg_covar I,

    with the covariance computed from centred data (the raw-moment form E[xx^T] - mu mu^T loses
    precision). "tied" pools the scatter over components, "diag" keeps its diagonal and
    "spherical" the mean of that diagonal. Derived in ``notebooks/02_em_derivation.ipynb``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    resp : array-like of shape (n_samples, n_columns)
        Responsibilities; with ``background=True`` the last column is the background's.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    reg_covar : float, default=1e-6
        Non-negative value added to the diagonal of every covariance.
    sample_weight : array-like of shape (n_samples,) or None, default=None
        Non-negative weight of each sample; an integer weight counts as repeated rows.
    background : bool, default=False
        Whether the last column of ``resp`` belongs to a uniform background component.

    Returns
    -------
    weights : ndarray of shape (n_columns,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray, scikit-learn's shape for ``covariance_type``

    Examples
    --------
    Hard responsibilities give each group's share, mean and (biased) covariance:

    >>> import numpy as np
    >>> from gmmlib import m_step
    >>> X = np.array([[0.0], [2.0], [10.0], [12.0]])
    >>> resp = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> weights, means, covariances = m_step(X, resp, reg_covar=0.0)
    >>> weights.round(6), means.ravel(), covariances.ravel().round(6)
    (array([0.5, 0.5]), array([ 1., 11.]), array([1., 1.]))
    """
    X = check_data(X)
    check_covariance_type(covariance_type)
    check_scalar(reg_covar, "reg_covar", float, minimum=0)
    background = check_bool(background, "background")
    resp = check_responsibilities(resp, X.shape[0], 1 + background).astype(X.dtype)
    sample_weight = check_sample_weight(sample_weight, X.shape[0], X.dtype)
    weighted_resp = resp * sample_weight[:, None]
    # 10 eps keeps an empty component finite, as in scikit-learn.
    totals = weighted_resp.sum(axis=0) + 10 * np.finfo(X.dtype).eps
    weights = totals / totals.sum()
    gaussian_resp, counts = (weighted_resp[:, :-1], totals[:-1]) if background else (weighted_resp, totals)
    means = gaussian_resp.T @ X / counts[:, None]
    n_features = X.shape[1]
    if covariance_type == "full":
        covariances = np.empty((len(means), n_features, n_features), dtype=X.dtype)
        for k, mean in enumerate(means):
            centred = X - mean
            covariances[k] = (gaussian_resp[:, k] * centred.T) @ centred / counts[k]
            covariances[k].flat[:: n_features + 1] += reg_covar
    elif covariance_type == "tied":
        covariances = np.zeros((n_features, n_features), dtype=X.dtype)
        for k, mean in enumerate(means):
            centred = X - mean
            covariances += (gaussian_resp[:, k] * centred.T) @ centred
        covariances /= counts.sum()
        covariances.flat[:: n_features + 1] += reg_covar
    else:
        variances = np.stack([gaussian_resp[:, k] @ (X - mean) ** 2 for k, mean in enumerate(means)])
        variances /= counts[:, None]
        covariances = (variances if covariance_type == "diag" else variances.mean(axis=1)) + reg_covar
    return weights, means, covariances
