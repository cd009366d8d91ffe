"""Run notebooks with papermill into ``reports/`` and render them as HTML.

Usage (what ``make report`` runs)::

    python -m gmmlib.report [--params FILE.yaml] [--reports-dir reports] NOTEBOOK...

For each notebook ``NN_topic.ipynb`` the runner checks the parameters from ``FILE.yaml`` against the
notebook's ``parameters`` cell, executes it with papermill (kernel ``python3``, working directory
the notebook's folder, ``output_dir`` set to ``reports/NN_topic/``) and writes into that folder the
executed ``NN_topic.ipynb``, ``NN_topic.html``, a code-hidden ``NN_topic_results.html`` and
``provenance.json``, next to the figures and ``summary.json`` the notebook saves itself. Then it
writes ``reports/index.html`` and ``reports/summary.json`` (``{stem: summary}``) for every report in
``reports/``: this run's notebooks and the other notebooks' earlier reports. The HTML pages
load MathJax from ``reports/_mathjax/`` (copied from the jupyter-server-mathjax package) and nothing
from the network. Nothing written holds a timestamp, so two runs with the same parameters give
identical files.

The runner replaces only what it generated (:mod:`gmmlib.outputs` markers): a folder
``reports/NN_topic/`` or ``reports/_mathjax/``, or a file ``index.html`` or ``summary.json``, that
is in the way and was not generated stops the run before any notebook executes, with one line
naming the path and exit status 2. So does a notebook whose name is not a plain file name (letters,
digits, ``_`` and ``-``, starting with a letter or digit), and a ``--reports-dir`` that is a file.

The parameter file is a YAML mapping::

    seed: 3                 # a parameter name: default for every notebook that declares it
    00_quickstart:          # a notebook stem: that notebook's parameters, over the defaults
      n_samples: 2000

A parameter the notebook does not declare, or a value whose type does not fit the default's (an
int is fine for a float, NaN is not; a ``None`` default accepts anything), stops the run before any
notebook executes, as does a file that is not UTF-8 or not YAML. A notebook that raises (e.g.
:class:`gmmlib.notebook.ParameterError`) is reported in one line; the other notebooks still run and
the exit status is 1. Format and outputs are described in ``reports/README.md``.
"""

import argparse
import ast
import dataclasses
import difflib
import html
import importlib.metadata
import importlib.util
import json
import math
import os
import pathlib
import platform
import re
import subprocess
import sys
import time

try:
    import jinja2
    import nbformat
    import papermill
    import yaml
    import zmq
    from jupyter_client import KernelManager
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    # MathJax's files (not imported: the package's own module starts a Jupyter server extension).
    MATHJAX_PACKAGE = importlib.util.find_spec("jupyter_server_mathjax")
    if MATHJAX_PACKAGE is None:
        raise ModuleNotFoundError(name="jupyter_server_mathjax")
except ModuleNotFoundError as exc:  # the report needs the "notebooks" extra, the library does not
    raise ModuleNotFoundError(
        f"gmmlib.report needs the notebooks extra ({exc.name} is missing): pip install -e '.[notebooks]'"
    ) from exc

from .notebook import ParameterError, _shown
from .outputs import (
    NotGeneratedError,
    check_file,
    check_folder,
    claim_file,
    copy_generated,
    generated_folder,
    is_generated,
    write_generated_file,
)

