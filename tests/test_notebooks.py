"""Every notebook is declared once, runs under papermill with its small parameters and writes its summary.

``notebooks/index.yaml`` declares each notebook ``notebooks/NN_topic.ipynb``: a description, ``small``
parameters (injected by papermill; ``output_dir`` is added here) and ``summary_keys`` (keys its
summary.json must hold). The files generated from it (``reports/params/*.yaml``, README's notebook
table) must agree with it. The strict nbval run of the committed outputs is the other half of the
notebook tests (see the Makefile's ``test`` target).
"""

import json
import pathlib

import nbformat
import numpy as np
import papermill
import pytest

from gmmlib import notebook_index
from gmmlib.report import declared_parameters

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
INDEX = notebook_index.load_index(ROOT)


def test_every_notebook_is_in_the_index_and_every_entry_has_a_notebook():
    assert NOTEBOOKS, "no notebooks found"
    stems = [notebook.stem for notebook in NOTEBOOKS]
    assert list(INDEX) == stems, f"notebooks/index.yaml lists {list(INDEX)}, notebooks/ holds {stems}"


@pytest.mark.parametrize("path", sorted(notebook_index.generated_files(ROOT)), ids=lambda path: path.name)
def test_generated_files_agree_with_the_index(path):
    expected = notebook_index.generated_files(ROOT)[path]
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} disagrees with notebooks/index.yaml: run `make index` and commit the result"
    )


def test_small_parameters_live_only_in_the_index():
    # tests/notebook_params/ was replaced by notebooks/index.yaml; a merge must not bring it back.
    assert not (ROOT / "tests" / "notebook_params").exists(), "move tests/notebook_params/ into notebooks/index.yaml"


def run_small(notebook, tmp_path):
    """Execute ``notebook`` with its small parameters into ``tmp_path``; return the executed notebook's path."""
    executed = tmp_path / notebook.name
    papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters={**INDEX[notebook.stem]["small"], "output_dir": str(tmp_path / "output")},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    return executed


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_with_small_parameters(notebook, tmp_path):
    run_small(notebook, tmp_path)
    summary = json.loads((tmp_path / "output" / "summary.json").read_text())
    missing = set(INDEX[notebook.stem]["summary_keys"]) - set(summary)
    assert not missing, f"summary.json lacks {sorted(missing)}"
    numbers = [value for value in summary.values() if isinstance(value, (int, float))]
    assert np.all(np.isfinite(numbers)), f"non-finite values in summary.json: {summary}"


def png_cells(path):
    """Ids of the code cells with an image/png output, and the text of every stream output."""
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    images = {cell.id for cell in cells if any("image/png" in output.get("data", {}) for output in cell.outputs)}
    streams = [output.text for cell in cells for output in cell.outputs if output.output_type == "stream"]
    return images, streams


def test_figures_stay_inline_under_mplbackend_agg(tmp_path, monkeypatch):
    # CI set-ups often export MPLBACKEND=Agg; the kernel inherits it, and without `%matplotlib inline`
    # the figures vanish from the outputs (and plt.show() warns), so strict nbval fails.
    notebook = ROOT / "notebooks" / "00_quickstart.ipynb"
    monkeypatch.setenv("MPLBACKEND", "Agg")
    committed, _ = png_cells(notebook)
    images, streams = png_cells(run_small(notebook, tmp_path))
    assert committed, "00_quickstart has no figures to check"
    assert images == committed, f"cells whose figure is missing under MPLBACKEND=Agg: {sorted(committed - images)}"
    assert not [text for text in streams if "non-interactive" in text]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_every_notebook_asks_for_inline_figures_before_it_draws(notebook):
    """What keeps 00's figures under MPLBACKEND=Agg (above) must be in every notebook that draws."""
    code = [cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code"]
    draws = [i for i, source in enumerate(code) if "plt." in source or "fig, " in source]
    inline = [i for i, source in enumerate(code) if "%matplotlib inline" in source]
    assert not draws or (inline and inline[0] < draws[0]), f"{notebook.name} draws without %matplotlib inline first"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_a_notebook_run_by_hand_writes_outside_the_reports(notebook):
    # The runner sets output_dir to reports/<stem>/; a run by hand (Jupyter, papermill, nbval) that wrote
    # there by default changed a report's figures and summary under its provenance.
    assert declared_parameters(notebook)["output_dir"].default == f"../output/{notebook.stem}"
