"""The comparison's tables: KPI means with CIs, cost-effectiveness, benefits by firm kind and the
robustness cells. Each returns a tidy DataFrame that is written as CSV and rendered in the report.

Variants share replication seeds (common random numbers), so differences against the no-funding
counterfactual and between schemes are taken replication by replication (paired).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clustersim.analysis.stats import mean_ci, paired_difference, summarise
from clustersim.scenario.schema import FIRM_KINDS

# KPI, label for readers, unit
TABLE_KPIS: list[tuple[str, str, str]] = [
    ("export_share", "Share of firms exporting", "0-1"),
    ("new_exporters", "New exporters since the start", "firms"),
    ("export_ties", "Active export ties", "ties"),
    ("new_ties_total", "Export ties formed since the start", "ties"),
    ("markets_per_exporter", "Foreign markets per exporter", "markets"),
    ("trust_cross_border", "Cross-border trust", "0-1"),
    ("members", "Paying members", "firms"),
    ("satisfaction", "Member satisfaction", "0-1"),
    ("esca_private_budget_share", "Private share of facilitator income (last 12 months)", "0-1"),
    ("public_spent", "Public money spent", "EUR"),
    ("public_cost_per_new_tie", "Public money per tie formed", "EUR/tie"),
    ("public_cost_per_new_exporter", "Public money per new exporter", "EUR/firm"),
]
COUNTERFACTUAL = "none"


def kpi_table(runs: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Final-month mean, 95% CI bounds and n per variant and KPI (tidy)."""
    table = summarise(runs, "variant", [k for k, _, _ in TABLE_KPIS])
    table["variant"] = pd.Categorical(table["variant"], order, ordered=True)
    return table.sort_values(["variant"], kind="stable").reset_index(drop=True)


def _by_replication(runs: pd.DataFrame, variant: str, column: str) -> pd.Series:
    return runs.loc[runs["variant"] == variant].set_index("replication")[column]


def cost_effectiveness(runs: pd.DataFrame, order: list[str],
                       counterfactual: str = COUNTERFACTUAL) -> pd.DataFrame:
    """Public money per *additional* tie and exporter against the counterfactual.

    Additional ties (exporters) are the paired mean difference in ties formed since the start
    (new exporters) against the counterfactual, with a 95% t interval. Spend is calibrated to be
    (nearly) the same in every replication, so the cost's interval is the spend divided by the
    interval's bounds; it is open-ended (``inf``) when the additional count's interval reaches
    zero. The plain ratios ``public_cost_per_new_*`` (no counterfactual) are kept alongside.
    """
    has_base = counterfactual in set(runs["variant"])
    rows = []
    for name in order:
        spend = float(runs.loc[runs["variant"] == name, "public_spent"].mean())
        row: dict[str, float | str] = {"variant": name, "public_spent": spend}
        for column, label in (("new_ties_total", "ties"), ("new_exporters", "exporters")):
            if has_base and name != counterfactual:
                diff = paired_difference(_by_replication(runs, name, column),
                                         _by_replication(runs, counterfactual, column))
                extra, low, high = diff.mean_difference, diff.low, diff.high
            else:
                extra = low = high = 0.0 if name == counterfactual else float("nan")
            row[f"additional_{label}"] = extra
            row[f"additional_{label}_ci_low"] = low
            row[f"additional_{label}_ci_high"] = high
            row[f"cost_per_additional_{label[:-1]}"] = _ratio(spend, extra)
            row[f"cost_per_additional_{label[:-1]}_ci_low"] = _ratio(spend, high)
            row[f"cost_per_additional_{label[:-1]}_ci_high"] = (
                _ratio(spend, low) if low > 0 else (np.inf if spend > 0 and high > 0 else np.nan))
        for plain in ("public_cost_per_new_tie", "public_cost_per_new_exporter"):
            row[plain] = float(runs.loc[runs["variant"] == name, plain].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def _ratio(spend: float, count: float) -> float:
    return spend / count if spend > 0 and count > 0 else float("nan")


def benefits_by_kind(runs: pd.DataFrame, order: list[str],
                     counterfactual: str = COUNTERFACTUAL) -> pd.DataFrame:
    """Export-share gain over the counterfactual by firm kind, percentage points, paired 95% CI
    (tidy: variant, kind, gain_pp, ci_low, ci_high, p_value)."""
    rows = []
    has_base = counterfactual in set(runs["variant"])
    for name in order:
        for kind in FIRM_KINDS:
            column = f"export_share_{kind}"
            if not has_base:
                own = mean_ci(runs.loc[runs["variant"] == name, column] * 100)
                rows.append({"variant": name, "kind": kind, "gain_pp": float("nan"),
                             "ci_low": float("nan"), "ci_high": float("nan"),
                             "p_value": float("nan"), "level_pp": own.mean})
                continue
            diff = paired_difference(_by_replication(runs, name, column) * 100,
                                     _by_replication(runs, counterfactual, column) * 100)
            level = float(runs.loc[runs["variant"] == name, column].mean() * 100)
            rows.append({"variant": name, "kind": kind, "gain_pp": diff.mean_difference,
                         "ci_low": diff.low, "ci_high": diff.high, "p_value": diff.p_value,
                         "level_pp": level})
    return pd.DataFrame(rows)


def robustness_cells(robustness: pd.DataFrame, order: list[str],
                     kpis: tuple[str, ...] = ("export_share", "export_ties", "public_spent"),
                     ) -> pd.DataFrame:
    """Mean and 95% CI per (language barrier, coordination cost, variant, KPI), and the rank of
    each variant within its cell (1 = highest mean)."""
    table = summarise(robustness, ["language_barrier", "coordination_cost", "variant"],
                      list(kpis))
    table["rank"] = (table.groupby(["language_barrier", "coordination_cost", "kpi"])["mean"]
                     .rank(ascending=False, method="min"))
    table["variant"] = pd.Categorical(table["variant"], order, ordered=True)
    return table.sort_values(["kpi", "language_barrier", "coordination_cost", "variant"],
                             kind="stable").reset_index(drop=True)