KERNEL_NAME = "python3"
STEM_PATTERN = re.compile(r"\d\d_\w+")  # the notebooks' own NN_topic names, as section keys
# A notebook's stem names its folder in the reports: a plain name, starting with a letter or digit,
# so never ".", "..", a hidden name or the MathJax folder.
PLAIN_STEM = re.compile(r"[^\W_][\w-]*")
GENERATED_FILES = ("index.html", "summary.json")
# MathJax 2.7 (as nbconvert's default, which loads it from a CDN), copied from the
# jupyter-server-mathjax package into the reports folder once per run, so that the pages render
# their equations without network access. Each page refers to it relative to its own folder.
MATHJAX_FOLDER = "_mathjax"
MATHJAX_URL = f"../{MATHJAX_FOLDER}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# nbconvert's lab template without what it would fetch from the network: require.js (no output
# here needs it), mermaid.js and the Jupyter widgets manager (no notebook here has diagrams or widgets).
# The package ships MathJax's STIX-Web fonts only (not its default TeX fonts): select them, as
# Jupyter does with the same files.
OFFLINE_TEMPLATE_NAME = "gmmlib-offline.html.j2"
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
{{ super() }}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null}});
</script>
{%- endblock html_head_js_mathjax -%}
"""
IMAGE_SUFFIXES = (".png", ".gif", ".svg", ".jpg", ".jpeg")  # shown in the index; PDFs are linked
VERSIONED_PACKAGES = ("gmmlib", "numpy", "scipy", "matplotlib", "papermill", "nbconvert")
# Timing metadata that papermill and nbclient add to the executed notebook; dropped so that two
# runs give the same file.
RUN_TIME_KEYS = ("start_time", "end_time", "duration")
_NOT_A_LITERAL = object()


class ReportError(ValueError):
    """The command line or the parameter file is wrong; each line of the message is one problem."""


@dataclasses.dataclass
class Declared:
    """A parameter declared in a notebook's ``parameters`` cell."""

    name: str
    source: str  # the default as written in the notebook
    default: object  # its value, or _NOT_A_LITERAL when it is not a Python literal

    @classmethod
    def from_source(cls, name, source):
        try:
            default = ast.literal_eval(source)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            default = _NOT_A_LITERAL
        return cls(name, source, default)


@dataclasses.dataclass
class Result:
    """What happened to one notebook."""

    stem: str
    folder: pathlib.Path
    seconds: float | None  # None for a report of an earlier run
    error: str | None  # "ExceptionName: message", or None when the notebook ran through
    title: str
    summary: dict | None
    provenance: dict


# ----------------------------------------------------------------------------------------------
# Parameters


def load_parameter_file(path):
    """Read a parameter file; return ``(defaults, sections)``.

    ``defaults`` maps parameter names to values for every notebook declaring them; ``sections``
    maps notebook stems (``NN_topic``) to that notebook's own parameters. A parameter name is a
    Python identifier and a stem starts with two digits, so the two kinds of key cannot clash.
    """
    path = pathlib.Path(path)
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read the parameter file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ReportError(
            f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}): save it as UTF-8"
        ) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        raise ReportError(f"{path} is not valid YAML{line}: {problem}") from exc
    except ValueError as exc:  # e.g. an int of more than 4300 digits, which Python refuses to read
        raise ReportError(f"{path}: {exc}".splitlines()[0]) from exc
    if content is None:
        return {}, {}
    if not isinstance(content, dict):
        raise ReportError(
            f"{path} must hold a mapping of parameter names and notebook stems, got a {type(content).__name__}"
        )
    defaults, sections, problems = {}, {}, []
    for key, value in content.items():
        key = key if isinstance(key, str) else _shown(key)
        if STEM_PATTERN.fullmatch(key):
            if value is None:
                value = {}
            if not isinstance(value, dict):
                problems.append(
                    f"{path}: section {key} must be a mapping of parameter names to values, got {_shown(value)}"
                )
                continue
            sections[key] = {name if isinstance(name, str) else _shown(name): item for name, item in value.items()}
        elif key.isidentifier():
            defaults[key] = value
        else:
            problems.append(f"{path}: key {key!r} is neither a parameter name nor a notebook stem (NN_topic)")
    if problems:
        raise ReportError("\n".join(problems))
    return defaults, sections


def declared_parameters(notebook):
    """The parameters a notebook declares, by name, as read by ``papermill.inspect_notebook``."""
    return {
        name: Declared.from_source(name, spec["default"])
        for name, spec in papermill.inspect_notebook(str(notebook)).items()
    }


