"""Helpers for the notebooks: parameter checks, output folder, saved figures and summary.json.

A papermill run with a bad parameter should stop with one short line naming the parameter and
what is allowed; :class:`ParameterError` carries that line and ``gmmlib.report`` prints only it.
"""

import json
import numbers
import pathlib

import numpy as np


class ParameterError(ValueError):
    """A notebook parameter has the wrong type or value."""


def check_parameter(
    name, value, *, kind=None, minimum=None, maximum=None, choices=None, allow_none=False, existing_path=False
):
    """Return ``value`` if it is allowed, else raise :class:`ParameterError` naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name in the notebook's ``parameters`` cell.
    value : object
    kind : {int, float, str, bool} or None, default=None
        Required type; an int is accepted where a float is asked for.
    minimum, maximum : float or None, default=None
        Inclusive bounds.
    choices : sequence or None, default=None
        The allowed values.
    allow_none : bool, default=False
        Whether None is allowed (for "not given, use the default behaviour").
    existing_path : bool, default=False
        Whether ``value`` must name an existing file or folder.
    """
    if value is None:
        if allow_none:
            return value
        raise ParameterError(f"parameter {name} must not be None")
    if kind is not None:
        expected = {int: numbers.Integral, float: numbers.Real, str: str, bool: bool}[kind]
        if not isinstance(value, expected) or (kind in (int, float) and isinstance(value, bool)):
            raise ParameterError(
                f"parameter {name} must be of type {kind.__name__}, got {value!r} of type {type(value).__name__}"
            )
    if choices is not None and value not in choices:
        raise ParameterError(f"parameter {name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name} must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name} must be <= {maximum}, got {value!r}")
    if existing_path and not pathlib.Path(value).exists():
        raise ParameterError(f"parameter {name} must name an existing file or folder; {value!r} does not exist")
    return value


def prepare_output_dir(output_dir):
    """Create ``output_dir`` (and parents) and return it as a ``pathlib.Path``."""
    path = pathlib.Path(check_parameter("output_dir", output_dir, kind=str))
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_figure(figure, output_dir, name, **kwargs):
    """Save ``figure`` as ``output_dir/name`` with no timestamp, so reruns give identical bytes.

    Returns the file name (not the path, which differs between machines).
    """
    # The metadata keys that carry a version or a date, per format.
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None}}
    suffix = pathlib.Path(name).suffix.lstrip(".")
    if suffix not in metadata:
        raise ValueError(f"name must end in .png or .pdf, got {name!r}")
    figure.savefig(pathlib.Path(output_dir) / name, metadata=metadata[suffix], **kwargs)
    return name


def _plain(value):
    """numpy scalars and arrays as plain JSON values."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_summary(summary, output_dir):
    """Write the notebook's key figures to ``output_dir/summary.json`` (sorted keys); return them."""
    plain = _plain(summary)
    path = pathlib.Path(output_dir) / "summary.json"
    path.write_text(json.dumps(plain, indent=2, sort_keys=True, allow_nan=False) + "\n")
    return plain
