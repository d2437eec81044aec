"""Refactors keep the dynamics: every shipped scenario reproduces its golden KPI tables exactly.

The tables were recorded by ``tests/golden/regenerate.py`` (fixed seed; see its docstring for when
and how to regenerate them).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
_spec = importlib.util.spec_from_file_location("golden_regenerate", GOLDEN_DIR / "regenerate.py")
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_every_shipped_scenario_has_a_golden_file():
    names = golden.scenario_names()
    assert len(names) >= 6
    for name in names:
        assert golden.golden_path(name).is_file(), f"no golden file for scenario {name}"


@pytest.mark.parametrize("name", golden.scenario_names())
def test_current_code_reproduces_the_golden_kpis(name):
    for table, frame in golden.golden_tables(name).items():
        expected = pd.read_parquet(golden.golden_path(table))
        pd.testing.assert_frame_equal(frame, expected, check_exact=True, check_dtype=True,
                                      obj=f"golden table {table}")


def test_golden_comparison_detects_a_different_run():
    """The comparison is sharp: another seed does not pass as the golden baseline."""
    from clustersim.scenario import load_scenario
    from clustersim.simulation import simulate

    scenario = load_scenario(golden.SCENARIOS_DIR / "baseline.yaml")
    other = simulate(scenario, seed=golden.SEED + 1, steps=golden.DEFAULT_STEPS).kpis
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(other, pd.read_parquet(golden.golden_path("baseline")),
                                      check_exact=True)