def _expected_type(default):
    """``(check, description)`` for values that may replace ``default``."""
    if isinstance(default, bool):
        return (lambda value: isinstance(value, bool)), "a bool"
    if isinstance(default, int):
        return (lambda value: isinstance(value, int) and not isinstance(value, bool)), "an int"
    if isinstance(default, float):
        return (lambda value: isinstance(value, (int, float)) and not isinstance(value, bool)), "a float (or an int)"
    if isinstance(default, (list, tuple)):
        return (lambda value: isinstance(value, list)), "a list"
    kind = type(default)
    return (lambda value: isinstance(value, kind)), f"a {kind.__name__}"


def check_value(stem, declared, value):
    """Return ``value`` for the declared parameter, an int turned into a float for a float default.

    Raises :class:`ReportError` naming the parameter and what is allowed when the type does not
    fit the notebook's default; a ``None`` default (or one that is not a literal) accepts anything.
    """
    default = declared.default
    if default is None or default is _NOT_A_LITERAL:
        return value
    fits, description = _expected_type(default)
    if isinstance(default, float) and isinstance(value, float) and math.isnan(value):
        raise ReportError(
            f"{stem}: parameter {declared.name} must be a number like its default {declared.source}; got nan"
        )
    if not fits(value):
        hint = ""
        if isinstance(value, str) and isinstance(default, (int, float)):
            try:
                float(value)
                hint = " (YAML reads a number like 1e-3 as a string: write 1.0e-3)"
            except ValueError:
                pass
        raise ReportError(
            f"{stem}: parameter {declared.name} must be {description} like its default "
            f"{declared.source}; got {_shown(value)} of type {type(value).__name__}{hint}"
        )
    if isinstance(default, float) and isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise ReportError(
                f"{stem}: parameter {declared.name} must be a float like its default {declared.source}; "
                f"got an int of {value.bit_length()} bits, too large for a float"
            ) from None
    return value


def _unknown(stem, name, declared, where):
    allowed = ", ".join(sorted(declared)) or "no parameters"
    close = difflib.get_close_matches(name, declared, n=1)
    guess = f" (did you mean {close[0]}?)" if close else ""
    return f"{stem}: unknown parameter {name!r} {where}{guess}; {stem} declares: {allowed}"


