"""Unreliable Sobol' indices are flagged: wide intervals, S1 outside [0, 1] beyond its interval."""

from __future__ import annotations

import math

import pandas as pd
from sweep_helpers import ishigami

from clustersim.experiments import Experiment, sweep
from clustersim.experiments.sensitivity import (
    analyze_folder,
    reliability_notes,
    reliability_warnings,
)


def synthetic_table() -> pd.DataFrame:
    rows = [  # kpi, parameter, S1, S1_conf, ST, ST_conf
        ("ties", "trust.gain_rate", 0.50, 0.05, 0.60, 0.05),    # fine
        ("ties", "trust.loss_rate", 0.00, 0.02, 0.01, 0.01),    # no effect, tight: fine
        ("ties", "language.barrier", 0.10, 0.30, 0.20, 0.05),   # interval wider than S1
        ("share", "trust.gain_rate", 1.40, 0.20, 1.10, 0.30),   # S1 > 1 beyond its interval
        ("share", "funding.budget", -0.40, 0.10, 0.20, 0.05),   # S1 < 0 beyond its interval
    ]
    return pd.DataFrame(rows, columns=["kpi", "parameter", "S1", "S1_conf", "ST", "ST_conf"])


def test_notes_flag_exactly_the_unreliable_rows():
    notes = reliability_notes(synthetic_table())
    assert [bool(n) for n in notes] == [False, False, True, True, True]
    assert "wider than the index" in notes[2]
    assert "> 1 beyond" in notes[3] and "< 0 beyond" in notes[4]


def test_warnings_name_kpi_parameters_and_suggest_more_samples():
    warnings = reliability_warnings(synthetic_table(), samples=64)
    assert len(warnings) == 2
    ties, share = warnings
    assert ties.startswith("warning: ties:") and "language.barrier" in ties
    assert "gain_rate" not in ties and "loss_rate" not in ties
    assert "trust.gain_rate" in share and "funding.budget" in share
    assert "from 64 to 256" in ties
    assert reliability_warnings(synthetic_table().iloc[:2]) == []


def test_a_tiny_sobol_sweep_writes_the_warning_into_table_and_result(out):
    spec = Experiment.model_validate({
        "name": "ishigami_tiny",
        "seed": 7,
        "parameters": {x: {"bounds": [-math.pi, math.pi]} for x in ("x1", "x2", "x3")},
        "design": {"type": "sobol", "samples": 8},
        "outputs": {"kpis": ["y"]},
        "sensitivity": {"num_resamples": 100},
    })
    sweep(spec, out, workers=0, run_fn=ishigami, progress=False)
    result = analyze_folder(out)
    assert result.warnings and "from 8 to 32" in result.warnings[0]
    written = pd.read_csv(result.table_path, keep_default_na=False)
    assert (written["note"] != "").any()
    assert list(written["note"]) == list(result.table["note"])
