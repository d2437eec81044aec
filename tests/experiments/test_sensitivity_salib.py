"""SALib analysis through the sweep code path, on functions with known indices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sweep_helpers import ishigami, linear

from clustersim.experiments import Experiment, sweep
from clustersim.experiments.sensitivity import SensitivityError, analyze_folder

PI = math.pi
# Ishigami & Homma (1990), a = 7, b = 0.1: analytic first and total order indices.
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_indices_of_ishigami_match_the_analytic_values(out):
    spec = Experiment.model_validate({
        "name": "ishigami",
        "seed": 7,
        "parameters": {x: {"bounds": [-PI, PI]} for x in ("x1", "x2", "x3")},
        "design": {"type": "sobol", "samples": 1024},
        "outputs": {"kpis": ["y"]},
        "sensitivity": {"num_resamples": 200},
    })
    summary = sweep(spec, out, workers=2, run_fn=ishigami, progress=False)
    assert summary.ok == 1024 * 5
    result = analyze_folder(out)
    table = result.table.set_index("parameter")
    for x in ("x1", "x2", "x3"):
        assert table.loc[x, "S1"] == pytest.approx(ISHIGAMI_S1[x], abs=0.04)
        assert table.loc[x, "ST"] == pytest.approx(ISHIGAMI_ST[x], abs=0.04)
        assert 0 < table.loc[x, "S1_conf"] < 0.1 and 0 < table.loc[x, "ST_conf"] < 0.1
    assert result.table_path.is_file() and result.plot_path.stat().st_size > 1000


def test_morris_elementary_effects_of_a_linear_function(out):
    spec = Experiment.model_validate({
        "name": "linear",
        "seed": 1,
        "parameters": {x: {"bounds": [0, 1]} for x in ("x1", "x2", "x3")},
        "design": {"type": "morris", "trajectories": 20, "levels": 4},
        "outputs": {"kpis": ["y"]},
    })
    sweep(spec, out, workers=0, run_fn=linear, progress=False)
    table = analyze_folder(out).table.set_index("parameter")
    np.testing.assert_allclose(table["mu"], [2.0, -0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["mu_star"], [2.0, 0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], [0.0, 0.0, 0.0], atol=1e-9)


def test_analysis_refuses_incomplete_sweeps_and_grids(out, tmp_path):
    from sweep_helpers import grid_spec, noisy

    sweep(grid_spec(), out, workers=0, run_fn=noisy, progress=False)
    with pytest.raises(SensitivityError, match="sobol or morris design"):
        analyze_folder(out)
    spec = Experiment.model_validate({
        "name": "holes", "parameters": {"a": {"bounds": [0, 4]}, "b": {"bounds": [0, 1]}},
        "design": {"type": "morris", "trajectories": 4}, "outputs": {"kpis": ["y"]},
    })
    holes = tmp_path / "holes"
    sweep(spec, holes, workers=0, run_fn=_fails_above_3, progress=False)
    with pytest.raises(SensitivityError, match="have no successful run"):
        analyze_folder(holes)


def _fails_above_3(params, seed):
    if params["a"] > 3:
        raise ValueError("no")
    return {"y": params["a"]}