def resolve_parameters(notebooks, defaults=None, sections=None, source="the parameter file"):
    """Check the given parameters against each notebook; return ``{stem: parameters}``.

    Parameters
    ----------
    notebooks : list of pathlib.Path
    defaults : dict or None, default=None
        Values for every notebook that declares the name; each name must be declared by at least
        one of ``notebooks``.
    sections : dict or None, default=None
        ``{stem: {name: value}}``; every name must be declared by that notebook. A section for a
        notebook that is not run is ignored if the notebook exists next to those run.
    source : str, default="the parameter file"
        Where the values come from, for the messages.

    Returns
    -------
    dict
        ``{stem: {name: value}}`` with the values to inject (``output_dir`` excluded).

    Raises
    ------
    ReportError
        One line per problem: ``output_dir`` given, unknown names, types that do not fit, notebooks without a
        ``parameters`` cell or without an ``output_dir`` parameter.
    """
    defaults, sections = defaults or {}, sections or {}
    misplaced = ["output_dir"] if "output_dir" in defaults else []
    misplaced += [f"{stem}.output_dir" for stem, section in sections.items() if "output_dir" in section]
    problems = [f"{source}: {name} is not allowed; the runner sets output_dir to reports/<stem>/" for name in misplaced]
    resolved, declared_by_stem = {}, {}
    for notebook in notebooks:
        try:
            declared = declared_parameters(notebook)
        except Exception as exc:  # not JSON, not a notebook: one line, like the other problems
            problems.append(f"{notebook.stem}: cannot read {notebook}: {type(exc).__name__}: {exc}".splitlines()[0])
            continue
        declared_by_stem[notebook.stem] = declared
        if "output_dir" not in declared:
            problems.append(
                f"{notebook.stem}: no cell tagged 'parameters' assigns output_dir, so the runner "
                "cannot direct the notebook's outputs to reports/<stem>/"
            )
            continue
        values = {}
        for name, value in {**defaults, **sections.get(notebook.stem, {})}.items():
            if name == "output_dir":  # refused above
                continue
            if name not in declared:
                if name in sections.get(notebook.stem, {}):
                    problems.append(_unknown(notebook.stem, name, declared, f"in section {notebook.stem} of {source}"))
                continue
            try:
                values[name] = check_value(notebook.stem, declared[name], value)
            except ReportError as exc:
                problems.append(str(exc))
        resolved[notebook.stem] = values
    all_declared = sorted({name for declared in declared_by_stem.values() for name in declared})
    for name in defaults:
        if name not in all_declared:
            close = difflib.get_close_matches(name, all_declared, n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                f"unknown parameter {name!r} in the defaults of {source}{guess}: declared by none of "
                f"the notebooks run ({', '.join(declared_by_stem)})"
            )
    existing = {path.stem for notebook in notebooks for path in notebook.parent.glob("[0-9][0-9]_*.ipynb")}
    for stem in sections:
        if stem not in existing:
            close = difflib.get_close_matches(stem, sorted(existing), n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"section {stem} of {source} names no notebook{guess}")
    if problems:
        raise ReportError("\n".join(problems))
    return resolved


# ----------------------------------------------------------------------------------------------
# Provenance


def _display_path(path):
    """``path`` relative to the working directory when it lies below it, else absolute."""
    path = pathlib.Path(path).resolve()
    try:
        return path.relative_to(pathlib.Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def git_state(folder):
    """``{"commit": sha or None, "dirty": bool or None}`` of the git work tree holding ``folder``.

    ``dirty`` is True when ``git status --porcelain`` lists anything: modified, staged or
    untracked (not ignored) files, so an uncommitted notebook counts.
    """

    def git(*args):
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True).stdout

    try:
        return {"commit": git("rev-parse", "HEAD").strip(), "dirty": bool(git("status", "--porcelain").strip())}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def versions():
    """Versions of Python and of the packages that shape the numbers and the figures."""
    found = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = None
    return found


# ----------------------------------------------------------------------------------------------
# Running and rendering one notebook


def _normalise_executed(path, notebook):
    """Make the executed notebook the same from run to run.

    Drops papermill's and nbclient's timestamps, writes the paths relative to the working
    directory, and gives the cells papermill adds (injected parameters, error markers) ids from
    their position instead of random ones.
    """
    nb = nbformat.read(path, as_version=4)
    original_ids = {cell.get("id") for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]}
    for index, cell in enumerate(nb.cells):
        if cell.get("id") not in original_ids:
            cell["id"] = f"report-cell-{index}"
    run = nb.metadata.get("papermill", {})
    for key in RUN_TIME_KEYS:
        run.pop(key, None)
    run["input_path"] = _display_path(notebook)
    run["output_path"] = _display_path(path)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in RUN_TIME_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
    nbformat.write(nb, path)
    return nb


