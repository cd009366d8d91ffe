"""Input checks shared by the tracking modules: integer identities and arrays of points.

Each raises ``ValueError`` or ``TypeError`` naming the argument, what it received and what was expected.
"""

import numpy as np

from .._validation import check_scalar

#: Identities must fit a signed 64-bit integer (larger ones would wrap around and collide).
MAX_IDENTITY = 2**63


def check_ids(values, name, unique=False):
    """Integer identities as an int64 array of shape (n,).

    Integers, and floats with integral values (``780.0``), are accepted; booleans, strings,
    fractions, NaN, infinities and values outside the int64 range are refused, and so are repeats
    when ``unique``.
    """
    array = np.asarray(values).reshape(-1)
    if not array.size:
        return array.astype(np.int64)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold integer identities, got dtype {array.dtype} ({array[:3].tolist()!r:.60})")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.round(array))):
        bad = array[~(np.isfinite(array) & (array == np.round(array)))]
        raise ValueError(f"{name} must hold integer identities, got {bad[:3].tolist()}")
    if np.any(array >= MAX_IDENTITY) or np.any(array < -MAX_IDENTITY):
        raise ValueError(f"{name} must hold integers of magnitude below 2**63, got {array[:3].tolist()}")
    array = array.astype(np.int64)
    if unique:
        values, counts = np.unique(array, return_counts=True)
        if np.any(counts > 1):
            raise ValueError(f"{name} holds identity {int(values[counts > 1][0])} more than once")
    return array


def check_points(points, name, n_columns=None):
    """A finite float array of shape (n_points, n_columns).

    An empty input (``[]``, shape (0,) or (0, d)) is an empty set of points with ``n_columns``
    columns (or its own, or 0 when it has none). With ``n_columns`` None any number of columns is
    accepted.
    """
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array of shape (n_points, d), got {points!r:.60}") from None
    if array.size == 0 and array.ndim <= 2:
        own = array.shape[1] if array.ndim == 2 else 0
        return array.reshape(0, own if n_columns is None else n_columns)
    expected = "d" if n_columns is None else n_columns
    if array.ndim != 2 or (n_columns is not None and array.shape[1] != n_columns):
        raise ValueError(f"{name} must have shape (n_points, {expected}), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got NaN or inf in an array of shape {array.shape}")
    return array


def check_probability(value, name, open_above=False):
    """A probability in (0, 1], or in (0, 1) when ``open_above``."""
    value = check_scalar(value, name, float, minimum=0, include_minimum=False)
    if value > 1 or (open_above and value == 1):
        raise ValueError(f"{name} must be in (0, 1{')' if open_above else ']'}, got {value!r}")
    return value
