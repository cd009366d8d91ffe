"""The multivariate Gaussian density through Cholesky factors of the precision.

Every covariance type shares one representation: the Cholesky factor ``P`` of the precision
matrix, ``Sigma^{-1} = P P^T``, stored with scikit-learn's shapes. Then

    log N(x | mu, Sigma) = -d/2 log(2 pi) + log|P| - 1/2 ||(x - mu)^T P||^2,

with no explicit inverse or determinant. Derived in ``notebooks/01_gaussian_mixture_model.ipynb``.
"""

import numpy as np
from scipy import linalg

from ._validation import _numeric_array, check_covariance_shape, check_covariance_type, check_data, check_means

LOG_2PI = float(np.log(2 * np.pi))  # a Python float keeps float32 arrays float32


def precision_cholesky(covariances, covariance_type="full", check_input=True):
    """Cholesky factors of the precision matrices, ``Sigma^{-1} = P P^T``.

    Parameters
    ----------
    covariances : array-like
        Shape (n_components, n_features, n_features) for "full", (n_features, n_features) for
        "tied", (n_components, n_features) for "diag", (n_components,) for "spherical".
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
    check_input : bool, default=True
        Check the type, shape and finiteness of ``covariances``; False skips that (for inner loops
        that pass arrays they made).

    Returns
    -------
    precisions_cholesky : ndarray, same shape as ``covariances``
        Upper-triangular factors for "full" and "tied"; ``1 / sqrt(variance)`` otherwise.

    Raises
    ------
    ValueError
        If a covariance is not positive definite (a component collapsed onto too few points);
        the message suggests increasing ``reg_covar``.
    """
    if check_input:
        covariances = _checked_covariances(covariances, covariance_type)
    covariances = np.asarray(covariances)
    message = (
        "a covariance matrix is not positive definite (component {index}): a component has "
        "collapsed onto a point or a subspace. Increase reg_covar (for example to 1e-6 or more), "
        "reduce n_components, or remove duplicate samples."
    )
    if covariance_type in ("diag", "spherical"):
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            factors = 1.0 / np.sqrt(covariances)
        bad = ~(covariances > 0) | ~np.isfinite(factors)  # a subnormal variance's precision overflows
        if np.any(bad):
            raise ValueError(message.format(index=np.flatnonzero(np.reshape(bad, (len(bad), -1)).any(axis=1))[0]))
        return factors
    stack = covariances[None] if covariance_type == "tied" else covariances
    factors = np.empty_like(stack)
    # L^{-1} by LAPACK's triangular inverse, not solve_triangular: that goes through BLAS trsm, which
    # OpenBLAS hands to its threads even for a 2 x 2 system, and on a busy machine every call then
    # waits milliseconds for a thread to be scheduled (trtri of a small matrix stays in one thread).
    (trtri,) = linalg.get_lapack_funcs(("trtri",), (stack,))
    singular_share = stack.shape[-1] * np.finfo(stack.dtype).eps  # Cholesky's rounding, about d eps
    for index, covariance in enumerate(stack):
        try:
            lower = linalg.cholesky(covariance, lower=True, check_finite=True)
        except (linalg.LinAlgError, ValueError):
            raise ValueError(message.format(index="tied" if covariance_type == "tied" else index)) from None
        # L_jj^2 / Sigma_jj is the share of feature j's variance the previous features leave
        # unexplained (scale-free): at rounding level the matrix is singular to working precision,
        # and the factorisation that succeeded is noise.
        inverse, info = trtri(lower, lower=1)
        unexplained = np.diag(lower) ** 2 / np.diag(covariance)
        if info != 0 or unexplained.min() < singular_share or not np.all(np.isfinite(inverse)):
            raise ValueError(
                message.format(index="tied" if covariance_type == "tied" else index)
                + f" (the others explain all but {unexplained.min():.1e} of feature "
                f"{int(np.argmin(unexplained))}'s variance {np.diag(covariance)[np.argmin(unexplained)]:.3g}, "
                f"which is rounding at {np.dtype(stack.dtype).name} precision)"
            )
        factors[index] = inverse.T
    return factors[0] if covariance_type == "tied" else factors


