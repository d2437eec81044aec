"""The two comparison scenarios reproduce the seed facts their comments claim.

(tests/test_scenarios.py already checks that every scenario validates and runs.)
"""

from pathlib import Path

import pytest

from clustersim import load_scenario, simulate

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SOURCES = ("income_public", "income_fees", "income_services", "income_eu")


def test_gold_label_has_a_hamburg_like_budget_mix():
    scenario = load_scenario(SCENARIOS / "gold_label.yaml")
    assert 10 <= scenario.clusters[0].facilitator.staff <= 12
    final = simulate(scenario, seed=3).final
    total = sum(final[s] for s in SOURCES)
    share = {s: final[s] / total for s in SOURCES}
    assert 0.03 <= share["income_fees"] <= 0.04  # membership 3-4%
    assert share["income_services"] == pytest.approx(0.20, abs=0.03)  # services+events ~10+10%
    assert share["income_eu"] == pytest.approx(0.20, abs=0.03)  # EU projects ~20%
    assert share["income_public"] == pytest.approx(0.57, abs=0.05)  # the rest
    assert final["esca_private_budget_share"] > 0.20  # ESCA: > 20% private
    assert final["budget_balance"] >= 0


def test_project_funding_ends_after_24_months():
    scenario = load_scenario(SCENARIOS / "project_ends.yaml")
    assert scenario.clusters[0].n_firms == 45
    kpis = simulate(scenario, seed=4, steps=48).kpis.set_index("step")
    assert kpis.loc[24, "public_spent"] > 0
    assert kpis.loc[48, "public_spent"] == kpis.loc[24, "public_spent"]
    assert kpis.loc[48, "budget_balance"] < kpis.loc[24, "budget_balance"]