def _title(nb, stem):
    """The first heading of the notebook's first markdown cell, else the stem."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return stem


def render_html(nb, folder, stem):
    """Write ``stem.html`` (code and results) and ``stem_results.html`` (results only).

    The pages load nothing from the network: MathJax from ``../_mathjax/`` (see :func:`copy_mathjax`),
    styles inline.
    """
    offline = {
        "template_file": OFFLINE_TEMPLATE_NAME,
        "extra_loaders": [jinja2.DictLoader({OFFLINE_TEMPLATE_NAME: OFFLINE_TEMPLATE})],
        "mathjax_url": MATHJAX_URL,
    }
    for name, options in (
        (f"{stem}.html", {}),
        (f"{stem}_results.html", {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True}),
    ):
        exporter = HTMLExporter(**offline, **options)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": _title(nb, stem)}})
        write_generated_file(folder / name, body)


def copy_mathjax(reports_dir):
    """Copy MathJax's files from the jupyter-server-mathjax package into ``reports_dir/_mathjax/``.

    Once: a copy from the same package version (recorded in ``_mathjax/.copied-from``, written
    last, so an interrupted copy is redone) is kept.
    """
    folder = reports_dir / MATHJAX_FOLDER
    stamp = folder / ".copied-from"
    source = f"jupyter-server-mathjax {importlib.metadata.version('jupyter-server-mathjax')}\n"
    if is_generated(folder) and stamp.is_file() and stamp.read_text(encoding="utf-8") == source:
        return folder
    static = pathlib.Path(MATHJAX_PACKAGE.submodule_search_locations[0]) / "static"
    copy_generated(static, generated_folder(folder, clear=True))
    write_generated_file(stamp, source)
    return folder


def _kernel_config():
    """Kernel-manager settings: CurveZMQ encryption where available.

    Recent ipykernels print "Kernel is running over TCP without encryption" on every start
    unless jupyter_client provisions keys; asking for them keeps the console to one line per notebook.
    """
    if "transport_encryption" in KernelManager.class_trait_names() and zmq.has("curve"):
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


def _error_line(exc):
    """``ExceptionName: message`` without the traceback, with the cell unless it is a ParameterError."""
    if isinstance(exc, papermill.PapermillExecutionError):
        message = exc.evalue.strip().splitlines()
        line = f"{exc.ename}: {message[0]}{' ...' if len(message) > 1 else ''}" if message else exc.ename
        return line if exc.ename == ParameterError.__name__ else f"{line} (in cell [{exc.exec_count}])"
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


def run_notebook(notebook, parameters, reports_dir, parameter_file=None):
    """Execute ``notebook`` into ``reports_dir/<stem>/`` and render it; return a :class:`Result`.

    The folder is emptied first, so that no file of an earlier run is mistaken for this run's; it
    must be a folder the runner generated (or new, or empty), else :class:`NotGeneratedError`.
    An exception raised in the notebook is recorded in the result, not raised.
    """
    stem = notebook.stem
    folder = generated_folder(reports_dir / stem, clear=True)
    executed = claim_file(folder / f"{stem}.ipynb")
    # Relative to the notebook's folder (its working directory), like the notebooks' own default.
    injected = {**parameters, "output_dir": os.path.relpath(folder.resolve(), notebook.parent.resolve())}
    declared = declared_parameters(notebook)
    used = {name: (item.source if item.default is _NOT_A_LITERAL else item.default) for name, item in declared.items()}
    used.update(injected)
    provenance = {
        "notebook": _display_path(notebook),
        "parameter_file": None if parameter_file is None else _display_path(parameter_file),
        "parameters": used,
        "injected": sorted(injected),
        "kernel": KERNEL_NAME,
        "git": git_state(notebook.parent),
        "versions": versions(),
    }
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=injected,
            kernel_name=KERNEL_NAME,
            cwd=str(notebook.parent),
            progress_bar=False,
            config=_kernel_config(),
        )
        error = None
    except Exception as exc:  # any failure of this notebook is reported and the others still run
        error = _error_line(exc)
    seconds = time.perf_counter() - start
    title = stem
    if executed.exists():
        nb = _normalise_executed(executed, notebook)
        title = _title(nb, stem)
        render_html(nb, folder, stem)
    summary_path = folder / "summary.json"
    summary = None
    if error is None and summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except ValueError as exc:  # not UTF-8, or not JSON: this notebook's failure, not the run's
            error = f"summary.json is not valid JSON: {exc}"
    elif error is None:
        error = "no summary.json: the notebook did not write_summary(..., output_dir)"
    provenance["title"] = title
    provenance["status"] = "ok" if error is None else "failed"
    if error is not None:
        provenance["error"] = error
    _write_json(folder / "provenance.json", provenance)
    return Result(stem, folder, seconds, error, title, summary, provenance)


def earlier_reports(reports_dir, notebooks):
    """The reports in ``reports_dir`` of the other notebooks beside ``notebooks``, as :class:`Result` s.

    A report is a folder the runner generated, named after a notebook that still exists next to
    those run, with its ``provenance.json``; its summary is read when it ran through. The index and
    the combined summary list them, marked as earlier runs, beside this run's notebooks, so that
    running some notebooks does not drop the others' reports from them.
    """
    run = {notebook.stem for notebook in notebooks}
    others = {path.stem for folder in {n.parent for n in notebooks} for path in folder.glob("*.ipynb")} - run
    results = []
    for stem in sorted(others):
        folder = pathlib.Path(reports_dir) / stem
        if not (is_generated(folder) and is_generated(folder / "provenance.json")):
            continue
        try:
            provenance = _provenance_of(folder)
            error = provenance.get("error")
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8")) if error is None else None
        except (OSError, ValueError) as exc:  # changed by hand since: listed as failed, with the reason
            provenance = {"git": {"commit": None, "dirty": False}, "injected": [], "parameters": {}}
            error, summary = f"the earlier report cannot be read: {_error_line(exc)}", None
        results.append(Result(stem, folder, None, error, provenance.get("title", stem), summary, provenance))
    return results


def _provenance_of(folder):
    """``folder/provenance.json`` as the runner wrote it; ValueError if it is not such a mapping."""
    provenance = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    shaped = (
        isinstance(provenance, dict)
        and isinstance(provenance.get("git"), dict)
        and {"commit", "dirty"} <= provenance["git"].keys()
        and isinstance(provenance.get("injected"), list)
        and isinstance(provenance.get("parameters"), dict)
    )
    if not shaped:
        raise ValueError("provenance.json is not the runner's (no git, injected and parameters entries)")
    return provenance


def _json_text(content):
    # default=str: a YAML date given to a parameter whose default is None is still recorded.
    return json.dumps(content, indent=2, sort_keys=True, default=str) + "\n"


def _write_json(path, content):
    write_generated_file(path, _json_text(content))


# ----------------------------------------------------------------------------------------------
# Index page


def _link(href, text):
    return f'<a href="{html.escape(href)}">{html.escape(text)}</a>'


def _rounded(value):
    """``value`` with its floats to 6 significant digits, for display (summary.json keeps them all)."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def _table(mapping, notes=None):
    """A two-column table of ``mapping`` (JSON values), with a third column of ``notes`` if given."""
    rows = []
    for key, value in sorted(mapping.items()):
        note = "" if notes is None else f"<td>{html.escape(notes.get(key, ''))}</td>"
        rows.append(
            f"<tr><th>{html.escape(str(key))}</th><td><code>{html.escape(json.dumps(_rounded(value)))}"
            f"</code></td>{note}</tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def _section(result):
    stem, folder = result.stem, result.folder
    status = ("ok" if result.error is None else f"failed: {result.error}") + _earlier_note(result)
    links = [
        _link(f"{stem}/{name}", label)
        for name, label in (
            (f"{stem}.html", "notebook"),
            (f"{stem}_results.html", "results only"),
            (f"{stem}.ipynb", "executed .ipynb"),
            ("summary.json", "summary.json"),
            ("provenance.json", "provenance.json"),
        )
        if (folder / name).exists()
    ]
    files = sorted(path.name for path in folder.iterdir() if path.is_file())
    images = [name for name in files if name.lower().endswith(IMAGE_SUFFIXES)]
    pdfs = [name for name in files if name.lower().endswith(".pdf")]
    parts = [
        f'<section id="{html.escape(stem)}">',
        f"<h2>{html.escape(stem)}: {html.escape(result.title)}</h2>",
        f'<p class="{"ok" if result.error is None else "failed"}">{html.escape(status)}</p>',
        f"<p>{' | '.join(links)}</p>",
    ]
    if images:
        parts.append(
            '<div class="figures">'
            + "".join(
                f'<a href="{html.escape(f"{stem}/{name}")}"><img src="{html.escape(f"{stem}/{name}")}" '
                f'alt="{html.escape(name)}" title="{html.escape(name)}"></a>'
                for name in images
            )
            + "</div>"
        )
    if pdfs:
        parts.append("<p>PDF figures: " + ", ".join(_link(f"{stem}/{name}", name) for name in pdfs) + "</p>")
    if result.summary is not None:
        parts.append("<h3>Summary</h3>" + _table(result.summary))
    git = result.provenance["git"]
    commit = (
        "not in a git work tree"
        if git["commit"] is None
        else f"git {git['commit'][:12]}{' (uncommitted changes)' if git['dirty'] else ''}"
    )
    given = {
        name: "set by the runner" if name == "output_dir" else "from the parameter file"
        for name in result.provenance["injected"]
    }
    parts.append(f"<h3>Parameters</h3><p>{html.escape(commit)}</p>" + _table(result.provenance["parameters"], given))
    parts.append(
        "<details><summary>provenance.json</summary><pre>"
        + html.escape(json.dumps(result.provenance, indent=2, sort_keys=True))
        + "</pre></details>"
    )
    parts.append("</section>")
    return "\n".join(parts)


STYLE = """body { font-family: sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0; } th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
th { text-align: left; font-weight: normal; background: #f4f4f4; } td code { white-space: pre-wrap; }
.figures img { max-width: 22em; max-height: 16em; margin: 0.3em; border: 1px solid #ddd; }
.ok { color: #1a7f37; } .failed { color: #cf222e; font-weight: bold; } section { margin-bottom: 3em; }"""


def _earlier_note(result):
    return "" if result.seconds is not None else " (an earlier run: parameters and commit below)"


def write_index(results, reports_dir):
    """Write ``reports_dir/index.html`` linking every notebook's pages, figures and summary."""
    contents = "".join(
        f'<li><a href="#{html.escape(r.stem)}">{html.escape(r.stem)}</a>: {html.escape(r.title)}'
        f"{'' if r.error is None else ' (failed)'}{_earlier_note(r)}</li>"
        for r in results
    )
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8"><title>gmm-em reports</title>',
            f"<style>{STYLE}</style></head>",
            "<body>",
            "<h1>gmm-em reports</h1>",
            "<p>Every notebook executed with papermill, with its pages, saved figures, key numbers and the "
            "parameters and versions it ran with; "
            + _link("summary.json", "summary.json")
            + " combines the key numbers of all of them.</p>",
            f"<ul>{contents}</ul>",
            *map(_section, results),
            "</body>",
            "</html>",
            "",
        ]
    )
    write_generated_file(reports_dir / "index.html", page)


