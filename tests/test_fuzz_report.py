"""Fuzz tests of the report's parameter checks: a correct result or the documented error, nothing else.

``load_parameter_file``, ``resolve_parameters`` and ``check_value`` (gmmlib.report) answer bad input
with :class:`ReportError`, one line per problem naming the parameter or key; ``check_parameter``
(gmmlib.notebook, called by the notebooks) with :class:`ParameterError` naming the parameter. No raw
exception (TypeError, OverflowError, a repr that fails...), and NaN never passes a float check.
"""

import math
import numbers
import pathlib
import re
import tempfile

import nbformat
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_notebook

from gmmlib import report
from gmmlib.notebook import ParameterError, check_parameter

NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**4000),  # too large for a float
    st.floats(),  # NaN and infinities included
    st.text(max_size=20),
    st.dates(),  # YAML reads 2024-01-01 as a date
    st.sampled_from(["1e-3", "nan", ".inf", "3", ""]),  # strings that look like numbers
)
# What a YAML file (and so papermill) can hand over: scalars, lists and mappings of them.
YAML_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
)
# Defaults as a notebook's parameters cell writes them: literals, and a few expressions.
DEFAULT_SOURCES = st.one_of(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        st.lists(st.integers(), max_size=3),
        st.tuples(st.integers()),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ).map(repr),
    st.sampled_from(["2 ** 10", "np.pi", "float('nan')", "[1,", "Path('x')"]),
)


def assert_names(error, *names):
    """Every line of ``error`` names one of ``names``."""
    for line in str(error).splitlines():
        assert any(name in line for name in names), line


@given(source=DEFAULT_SOURCES, value=YAML_VALUES)
def test_check_value_returns_a_value_that_fits_or_names_the_parameter(source, value):
    declared = report.Declared.from_source("width", source)
    try:
        checked = report.check_value("00_x", declared, value)
    except report.ReportError as error:
        assert str(error).startswith("00_x: parameter width must be ") and "\n" not in str(error)
        return
    default = declared.default
    if default is None or default is report._NOT_A_LITERAL:
        assert checked is value
    elif isinstance(default, bool):
        assert isinstance(checked, bool) and checked is value
    elif isinstance(default, float):  # an int becomes its nearest float
        assert type(checked) is float and not math.isnan(checked) and checked == float(value)
    elif isinstance(default, int):
        assert type(checked) is int and checked is value
    elif isinstance(default, (list, tuple)):
        assert isinstance(checked, list) and checked is value
    else:
        assert isinstance(checked, type(default)) and checked is value


NUMBERS = st.one_of(st.none(), st.integers(-100, 100), st.floats(-1e6, 1e6))
HUGE = 10**5000  # more than 4300 digits: Python refuses its repr() and str()


@pytest.mark.parametrize("source", ["1.5", '"a"', "True"])
def test_check_value_names_a_huge_int_without_its_digits(source):
    with pytest.raises(report.ReportError, match=r"^00_x: parameter p must be .* got (an|<an) int of 16610 bits"):
        report.check_value("00_x", report.Declared.from_source("p", source), HUGE)


