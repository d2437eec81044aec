"""Summary sentences and tables on synthetic runs whose answers are known."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clustersim.analysis.summary import fmt, rank_sentence
from clustersim.analysis.tables import benefits_by_kind, cost_effectiveness

N = 12


def synthetic_runs() -> pd.DataFrame:
    """none < slow < fast ~ fast_twin on ties; equal spend of 1,000 EUR for funded variants."""
    rng = np.random.default_rng(42)
    noise = rng.normal(0, 1, N)  # shared per replication: common random numbers
    rows = []
    for variant, ties, spend in (("none", 10, 0.0), ("slow", 20, 1000.0), ("fast", 30, 1000.0),
                                 ("fast_twin", 30, 1000.0)):
        own = rng.normal(0, 0.5, N)
        for r in range(N):
            value = ties + 3 * noise[r] + own[r]
            rows.append({"variant": variant, "replication": r, "new_ties_total": value,
                         "export_ties": value, "new_exporters": value / 10,
                         "public_spent": spend, "public_cost_per_new_tie": spend / value,
                         "public_cost_per_new_exporter": spend * 10 / value,
                         **{f"export_share_{k}": 0.1 + value / 100 for k in
                            ("micro", "sme", "large", "startup")}})
    return pd.DataFrame(rows)


ORDER = ["none", "slow", "fast", "fast_twin"]


def test_rank_sentence_names_the_leader_and_the_ties():
    runs = synthetic_runs()
    text = rank_sentence(runs, ORDER, "export_ties", "export ties")
    leader = "fast" if runs.groupby("variant")["export_ties"].mean()["fast"] > \
        runs.groupby("variant")["export_ties"].mean()["fast_twin"] else "fast_twin"
    other = {"fast": "fast_twin", "fast_twin": "fast"}[leader]
    assert text.startswith(f"<b>{leader}</b> ranks first on export ties")
    assert f"<b>{other}</b>" in text and "<b>not</b> statistically distinguishable" in text
    assert "<b>slow</b>" not in text  # 10 ties behind with shared noise: distinguishable


def test_rank_sentence_without_ties_says_distinguishable():
    runs = synthetic_runs()
    runs = runs[runs["variant"] != "fast_twin"]
    text = rank_sentence(runs, ["none", "slow", "fast"], "export_ties", "export ties")
    assert "lead over every other scheme is statistically distinguishable" in text


def test_cost_effectiveness_matches_a_direct_paired_computation():
    runs = synthetic_runs()
    costs = cost_effectiveness(runs, ORDER).set_index("variant")
    fast = runs[runs["variant"] == "fast"].set_index("replication")["new_ties_total"]
    none = runs[runs["variant"] == "none"].set_index("replication")["new_ties_total"]
    diff = fast - none
    low, high = stats.t.interval(0.95, N - 1, loc=diff.mean(), scale=stats.sem(diff))
    row = costs.loc["fast"]
    assert row["additional_ties"] == pytest.approx(diff.mean())
    assert (row["additional_ties_ci_low"], row["additional_ties_ci_high"]) == pytest.approx(
        (low, high))
    assert row["cost_per_additional_tie"] == pytest.approx(1000 / diff.mean())
    assert row["cost_per_additional_tie_ci_low"] == pytest.approx(1000 / high)
    assert row["cost_per_additional_tie_ci_high"] == pytest.approx(1000 / low)
    assert costs.loc["none", "additional_ties"] == 0
    assert np.isnan(costs.loc["none", "cost_per_additional_tie"])


def test_benefits_by_kind_are_paired_gains_in_percentage_points():
    runs = synthetic_runs()
    gains = benefits_by_kind(runs, ORDER).set_index(["variant", "kind"])
    by = runs.groupby("variant")["export_share_sme"].mean()
    assert gains.loc[("slow", "sme"), "gain_pp"] == pytest.approx((by["slow"] - by["none"]) * 100)
    assert gains.loc[("slow", "sme"), "ci_low"] < gains.loc[("slow", "sme"), "gain_pp"]
    assert gains.loc[("none", "large"), "gain_pp"] == 0


def test_numbers_read_like_a_report():
    assert fmt(600000.0) == "600\u202f000"  # thin space: never read as a decimal point
    assert fmt(17.25) == "17.2"
    assert fmt(0.7634) == "0.763"
    assert fmt(0.0) == "0"
    assert fmt(float("nan")) == "n/a"
    assert fmt(float("inf")) == "unbounded"