def _checked_covariances(covariances, covariance_type):
    """``covariances`` as a finite float32/float64 array of a shape ``covariance_type`` allows."""
    check_covariance_type(covariance_type)
    array = _numeric_array(covariances, "covariances")
    ndim = {"full": 3, "tied": 2, "diag": 2, "spherical": 1}[covariance_type]
    square = covariance_type in ("full", "tied")
    if array.ndim != ndim or (square and array.shape[-1] != array.shape[-2]) or 0 in array.shape:
        expected = {
            "full": "(n_components, n_features, n_features)",
            "tied": "(n_features, n_features)",
            "diag": "(n_components, n_features)",
            "spherical": "(n_components,)",
        }[covariance_type]
        raise ValueError(
            f"covariances must have shape {expected} for covariance_type={covariance_type!r}, got shape {array.shape}"
        )
    array = array.astype(np.float32 if array.dtype == np.float32 else np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError("covariances must contain only finite values")
    return array


def precisions_from_cholesky(precisions_cholesky, covariance_type="full"):
    """Precision matrices ``P P^T`` (or the squared factors for "diag" and "spherical")."""
    factors = np.asarray(precisions_cholesky)
    if covariance_type in ("diag", "spherical"):
        return factors**2
    return factors @ np.swapaxes(factors, -1, -2)


def covariances_from_precisions(precisions, covariance_type="full"):
    """Covariances ``Sigma = Lambda^{-1}`` of given precisions (used for ``precisions_init``).

    Inverted through the Cholesky factor ``Lambda = L L^T``: ``Sigma = L^{-T} L^{-1}``.
    """
    precisions = np.asarray(precisions)
    if covariance_type in ("diag", "spherical"):
        return 1.0 / precisions
    stack = precisions[None] if covariance_type == "tied" else precisions
    identity = np.eye(stack.shape[-1], dtype=stack.dtype)
    inverse_factors = np.array(
        [linalg.solve_triangular(linalg.cholesky(precision, lower=True), identity, lower=True) for precision in stack]
    )
    covariances = np.swapaxes(inverse_factors, -1, -2) @ inverse_factors
    return covariances[0] if covariance_type == "tied" else covariances


def log_det_precision_cholesky(precisions_cholesky, covariance_type, n_features):
    """``log|P|`` per component, i.e. ``-1/2 log|Sigma_k|``; a scalar for "tied"."""
    factors = np.asarray(precisions_cholesky)
    if covariance_type == "full":
        return np.sum(np.log(np.diagonal(factors, axis1=1, axis2=2)), axis=1)
    if covariance_type == "tied":
        return np.sum(np.log(np.diag(factors)))
    if covariance_type == "diag":
        return np.sum(np.log(factors), axis=1)
    return n_features * np.log(factors)


def log_gaussian_density_from_precision_cholesky(X, means, precisions_cholesky, covariance_type="full"):
    """``log N(x_i | mu_k, Sigma_k)`` for every sample and component, from precision factors.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    means : ndarray of shape (n_components, n_features)
    precisions_cholesky : ndarray
        As returned by :func:`precision_cholesky`.
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"

    Returns
    -------
    log_density : ndarray of shape (n_samples, n_components)
    """
    X = np.asarray(X)
    means = np.asarray(means, dtype=X.dtype)
    factors = np.asarray(precisions_cholesky, dtype=X.dtype)
    n_samples, n_features = X.shape
    mahalanobis = np.empty((n_samples, means.shape[0]), dtype=X.dtype)
    for k, mean in enumerate(means):
        factor = factors if covariance_type == "tied" else factors[k]
        whitened = (X - mean) @ factor if covariance_type in ("full", "tied") else (X - mean) * factor
        mahalanobis[:, k] = np.einsum("ij,ij->i", whitened, whitened)
    log_det = log_det_precision_cholesky(factors, covariance_type, n_features)
    return -0.5 * (n_features * LOG_2PI + mahalanobis) + log_det


def log_gaussian_density(X, means, covariances, covariance_type="full"):
    """``log N(x_i | mu_k, Sigma_k)`` for every sample and every component.

    Computed through the Cholesky factors of the precisions (no explicit inverse or
    determinant); derived in ``notebooks/01_gaussian_mixture_model.ipynb``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    means : array-like of shape (n_components, n_features)
    covariances : array-like
        (n_components, n_features, n_features) for "full", (n_features, n_features) for "tied",
        (n_components, n_features) for "diag", (n_components,) for "spherical".
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"

    Returns
    -------
    log_density : ndarray of shape (n_samples, n_components)

    Examples
    --------
    The standard normal at 0 and 1, and a Gaussian of variance 4 at its mean:

    >>> from gmmlib import log_gaussian_density
    >>> log_density = log_gaussian_density([[0.0], [1.0]], [[0.0], [0.0]], [1.0, 4.0], covariance_type="spherical")
    >>> log_density.round(4).tolist()
    [[-0.9189, -1.6121], [-1.4189, -1.7371]]
    """
    X = check_data(X)
    check_covariance_type(covariance_type)
    means = check_means(means, None, X.shape[1])
    covariances = check_covariance_shape(covariances, covariance_type, means.shape[0], X.shape[1])
    factors = precision_cholesky(covariances.astype(X.dtype), covariance_type, check_input=False)
    return log_gaussian_density_from_precision_cholesky(X, means, factors, covariance_type)


def full_covariance(covariances, covariance_type, component, n_features):
    """Component ``component``'s covariance as a (n_features, n_features) matrix, whatever the type."""
    covariances = np.asarray(covariances)
    if covariance_type == "full":
        return covariances[component]
    if covariance_type == "tied":
        return covariances
    if covariance_type == "diag":
        return np.diag(covariances[component])
    return covariances[component] * np.eye(n_features)


def n_covariance_parameters(covariance_type, n_components, n_features):
    """Free parameters in the covariances of a mixture."""
    return {
        "full": n_components * n_features * (n_features + 1) // 2,
        "tied": n_features * (n_features + 1) // 2,
        "diag": n_components * n_features,
        "spherical": n_components,
    }[covariance_type]
