"""Every notebook runs under papermill with small, non-default parameters and writes its summary.

Each notebook ``notebooks/NN_topic.ipynb`` has ``tests/notebook_params/NN_topic.yaml`` with
``parameters`` (injected by papermill; ``output_dir`` is added here) and ``summary_keys`` (keys
its summary.json must hold). The strict nbval run of the committed outputs is the other half of
the notebook tests (see the Makefile's ``test`` target).
"""

import json
import pathlib

import numpy as np
import papermill
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def small_parameters(notebook):
    path = ROOT / "tests" / "notebook_params" / f"{notebook.stem}.yaml"
    assert path.exists(), f"{notebook.name} has no small-parameter file {path.relative_to(ROOT)}"
    return yaml.safe_load(path.read_text())


def test_every_notebook_has_small_parameters():
    assert NOTEBOOKS, "no notebooks found"
    for notebook in NOTEBOOKS:
        spec = small_parameters(notebook)
        assert spec["parameters"], f"{notebook.name}: empty parameters"
        assert spec["summary_keys"], f"{notebook.name}: no summary_keys"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_with_small_parameters(notebook, tmp_path):
    spec = small_parameters(notebook)
    output_dir = tmp_path / "output"
    papermill.execute_notebook(
        str(notebook),
        str(tmp_path / notebook.name),
        parameters={**spec["parameters"], "output_dir": str(output_dir)},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    summary = json.loads((output_dir / "summary.json").read_text())
    missing = set(spec["summary_keys"]) - set(summary)
    assert not missing, f"summary.json lacks {sorted(missing)}"
    numbers = [value for value in summary.values() if isinstance(value, (int, float))]
    assert np.all(np.isfinite(numbers)), f"non-finite values in summary.json: {summary}"
