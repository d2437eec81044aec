"""Every shipped scenario validates, documents its seed facts and runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustersim import load_scenario, simulate

SCENARIO_FILES = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_the_required_scenarios_exist():
    names = {p.stem for p in SCENARIO_FILES}
    assert {"baseline", "national_programme"} <= names
    assert len(names) >= 3


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_validates_and_runs(path):
    scenario = load_scenario(path)
    result = simulate(scenario, steps=3)
    assert result.kpis["step"].tolist() == [0, 1, 2, 3]
    core = ["export_share", "export_ties", "markets_per_exporter", "trust_intra",
            "trust_cross_border", "members", "budget_balance", "public_spent", "relations"]
    assert result.kpis[core].notna().all().all()
    if scenario.n_clusters > 1:
        assert set(result.cluster_kpis["step"]) == {0, 1, 2, 3}
        assert result.cluster_kpis["cluster"].nunique() == scenario.n_clusters


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_documents_its_seed_facts(path):
    head = path.read_text().splitlines()
    assert head[0].startswith("#")
    comments = "\n".join(line for line in head if line.lstrip().startswith("#"))
    assert "seed" in comments.lower()


def test_national_programme_matches_parp_counts():
    scenario = load_scenario(SCENARIO_FILES[0].parent / "national_programme.yaml")
    stages = {}
    for c in scenario.clusters:
        stages[c.stage.value] = stages.get(c.stage.value, 0) + c.count
    assert stages == {"embryonic": 5, "growth": 58, "mature": 1}
    assert 2500 <= scenario.n_firms <= 3500
