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


def _numeric_array(value, name):
    """``value`` as a real numeric numpy array (objects converted to float), or a named error."""
    if hasattr(value, "toarray") and hasattr(value, "nnz"):  # scipy.sparse, without importing it
        raise TypeError(
            f"{name} is a sparse matrix, but sparse data is not supported; pass a dense array, e.g. {name}.toarray()"
        )
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged nested lists and the like
        raise TypeError(f"{name} must be a numeric array; could not convert it: {exc}") from None
    if array.dtype.kind == "O" and hasattr(value, "to_numpy"):  # pandas' nullable columns hold pd.NA for missing
        try:
            array = value.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            pass
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric; could not convert its entries to float: {exc}") from None
    check_numeric_dtype(array.dtype, array.shape, name)
    return array


def check_numeric_dtype(dtype, shape, name):
    """Refuse a dtype other than real numbers (bool, integers, floats) for an array of ``shape``.

    Of an array in memory after :func:`_numeric_array`'s conversions, or of a dask array's blocks
    before they are read.
    """
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {dtype}; pass a real array")
    if dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric, got an array of shape {shape} and dtype {dtype}")


def check_data(X, name="X", min_samples=1, allow_nan=False):
    """Return ``X`` as a finite 2-D float64 or float32 array (NaN allowed, as missing, if ``allow_nan``).

    float32 input stays float32; every other numeric dtype becomes float64. Values whose squares
    (summed over features and samples) would overflow the data type are refused: EM needs them.
    """
    array = _numeric_array(X, name)
    check_shape(array.shape, name, min_samples)
    return check_values(np.ascontiguousarray(array, dtype=float_type(array.dtype)), name, allow_nan=allow_nan)


def float_type(dtype):
    """The type data of numeric ``dtype`` is fitted in: float32 stays float32, the rest becomes float64."""
    return np.dtype(np.float32 if dtype == np.float32 else np.float64)


def check_shape(shape, name="X", min_samples=1):
    """Refuse a data shape other than (n_samples >= min_samples, n_features >= 1)."""
    if len(shape) != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got {len(shape)}-D of shape {shape}; "
            f"Reshape your data with {name}.reshape(-1, 1) if it has a single feature, or {name}.reshape(1, -1) "
            "if it is a single sample"
        )
    if shape[0] < min_samples:
        raise ValueError(
            f"{name} has {shape[0]} sample(s) (shape={shape}) while a minimum of {min_samples} is required"
        )
    if shape[1] < 1:
        raise ValueError(f"{name} has 0 feature(s) (shape={shape}) while a minimum of 1 is required.")


def check_values(array, name="X", first_row=0, n_samples=None, allow_nan=False):
    """Refuse a float array (or a block of rows of one) with inf, NaN (unless ``allow_nan``) or values too large.

    ``first_row`` numbers the rows in messages (the block's first row in the whole data);
    ``n_samples`` is the number of rows of the whole data, which the overflow limit depends on
    (default: the array's). Returns ``array``.
    """
    finite = np.isfinite(array) | np.isnan(array) if allow_nan else np.isfinite(array)
    if not np.all(finite):
        bad = np.argwhere(~finite)[0]
        allowed = (
            "finite values or NaN for missing ones (no inf)" if allow_nan else "only finite values (no NaN or inf)"
        )
        hint = "" if allow_nan else "; for missing values use GaussianMixture(missing_values='em')"
        raise ValueError(
            f"{name} must contain {allowed}; found {float(array[tuple(bad)])} at row {first_row + bad[0]}, "
            f"column {bad[1]}{hint}"
        )
    _check_magnitude(array, name, array.shape[0] if n_samples is None else n_samples)
    return array


def _check_magnitude(array, name, n_samples):
    """Refuse data whose squared deviations, summed over samples and features, overflow its type."""
    n_features = array.shape[1]
    limit = float(np.sqrt(np.finfo(array.dtype).max / (64.0 * n_samples * n_features)))
    # The extremes, NaN ignored, rather than max(abs(array)), which would copy the whole array.
    extremes = (-np.fmin.reduce(array, axis=None), np.fmax.reduce(array, axis=None)) if array.size else ()
    largest = float(max((0.0, *extremes)))  # 0 for an array of no values
    if largest > limit:
        raise ValueError(
            f"{name} has values as large as {largest:.3g}; EM sums squared deviations of {n_samples} x {n_features} "
            f"values, which overflow {array.dtype.name} above about {limit:.3g}: divide {name} by a constant "
            f"(e.g. {largest:.3g}), fit, and multiply the means by it and the covariances by its square"
        )


