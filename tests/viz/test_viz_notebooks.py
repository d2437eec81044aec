"""The teaching notebooks run top to bottom, and are stored without outputs.

Each notebook is executed with nbclient in a fresh kernel, from ``notebooks/`` as working
directory. Notebooks run at their default parameters (each
well under two minutes on 2 cores); notebook 3 gets a smaller Sobol' base sample, injected after
its ``parameters`` cell, as the code path does not depend on it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXPECTED = ("01_first_run.ipynb", "02_funding_schemes.ipynb",
            "03_sweep_and_sensitivity.ipynb", "04_classroom_exercises.ipynb")
# test-size parameters, injected after each notebook's parameters cell
SMALLER = {
    "03_sweep_and_sensitivity.ipynb": "SOBOL_SAMPLES = 16",
}
HANG_GUARD_S = 600  # per cell: only stops a hung kernel, never judges speed


def parameters_index(nb: nbformat.NotebookNode) -> int:
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "a notebook needs exactly one cell tagged 'parameters'"
    return tagged[0]


def test_all_notebooks_are_present():
    assert tuple(sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    parameters_index(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: outputs must be stripped before committing"
            assert cell.execution_count is None, f"{name}: execution counts must be stripped"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_runs_top_to_bottom(name, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    if name in SMALLER:
        nb.cells.insert(parameters_index(nb) + 1, nbformat.v4.new_code_cell(SMALLER[name]))
    client = NotebookClient(nb, timeout=HANG_GUARD_S, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, f"{name}: expected at least one figure"
