"""The notebook index, ``notebooks/index.yaml``: every notebook declared once, and what follows from it.

Each entry ``NN_topic`` has a one-line ``description``, ``small`` parameters (the tests' papermill
run and ``reports/params/small.yaml``), optional ``large`` parameters (``reports/params/large.yaml``)
and the ``summary_keys`` its ``summary.json`` must hold. From the index, ``make index`` (this module's
command line) writes the two parameter files and the notebook table in ``README.md``;
``tests/test_notebooks.py`` checks that they, and the notebooks in ``notebooks/``, agree with it::

    python -m gmmlib.notebook_index [--root DIR]
"""

import argparse
import pathlib
import re
import sys

import yaml

INDEX = pathlib.Path("notebooks", "index.yaml")
FIELDS = {"description": str, "small": dict, "large": dict, "summary_keys": list}
REQUIRED = ("description", "small", "summary_keys")
STEM = re.compile(r"\d\d_\w+")
GENERATED = "# Generated from notebooks/index.yaml by `make index`: edit that file, not this one."
PARAMETER_FILES = {
    "small": (
        pathlib.Path("reports", "params", "small.yaml"),
        "# A quick look at every report: the small parameters the tests run, a few seconds per notebook.\n"
        "#   make report PARAMS=reports/params/small.yaml",
    ),
    "large": (
        pathlib.Path("reports", "params", "large.yaml"),
        "# Larger problems than the notebooks' defaults: smoother figures, tighter estimates, longer runs.\n"
        "#   make report PARAMS=reports/params/large.yaml",
    ),
}
README = pathlib.Path("README.md")
TABLE_START = "<!-- notebook table: generated from notebooks/index.yaml by `make index` -->"
TABLE_END = "<!-- end of notebook table -->"


class NotebookIndexError(ValueError):
    """The index, or a file generated from it, is not as expected; the message says where."""


def load_index(root="."):
    """Read and check ``notebooks/index.yaml`` under ``root``; return ``{stem: entry}`` in file order."""
    path = pathlib.Path(root) / INDEX
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(entries, dict):
        raise NotebookIndexError(f"{INDEX} must map notebook stems to entries, got a {type(entries).__name__}")
    problems = []
    for stem, entry in entries.items():
        if not isinstance(stem, str) or not STEM.fullmatch(stem):
            problems.append(f"{INDEX}: {stem!r} is not a notebook stem NN_topic")
            continue
        if not isinstance(entry, dict):
            problems.append(f"{INDEX}: {stem} must be a mapping with {', '.join(REQUIRED)}")
            continue
        problems += [f"{INDEX}: {stem} lacks {field}" for field in REQUIRED if field not in entry]
        for field, value in entry.items():
            if field not in FIELDS:
                problems.append(f"{INDEX}: {stem}.{field} is not one of {', '.join(FIELDS)}")
            elif not isinstance(value, FIELDS[field]) or not value:
                problems.append(f"{INDEX}: {stem}.{field} must be a non-empty {FIELDS[field].__name__}")
        if "\n" in str(entry.get("description", "")):
            problems.append(f"{INDEX}: {stem}.description must be one line")
    if list(entries) != sorted(entries, key=str):
        problems.append(f"{INDEX}: entries must be in reading (numbered) order")
    if problems:
        raise NotebookIndexError("\n".join(problems))
    return entries


def parameter_file(entries, size):
    """The text of ``reports/params/<size>.yaml``: a section for each notebook with ``size`` parameters."""
    header = PARAMETER_FILES[size][1]
    lines = [GENERATED, header, "# Format: see reports/README.md."]
    for stem, entry in entries.items():
        if size in entry:
            lines.append(f"{stem}:")
            for name, value in entry[size].items():
                lines.append(f"  {name}: {_flow(value)}")
    return "\n".join(lines) + "\n"


def _flow(value):
    """``value`` in YAML's one-line flow style: ``3``, ``full``, ``[diag, full]``."""
    return yaml.safe_dump([value], default_flow_style=True, width=1000).strip()[1:-1]


def readme_table(entries):
    """The notebook table of ``README.md``, between its markers."""
    rows = [f"| `{stem}` | {entry['description']} |" for stem, entry in entries.items()]
    return "\n".join([TABLE_START, "| notebook | what it shows |", "|---|---|", *rows, TABLE_END])


def generated_files(root="."):
    """``{path: text}`` of every file written from the index, as it must read now."""
    root = pathlib.Path(root)
    entries = load_index(root)
    files = {root / path: parameter_file(entries, size) for size, (path, _) in PARAMETER_FILES.items()}
    readme = (root / README).read_text(encoding="utf-8")
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.DOTALL)
    if len(pattern.findall(readme)) != 1:
        raise NotebookIndexError(f"{README} must hold the notebook table once, between {TABLE_START} and {TABLE_END}")
    files[root / README] = pattern.sub(lambda _: readme_table(entries), readme)
    return files


def write_generated_files(root="."):
    """Write the files :func:`generated_files` describes; return the paths that changed.

    A parameter file is replaced only if it starts with the line saying it is generated.
    """
    changed = []
    for path, text in generated_files(root).items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if path.suffix == ".yaml" and current is not None and not current.startswith(GENERATED):
            raise NotebookIndexError(f"{path} was not generated from {INDEX}: move it away, then run make index")
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed


def main(argv=None):
    """Write the parameter files and README's notebook table from the index; exit status 2 on a problem."""
    parser = argparse.ArgumentParser(prog="python -m gmmlib.notebook_index", description=main.__doc__)
    parser.add_argument("--root", default=".", help="the repository's top folder (default: .)")
    args = parser.parse_args(argv)
    try:
        changed = write_generated_files(args.root)
    except (NotebookIndexError, OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    for path in changed:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