def feature_names(X):
    """Column names of a DataFrame-like ``X`` (anything with ``columns``) as an object array, or None.

    As in scikit-learn: names are recorded only when every column name is a string.
    """
    columns = getattr(X, "columns", None)
    if columns is None or isinstance(X, np.ndarray):
        return None
    names = np.asarray(list(columns), dtype=object)
    are_strings = [isinstance(name, str) for name in names]
    if not any(are_strings):
        return None
    if not all(are_strings):
        kinds = sorted({type(name).__name__ for name in names})
        raise TypeError(
            f"X's column names must all be strings to be used as feature names, got types {kinds}; "
            "convert them, e.g. X.columns = X.columns.astype(str)"
        )
    return names


def check_covariance_type(covariance_type):
    if not isinstance(covariance_type, str) or covariance_type not in COVARIANCE_TYPES:
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
    check_sample_weight_shape(weights.shape, n_samples)
    check_sample_weight_values(bool(np.all(np.isfinite(weights))), weights.min(), weights.max())
    return scaled_to_mean_one(weights, weights.max(), dtype)


def scaled_to_mean_one(weights, largest, dtype):
    """Checked float64 weights (numpy or dask) whose maximum is ``largest``, divided by their mean, in ``dtype``.

    A power of two first brings the largest weight to [0.5, 1) exactly, so that the mean cannot
    overflow.
    """
    weights = np.ldexp(weights, -int(np.frexp(largest)[1]))
    return (weights / float(weights.mean())).astype(dtype)


def check_sample_weight_shape(shape, n_samples):
    if shape != (n_samples,):
        raise ValueError(f"sample_weight must have shape ({n_samples},) to match X, got shape {shape}")


def check_sample_weight_values(all_finite, smallest, largest):
    """The value checks of :func:`check_sample_weight`, from the weights' finiteness and extremes.

    A few reductions decide them, so that weights too large for memory (a dask array) are checked
    by the same rules and messages.
    """
    if not all_finite:
        raise ValueError("sample_weight must contain only finite values, found NaN or inf")
    if smallest < 0:
        raise ValueError(f"sample_weight must be non-negative, found minimum {float(smallest)!r}")
    if not largest > 0:
        raise ValueError("sample_weight must have at least one positive entry, got all zeros")


def _as_float_array(value, name):
    """``value`` as a float64 array, or a named TypeError/ValueError."""
    return _numeric_array(value, name).astype(np.float64)


def check_bool(value, name):
    """A bool (Python or numpy), or a TypeError naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_weights(weights, n_components, name="weights", what=""):
    """Mixing weights: shape (n_components,), finite, non-negative, summing to 1 (to float32 rounding)."""
    weights = _as_float_array(weights, name)
    if weights.shape != (n_components,):
        raise ValueError(f"{name} must have shape ({n_components},){what}, got shape {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(
            f"{name} must be finite and non-negative, got {_describe(weights)} with minimum {float(np.min(weights))!r}"
        )
    tolerance = max(1e-6, 4 * n_components * float(np.finfo(np.float32).eps))
    if not abs(weights.sum() - 1.0) <= tolerance:
        raise ValueError(f"{name} must sum to 1, got sum {float(weights.sum())!r}")
    return weights


def check_means(means, n_components, n_features, name="means"):
    """Means of shape (n_components, n_features), finite; ``n_components=None`` accepts any number."""
    means = _as_float_array(means, name)
    expected = (means.shape[0] if n_components is None and means.ndim == 2 else n_components, n_features)
    if means.shape != expected:
        wanted = f"(n_components, {n_features})" if n_components is None else str(expected)
        raise ValueError(f"{name} must have shape {wanted}, got shape {means.shape}")
    if means.shape[0] < 1:
        raise ValueError(f"{name} must hold at least one component, got shape {means.shape}")
    if not np.all(np.isfinite(means)):
        raise ValueError(f"{name} must contain only finite values")
    return means


def check_responsibilities(resp, n_samples, min_columns, name="resp"):
    """Responsibilities of shape (n_samples, n_columns >= min_columns): finite and non-negative."""
    resp = _as_float_array(resp, name)
    if resp.ndim != 2 or resp.shape[0] != n_samples or resp.shape[1] < min_columns:
        raise ValueError(
            f"{name} must have shape ({n_samples}, n_columns) with n_columns >= {min_columns}, got shape {resp.shape}"
        )
    if not np.all(np.isfinite(resp)):
        raise ValueError(f"{name} must contain only finite values")
    if np.any(resp < 0):
        raise ValueError(f"{name} must be non-negative (probabilities), found minimum {float(resp.min())!r}")
    return resp


def check_mixture(X, weights, means, covariances, covariance_type, background_volume=None):
    """Validated ``(X, weights, means, covariances)`` of a mixture, in ``X``'s dtype.

    ``means`` of shape (n_components, n_features), ``weights`` of shape (n_components,) or
    (n_components + 1,) with a background, summing to 1, ``covariances`` in scikit-learn's shape
    for ``covariance_type`` (positive definiteness is checked by their Cholesky factorisation).
    """
    X = check_data(X)
    check_covariance_type(covariance_type)
    if background_volume is not None:
        check_scalar(background_volume, "background_volume", float, minimum=0, include_minimum=False)
    means = check_means(means, None, X.shape[1])
    n_columns = means.shape[0] + (background_volume is not None)
    what = f" ({'with' if background_volume is not None else 'without'} a background component)"
    weights = check_weights(weights, n_columns, "weights", what)
    covariances = check_covariances(covariances, covariance_type, means.shape[0], X.shape[1])
    return X, weights.astype(X.dtype), means.astype(X.dtype), covariances.astype(X.dtype)


def covariance_shape(covariance_type, n_components, n_features):
    """scikit-learn's array shape of covariances (or precisions) for a covariance type."""
    return {
        "full": (n_components, n_features, n_features),
        "tied": (n_features, n_features),
        "diag": (n_components, n_features),
        "spherical": (n_components,),
    }[covariance_type]


