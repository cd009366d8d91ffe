"""Helpers for the notebooks: parameter checks, output folder, saved figures and summary.json.

A papermill run with a bad parameter should stop with one short line naming the parameter and
what is allowed; :class:`ParameterError` carries that line and ``gmmlib.report`` prints only it.
"""

import json
import numbers
import os
import pathlib

import numpy as np

from .outputs import claim_file, generated_folder, write_generated_file

KINDS = {int: numbers.Integral, float: numbers.Real, str: str, bool: bool}


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
        Inclusive bounds; with either, ``value`` must be a number (not a bool, not NaN).
    choices : sequence or None, default=None
        The allowed values.
    allow_none : bool, default=False
        Whether None is allowed (for "not given, use the default behaviour").
    existing_path : bool, default=False
        Whether ``value`` must name an existing file or folder.

    Examples
    --------
    >>> check_parameter("n_samples", 300, kind=int, minimum=10)
    300
    >>> check_parameter("snr_db", float("nan"), kind=float, minimum=-10, maximum=100)
    Traceback (most recent call last):
    ...
    gmmlib.notebook.ParameterError: parameter snr_db must be a number, got nan
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be one of int, float, str, bool or None, got {kind!r}")
    if value is None:
        if allow_none:
            return value
        raise ParameterError(f"parameter {name} must not be None")
    shown = _shown(value)
    if kind is not None and (not isinstance(value, KINDS[kind]) or (kind in (int, float) and isinstance(value, bool))):
        raise ParameterError(
            f"parameter {name} must be of type {kind.__name__}, got {shown} of type {type(value).__name__}"
        )
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if is_number and value != value:
        # NaN compares False with everything: it would pass any bound and poison what it reaches.
        raise ParameterError(f"parameter {name} must be a number, got {shown}")
    if choices is not None and not any(_same(value, choice) for choice in choices):
        raise ParameterError(f"parameter {name} must be one of {', '.join(map(repr, choices))}; got {shown}")
    if (minimum is not None or maximum is not None) and not is_number:
        raise ParameterError(f"parameter {name} must be a number, got {shown} of type {type(value).__name__}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name} must be >= {minimum}, got {shown}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name} must be <= {maximum}, got {shown}")
    if existing_path:
        if not isinstance(value, (str, os.PathLike)):
            raise ParameterError(f"parameter {name} must be a path, got {shown} of type {type(value).__name__}")
        if not pathlib.Path(value).exists():
            raise ParameterError(f"parameter {name} must name an existing file or folder; {shown} does not exist")
    return value


def _same(value, choice):
    """Whether ``value`` equals ``choice`` as one bool (``True`` is not the choice ``1``)."""
    if isinstance(value, bool) != isinstance(choice, bool):
        return False
    try:
        return bool(value == choice)
    except (
        TypeError,
        ValueError,
        OverflowError,
    ):  # an array compared element by element, a numpy float with a huge int
        return False


def _shown(value, limit=200):
    """``repr(value)``, cut to ``limit`` characters (an int of more than 4300 digits has no repr)."""
    try:
        text = repr(value)
    except ValueError:
        return f"<an int of {value.bit_length()} bits>"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def prepare_output_dir(output_dir):
    """Create ``output_dir`` (and parents), marked as generated; return it as a ``pathlib.Path``.

    Raises :class:`gmmlib.outputs.NotGeneratedError` if ``output_dir`` is a file or a non-empty folder
    gmmlib did not generate (see :mod:`gmmlib.outputs`), so a notebook never writes over a user's files.
    """
    return generated_folder(check_parameter("output_dir", output_dir, kind=str))


def save_figure(figure, output_dir, name, **kwargs):
    """Save ``figure`` as ``output_dir/name`` with no timestamp, so reruns give identical bytes.

    Returns the file name (not the path, which differs between machines).
    """
    # The metadata keys that carry a version or a date, per format.
    metadata = {"png": {"Software": None}, "pdf": {"CreationDate": None}}
    suffix = pathlib.Path(name).suffix.lstrip(".")
    if suffix not in metadata or pathlib.Path(name).name != name:
        raise ValueError(f"name must be a file name ending in .png or .pdf, got {name!r}")
    figure.savefig(claim_file(pathlib.Path(output_dir) / name), metadata=metadata[suffix], **kwargs)
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
    write_generated_file(
        pathlib.Path(output_dir) / "summary.json", json.dumps(plain, indent=2, sort_keys=True, allow_nan=False) + "\n"
    )
    return plain