@given(
    name=NAMES,
    value=st.one_of(YAML_VALUES, st.floats().map(np.float64), st.integers(-5, 5).map(np.int64)),
    kind=st.sampled_from([None, int, float, str, bool]),
    minimum=NUMBERS,
    maximum=NUMBERS,
    choices=st.none() | st.lists(SCALARS, max_size=4),
    allow_none=st.booleans(),
    existing_path=st.booleans(),
)
def test_check_parameter_returns_the_value_or_names_the_parameter(
    name, value, kind, minimum, maximum, choices, allow_none, existing_path
):
    options = {
        "kind": kind,
        "minimum": minimum,
        "maximum": maximum,
        "choices": choices,
        "allow_none": allow_none,
        "existing_path": existing_path,
    }
    try:
        checked = check_parameter(name, value, **options)
    except ParameterError as error:
        assert str(error).startswith(f"parameter {name} must ") and "\n" not in str(error)
        return
    assert checked is value
    if value is None:
        assert allow_none
        return
    if kind is not None:
        assert isinstance(value, {int: numbers.Integral, float: numbers.Real, str: str, bool: bool}[kind])
    if minimum is not None or maximum is not None:
        assert isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)
        assert (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if existing_path:
        assert pathlib.Path(value).exists()


@pytest.mark.parametrize(
    "value, options, message",
    [
        (float("nan"), {"kind": float, "minimum": 0.0, "maximum": 1.0}, "parameter p must be a number, got nan"),
        (float("nan"), {"kind": float}, "parameter p must be a number, got nan"),
        (np.float64("nan"), {"minimum": 0}, "parameter p must be a number, got "),
        ("3", {"minimum": 1}, "parameter p must be a number, got '3' of type str"),
        (True, {"maximum": 5}, "parameter p must be a number, got True of type bool"),
        (True, {"choices": (1, 2)}, "parameter p must be one of 1, 2; got True"),
        (np.array([1, 2]), {"choices": ("a", "b")}, "parameter p must be one of 'a', 'b'; got array([1, 2])"),
        (3, {"existing_path": True}, "parameter p must be a path, got 3 of type int"),
        (HUGE, {"kind": str}, "parameter p must be of type str, got <an int of 16610 bits> of type int"),
        (HUGE, {"maximum": 1e300}, "parameter p must be <= 1e+300, got <an int of 16610 bits>"),
    ],
    ids=[
        "nan-bounded",
        "nan",
        "numpy-nan",
        "str-bounded",
        "bool-bounded",
        "bool-choice",
        "array-choice",
        "int-path",
        "huge-int-kind",
        "huge-int-bound",
    ],
)
def test_check_parameter_examples(value, options, message):
    with pytest.raises(ParameterError, match="^" + re.escape(message)):
        check_parameter("p", value, **options)


def test_check_parameter_accepts_infinity_within_open_bounds():
    assert check_parameter("p", math.inf, kind=float, minimum=0.0) == math.inf


# ----------------------------------------------------------------------------------------------
# Parameter files and their resolution against notebooks


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield pathlib.Path(name)


@given(content=st.one_of(st.binary(max_size=60), st.text(max_size=60)))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_file_gives_defaults_and_sections_or_a_report_error(folder, content):
    path = folder / "params.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    try:
        defaults, sections = report.load_parameter_file(path)
    except report.ReportError as error:
        assert all(line.startswith(str(path)) or "params.yaml" in line for line in str(error).splitlines())
        return
    assert all(name.isidentifier() for name in defaults)
    assert all(report.STEM_PATTERN.fullmatch(stem) and isinstance(section, dict) for stem, section in sections.items())


def test_a_number_python_refuses_to_read_is_one_line(folder):
    path = folder / "digits.yaml"
    path.write_text("seed: " + "1" * 5000 + "\n")
    with pytest.raises(report.ReportError, match=r"digits.yaml: Exceeds the limit \(4300 digits\)") as error:
        report.load_parameter_file(path)
    assert "\n" not in str(error.value)


KEYS = st.one_of(
    NAMES, st.sampled_from(["00_quickstart", "01_tiny", "99_x", "0_bad", "output_dir"]), st.text(max_size=8)
)


@given(content=st.dictionaries(KEYS, YAML_VALUES | st.dictionaries(KEYS, YAML_VALUES, max_size=3), max_size=4))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_a_yaml_mapping_is_read_as_written_or_each_problem_named(folder, content):
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    try:
        defaults, sections = report.load_parameter_file(path)
    except report.ReportError as error:
        assert_names(error, *(str(key) for key in content), *(repr(key) for key in content))
        return
    expected_defaults = {key: value for key, value in content.items() if not report.STEM_PATTERN.fullmatch(key)}
    assert _same(defaults, expected_defaults)
    for stem, section in sections.items():
        assert _same(section, content[stem] or {})


def _same(first, second):
    """Equal, with NaN equal to NaN."""
    return yaml.safe_dump(first) == yaml.safe_dump(second)


DECLARED = {
    "seed": 0,
    "scale": 1.5,
    "label": "a",
    "flag": True,
    "sizes": [1, 2],
    "anything": None,
}


@pytest.fixture(scope="module")
def notebooks(folder):
    """Two notebooks: 01_all declares every parameter of DECLARED, 02_seed only seed."""
    paths = []
    for stem, names in (("01_all", list(DECLARED)), ("02_seed", ["seed"])):
        source = "\n".join(f"{name} = {DECLARED[name]!r}" for name in names) + '\noutput_dir = "x"'
        cell = new_code_cell(source)
        cell.metadata["tags"] = ["parameters"]
        path = folder / "notebooks" / f"{stem}.ipynb"
        path.parent.mkdir(exist_ok=True)
        kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(new_notebook(cells=[cell], metadata={"kernelspec": kernelspec}), path)
        paths.append(path)
    return paths


PARAMETER_NAMES = st.one_of(st.sampled_from([*DECLARED, "output_dir"]), NAMES)


@given(
    defaults=st.dictionaries(PARAMETER_NAMES, YAML_VALUES, max_size=3),
    sections=st.dictionaries(
        st.sampled_from(["01_all", "02_seed", "03_none"]), st.dictionaries(PARAMETER_NAMES, YAML_VALUES, max_size=3)
    ),
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None, max_examples=60)
def test_resolve_parameters_gives_checked_values_or_names_each_problem(notebooks, defaults, sections):
    try:
        resolved = report.resolve_parameters(notebooks, defaults, sections)
    except report.ReportError as error:
        names = [*defaults, *(name for section in sections.values() for name in section), *sections]
        assert_names(error, *names)
        return
    assert set(resolved) == {"01_all", "02_seed"}
    for stem, values in resolved.items():
        given_values = {**defaults, **sections.get(stem, {})}
        declared = DECLARED if stem == "01_all" else {"seed": 0}
        assert set(values) == set(given_values) & set(declared)
        for name, value in values.items():
            if isinstance(declared[name], float):
                assert type(value) is float and value == given_values[name]
            else:
                assert value is given_values[name]