# ----------------------------------------------------------------------------------------------
# Command line


def _notebook_paths(names):
    notebooks, problems, seen = [], [], {}
    for name in names:
        path = pathlib.Path(name)
        if path.suffix != ".ipynb":
            problems.append(f"{name} is not a notebook: expected a .ipynb file")
        elif not PLAIN_STEM.fullmatch(path.stem):
            problems.append(
                f"{name}: the name before .ipynb names the notebook's folder in the reports, so it must be a plain "
                "file name (letters, digits, _ and -, starting with a letter or digit)"
            )
        elif not path.is_file():
            problems.append(f"notebook {name} does not exist")
        elif path.stem in seen and seen[path.stem] != path.resolve():
            problems.append(f"{name} and {seen[path.stem]} have the same stem; their reports would collide")
        elif path.stem not in seen:
            seen[path.stem] = path.resolve()
            notebooks.append(path)
    if problems:
        raise ReportError("\n".join(problems))
    return notebooks


def check_reports_dir(reports_dir, stems):
    """Raise :class:`ReportError` unless the runner may write every report into ``reports_dir``.

    Every path the run would replace (``<stem>/``, ``_mathjax/``, ``index.html``, ``summary.json``)
    must be new or generated by an earlier run; one line per path in the way. Changes nothing.
    """
    reports_dir = pathlib.Path(reports_dir)
    existing = next((folder for folder in (reports_dir, *reports_dir.parents) if folder.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ReportError(f"--reports-dir {reports_dir}: {existing} is not a folder")
    problems = []
    for stem in (*stems, MATHJAX_FOLDER):
        try:
            check_folder(reports_dir / stem)
        except NotGeneratedError as exc:
            problems.append(str(exc))
    for name in GENERATED_FILES:
        try:
            check_file(reports_dir / name)
        except NotGeneratedError as exc:
            problems.append(str(exc))
    if problems:
        raise ReportError("\n".join(problems))


def _print_errors(exc):
    for line in str(exc).splitlines():
        print(f"error: {line}", file=sys.stderr)


def main(argv=None):
    """Run the report pipeline; return the exit status (0 ok, 1 a notebook failed, 2 bad input)."""
    parser = argparse.ArgumentParser(prog="python -m gmmlib.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="notebooks/NN_topic.ipynb files to run")
    parser.add_argument(
        "--params",
        metavar="FILE.yaml",
        help="parameters: top-level names for every notebook, NN_topic: sections for one",
    )
    parser.add_argument("--reports-dir", default="reports", help="where to write the reports (default: reports)")
    args = parser.parse_args(argv)
    reports_dir = pathlib.Path(args.reports_dir)
    try:
        notebooks = _notebook_paths(args.notebooks)
        check_reports_dir(reports_dir, [notebook.stem for notebook in notebooks])
        defaults, sections = load_parameter_file(args.params) if args.params else ({}, {})
        parameters = resolve_parameters(notebooks, defaults, sections, source=args.params or "the parameter file")
    except ReportError as exc:
        _print_errors(exc)
        return 2
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        copy_mathjax(reports_dir)
        results = _run_all(notebooks, parameters, reports_dir, args.params)
        listed = sorted(results + earlier_reports(reports_dir, notebooks), key=lambda r: r.stem)
        summary = {result.stem: result.summary for result in listed if result.error is None}
        write_generated_file(reports_dir / "summary.json", _json_text(summary))
        write_index(listed, reports_dir)
    except OSError as exc:  # NotGeneratedError (a path appeared since the check), a full disk, no permission
        _print_errors(exc)
        return 2
    print(f"index: {_display_path(reports_dir / 'index.html')}", flush=True)
    failed = [r.stem for r in results if r.error is not None]
    if failed:
        print(
            f"error: {len(failed)} of {len(results)} notebooks failed: {', '.join(failed)} "
            f"(see {_display_path(reports_dir)}/<stem>/<stem>.html)",
            file=sys.stderr,
        )
        return 1
    return 0


def _run_all(notebooks, parameters, reports_dir, parameter_file):
    """Run every notebook, printing one line for each; return the :class:`Result` list."""
    width = max(len(notebook.stem) for notebook in notebooks)
    results = []
    for notebook in notebooks:
        result = run_notebook(notebook, parameters[notebook.stem], reports_dir, parameter_file)
        results.append(result)
        if result.error is None:
            print(
                f"{result.stem:<{width}}  ok      {result.seconds:6.1f} s  "
                f"{_display_path(result.folder / (result.stem + '.html'))}",
                flush=True,
            )
        else:
            print(
                f"{result.stem:<{width}}  FAILED  {result.seconds:6.1f} s  {result.error}", file=sys.stderr, flush=True
            )
    return results


if __name__ == "__main__":
    sys.exit(main())