def _has_covariance_shape(shape, covariance_type, n_components, n_features):
    """Whether ``shape`` is scikit-learn's for ``covariance_type``: the given sizes, the others consistent."""
    axes = covariance_shape(covariance_type, "n_components", "n_features")
    sizes = {"n_components": n_components, "n_features": n_features}
    if len(shape) != len(axes) or 0 in shape:
        return False
    for axis, size in zip(axes, shape):
        if sizes[axis] is None:
            sizes[axis] = size
        if size != sizes[axis]:
            return False
    return True


def check_covariances(
    matrices, covariance_type, n_components=None, n_features=None, name="covariances", positive_definite=False
):
    """Covariances (or precisions) in scikit-learn's shape for ``covariance_type``, finite and symmetric.

    ``n_components`` and ``n_features`` are read from the array when None. With
    ``positive_definite`` the matrices are also checked to be positive definite (their Cholesky
    factorisation checks that otherwise). Returned as float32 if given so, else float64.
    """
    array = _numeric_array(matrices, name)
    if not _has_covariance_shape(array.shape, covariance_type, n_components, n_features):
        expected = covariance_shape(
            covariance_type,
            "n_components" if n_components is None else n_components,
            "n_features" if n_features is None else n_features,
        )
        shown = "(" + ", ".join(map(str, expected)) + ("," if len(expected) == 1 else "") + ")"
        raise ValueError(
            f"{name} must have shape {shown} for covariance_type={covariance_type!r}, got shape {array.shape}"
        )
    array = array.astype(np.float32 if array.dtype == np.float32 else np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values")
    stack = array[None] if covariance_type == "tied" else array
    if covariance_type in ("full", "tied"):
        # scikit-learn's tolerance for precisions: an inverse computed from an ill-conditioned matrix
        # is symmetric only to about cond * eps.
        rtol = max(1e-5, 1e3 * float(np.finfo(array.dtype).eps))
        scale = np.abs(stack).max(axis=(1, 2), keepdims=True)
        asymmetric = np.abs(stack - np.swapaxes(stack, 1, 2)) > rtol * scale
        if np.any(asymmetric):
            index = int(np.argmax(asymmetric.any(axis=(1, 2))))
            where = "" if covariance_type == "tied" else f" (component {index})"
            raise ValueError(f"{name}{where} must be symmetric")
    if not positive_definite:
        return array
    if covariance_type in ("diag", "spherical"):
        if np.any(array <= 0):
            raise ValueError(
                f"{name} must be positive for covariance_type={covariance_type!r}, found {float(array.min())!r}"
            )
        return array
    for index, matrix in enumerate(stack):
        smallest = float(np.linalg.eigvalsh(matrix.astype(np.float64))[0])
        if smallest <= 0:
            where = "" if covariance_type == "tied" else f" (component {index})"
            raise ValueError(f"{name}{where} must be positive definite; its smallest eigenvalue is {smallest!r}")
    return array


def check_random_state(random_state):
    """Turn None, an int, a ``numpy.random.Generator`` or a ``numpy.random.RandomState`` into a Generator.

    A RandomState (scikit-learn's kind) seeds a new Generator with one draw, so that it advances as
    it does in scikit-learn: two fits with one RandomState differ, two with equal ones agree.
    """
    check_random_state_type(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int64).max, dtype=np.int64))
    return np.random.default_rng(random_state)


def check_random_state_type(random_state):
    """TypeError unless ``random_state`` is one :func:`check_random_state` takes; draws nothing."""
    seed = random_state is None or (isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool))
    if not (seed or isinstance(random_state, (np.random.Generator, np.random.RandomState))):
        raise TypeError(
            "random_state must be None, an int, a numpy.random.Generator or a numpy.random.RandomState, "
            f"got {_describe(random_state)}"
        )
