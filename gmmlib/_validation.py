"""Input checks shared by the functions and the estimator.

Every check raises ``ValueError`` or ``TypeError`` with a message that names the parameter,
the value received and what was expected.
"""

import numbers

import numpy as np

COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")


def _describe(value):
    """Short description of a value for an error message."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_data(X, name="X", min_samples=1):
    """Return ``X`` as a finite 2-D float64 or float32 array.

    float32 input stays float32; every other numeric dtype becomes float64.
    """
    try:
        array = np.asarray(X)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a numeric 2-D array; could not convert it: {exc}") from exc
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got {_describe(array)}")
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got {array.ndim}-D "
            f"of shape {array.shape}; reshape 1-D data with X.reshape(-1, 1)"
        )
    if array.shape[0] < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} sample(s), got shape {array.shape}")
    if array.shape[1] < 1:
        raise ValueError(f"{name} must have at least 1 feature, got shape {array.shape}")
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    array = np.ascontiguousarray(array, dtype=dtype)
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{name} must contain only finite values; found {float(array[tuple(bad)])} at row {bad[0]}, column {bad[1]}"
        )
    return array


def check_covariance_type(covariance_type):
    if covariance_type not in COVARIANCE_TYPES:
        raise ValueError(
            f"covariance_type must be one of {', '.join(map(repr, COVARIANCE_TYPES))}; got {_describe(covariance_type)}"
        )
    return covariance_type


def check_scalar(value, name, kind, minimum=None, include_minimum=True):
    """Check an int or float hyper-parameter against its type and lower bound."""
    expected = numbers.Integral if kind is int else numbers.Real
    if isinstance(value, bool) or not isinstance(value, expected):
        raise TypeError(f"{name} must be {'an integer' if kind is int else 'a real number'}, got {_describe(value)}")
    if kind is float and not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (value < minimum or (value == minimum and not include_minimum)):
        bound = ">=" if include_minimum else ">"
        raise ValueError(f"{name} must be {bound} {minimum}, got {value!r}")
    return value


def check_sample_weight(sample_weight, n_samples, dtype):
    """Return non-negative finite weights of shape (n_samples,) with mean 1, or ones when None.

    Only the weights' ratios matter to a fit; dividing by their mean (in float64, before casting
    to ``dtype``) makes fits independent of the weights' scale, even for weights summing to 1 in
    float32.
    """
    if sample_weight is None:
        return np.ones(n_samples, dtype=dtype)
    weights = _as_float_array(sample_weight, "sample_weight")
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},) to match X, got shape {weights.shape}")
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must contain only finite values, found NaN or inf")
    if np.any(weights < 0):
        raise ValueError(f"sample_weight must be non-negative, found minimum {float(weights.min())!r}")
    if not np.any(weights > 0):
        raise ValueError("sample_weight must have at least one positive entry, got all zeros")
    return (weights / weights.mean()).astype(dtype)


def _as_float_array(value, name):
    """``value`` as a float64 array, or a TypeError naming ``name``."""
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError
        return array.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be numeric, got {_describe(value)}") from None


def check_weights(weights, n_components, name="weights"):
    weights = _as_float_array(weights, name)
    if weights.shape != (n_components,):
        raise ValueError(f"{name} must have shape ({n_components},), got shape {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"{name} must be finite and non-negative, got {_describe(weights)} with minimum {float(np.min(weights))!r}"
        )
    if not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-6):
        raise ValueError(f"{name} must sum to 1, got sum {float(weights.sum())!r}")
    return weights


def check_means(means, n_components, n_features, name="means"):
    means = _as_float_array(means, name)
    if means.shape != (n_components, n_features):
        raise ValueError(f"{name} must have shape ({n_components}, {n_features}), got shape {means.shape}")
    if not np.all(np.isfinite(means)):
        raise ValueError(f"{name} must contain only finite values")
    return means


def covariance_shape(covariance_type, n_components, n_features):
    """scikit-learn's array shape of covariances (or precisions) for a covariance type."""
    return {
        "full": (n_components, n_features, n_features),
        "tied": (n_features, n_features),
        "diag": (n_components, n_features),
        "spherical": (n_components,),
    }[covariance_type]


def check_covariance_matrices(matrices, covariance_type, n_components, n_features, name):
    """Check shape, symmetry and positive definiteness of covariances or precisions."""
    matrices = _as_float_array(matrices, name)
    shape = covariance_shape(covariance_type, n_components, n_features)
    if matrices.shape != shape:
        raise ValueError(
            f"{name} must have shape {shape} for covariance_type={covariance_type!r}, got shape {matrices.shape}"
        )
    if not np.all(np.isfinite(matrices)):
        raise ValueError(f"{name} must contain only finite values")
    if covariance_type in ("diag", "spherical"):
        if np.any(matrices <= 0):
            raise ValueError(
                f"{name} must be positive for covariance_type={covariance_type!r}, found {float(matrices.min())!r}"
            )
        return matrices
    stack = matrices[None] if covariance_type == "tied" else matrices
    for index, matrix in enumerate(stack):
        where = "" if covariance_type == "tied" else f" (component {index})"
        if not np.allclose(matrix, matrix.T, rtol=1e-8, atol=1e-12 * np.abs(matrix).max()):
            raise ValueError(f"{name}{where} must be symmetric")
        smallest = float(np.linalg.eigvalsh(matrix)[0])
        if smallest <= 0:
            raise ValueError(f"{name}{where} must be positive definite; its smallest eigenvalue is {smallest!r}")
    return matrices


def check_random_state(random_state):
    """Turn None, an int or a ``numpy.random.Generator`` into a Generator."""
    if random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise TypeError(f"random_state must be None, an int or a numpy.random.Generator, got {_describe(random_state)}")
