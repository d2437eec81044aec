"""KPI labels with units: every KPI has one, and notebook charts use them, not raw names."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from clustersim.analysis.labels import KPI_LABELS, kpi_label
from clustersim.outputs.kpis import KPI_NAMES

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
CHART_TEXT = re.compile(r"(set_title|set_ylabel|set_xlabel|suptitle)\((.*)\)"
                        r"|colorbar\(.*label=(.*)")


def test_every_kpi_has_a_label_with_a_unit():
    assert set(KPI_LABELS) == set(KPI_NAMES)
    assert kpi_label("export_share") == "Export share (share of firms, 0-1)"
    assert kpi_label("budget_balance", unit=False) == "Facilitator cash balance"
    assert kpi_label("toy_output") == "Toy output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_chart_titles_use_readers_names(path):
    nb = nbformat.read(path, as_version=4)
    calls = [m.group(0) for cell in nb.cells if cell.cell_type == "code"
             for m in CHART_TEXT.finditer(cell.source)]
    assert calls, f"{path.name}: no chart text found; update the pattern"
    for call in calls:
        raw = [k for k in KPI_NAMES if re.search(rf"[\"']{k}[\"']", call)]
        bare = re.search(r"\(\s*kpi\s*[,)]", call)
        if raw or bare:
            assert "kpi_label(" in call, f"{path.name}: raw KPI name in chart text: {call}"
