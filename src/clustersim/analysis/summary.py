"""The report's plain-language summary: which scheme ranks first on which indicator, and where
the difference is not statistically distinguishable.

Rankings use final-month means. "Not distinguishable" means a two-sided paired t-test across the
shared replications (common random numbers) of the leader against that scheme gives p >= 0.05
after Holm's correction over the leader's comparisons with every other scheme. Sentences are
HTML fragments (scheme names in bold).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from clustersim.analysis.stats import mean_ci, paired_difference

# KPI, plain-language name, higher is better
RANKED_KPIS: list[tuple[str, str]] = [
    ("export_share", "share of firms exporting"),
    ("new_exporters", "new exporters"),
    ("export_ties", "active export ties"),
    ("trust_cross_border", "cross-border trust"),
    ("members", "paying members at the end"),
    ("satisfaction", "member satisfaction"),
]


THIN_SPACE = "\u202f"  # narrow no-break space: a thousands separator nobody reads as a decimal


def fmt(value: float) -> str:
    """Numbers as a policy reader expects them: thousands separated by a thin space from 100 (a
    comma or point would be a decimal mark to half of Europe), one decimal from 10, three below
    (shares and trust are 0-1)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    if np.isinf(value):
        return "unbounded"
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}".replace(",", THIN_SPACE)
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


def _b(name: str) -> str:
    return f"<b>{html.escape(str(name))}</b>"


def _series(runs: pd.DataFrame, variant: str, kpi: str) -> pd.Series:
    return runs.loc[runs["variant"] == variant].set_index("replication")[kpi]


def rank_sentence(runs: pd.DataFrame, candidates: list[str], kpi: str, label: str) -> str:
    """Who leads on ``kpi`` among ``candidates`` and which schemes it cannot be told apart from."""
    from clustersim.analysis.headline import leader as find_leader

    lead = find_leader(runs, candidates, kpi)
    leader, means = lead.leader, lead.means
    ci = mean_ci(_series(runs, leader, kpi))
    tied = [f"{_b(o)} ({fmt(means[o])})" for o in lead.tied]
    head = (f"{_b(leader)} ranks first on {label}: {fmt(ci.mean)} "
            f"(95% CI {fmt(ci.low)} to {fmt(ci.high)}).")
    if not tied:
        return head + " Its lead over every other scheme is statistically distinguishable."
    return head + (" The difference from " + ", ".join(tied) + " is <b>not</b> statistically "
                   "distinguishable.")


def cost_sentence(runs: pd.DataFrame, costs: pd.DataFrame, funded: list[str], what: str,
                  column: str, count_kpi: str) -> str | None:
    """Lowest public cost per additional tie or exporter among the funded schemes. At equal
    spend a lower cost means more additional ties (exporters), so the leader is tested against
    the others on ``count_kpi``, paired by replication."""
    table = costs.set_index("variant").loc[funded]
    table = table[np.isfinite(table[column])]
    if table.empty:
        return None
    leader = str(table[column].idxmin())
    row = table.loc[leader]
    tied = [f"{_b(o)} ({fmt(table.loc[o, column])} EUR)" for o in table.index if o != leader
            and not paired_difference(_series(runs, leader, count_kpi),
                                      _series(runs, o, count_kpi)).distinguishable]
    text = (f"{_b(leader)} has the lowest public cost per additional {what} against no funding: "
            f"{fmt(row[column])} EUR (95% CI {fmt(row[column + '_ci_low'])} to "
            f"{fmt(row[column + '_ci_high'])} EUR).")
    if tied:
        text += (" At equal spend it is <b>not</b> statistically distinguishable from "
                 + ", ".join(tied) + ".")
    return text


def plain_summary(runs: pd.DataFrame, order: list[str], costs: pd.DataFrame,
                  calibration: pd.DataFrame, gains: pd.DataFrame,
                  robustness_cells: pd.DataFrame | None) -> list[str]:
    """All summary sentences, in reading order."""
    lines = [rank_sentence(runs, order, kpi, label) for kpi, label in RANKED_KPIS
             if kpi in runs.columns]
    cal = calibration.set_index("variant")
    funded = [v for v in order if cal.loc[v, "target_spend"] > 0 and cal.loc[v, "reached"]]
    for what, column, count in (("export tie", "cost_per_additional_tie", "new_ties_total"),
                                ("exporter", "cost_per_additional_exporter", "new_exporters")):
        sentence = cost_sentence(runs, costs, funded, what, column, count)
        if sentence:
            lines.append(sentence)
    lines += _unreached(runs, cal)
    lines += _harmed(gains)
    if robustness_cells is not None and not robustness_cells.empty:
        lines += _robust(robustness_cells)
    return lines


def _unreached(runs: pd.DataFrame, cal: pd.DataFrame) -> list[str]:
    lines = []
    means = runs.groupby("variant").mean(numeric_only=True)
    for name, row in cal.iterrows():
        if row["target_spend"] <= 0 or row["reached"]:
            continue
        same = [o for o in means.index if o != name and cal.loc[o, "target_spend"] == 0
                and np.allclose(means.loc[o, ["export_share", "export_ties"]],
                                means.loc[name, ["export_share", "export_ties"]])]
        lines.append(
            f"{_b(name)} could not spend the target public budget: {html.escape(row['reason'])}."
            + (f" Its results are the same as {', '.join(_b(s) for s in same)}."
               if same else " Compare it with care."))
    return lines


def _harmed(gains: pd.DataFrame) -> list[str]:
    """Firm kinds that end up exporting less than without funding under some scheme."""
    lines = []
    worse = gains[gains["gain_pp"] < 0].sort_values("gain_pp")
    for _, row in worse.iterrows():
        certain = row["ci_high"] < 0
        lines.append(
            f"Under {_b(row['variant'])}, {html.escape(row['kind'])} firms export less than "
            f"without funding: {row['gain_pp']:+.1f} percentage points (95% CI "
            f"{row['ci_low']:+.1f} to {row['ci_high']:+.1f}; "
            + ("distinguishable from no effect)." if certain else
               "<b>not</b> distinguishable from no effect)."))
    return lines


def _robust(cells: pd.DataFrame) -> list[str]:
    lines = []
    for kpi, label in (("export_share", "share of firms exporting"),
                       ("export_ties", "active export ties")):
        sub = cells[cells["kpi"] == kpi]
        if sub.empty:
            continue
        leaders = (sub.sort_values("mean", ascending=False)
                   .groupby(["language_barrier", "coordination_cost"], observed=True)
                   .head(1)["variant"].astype(str))
        counts = leaders.value_counts()
        n = len(leaders)
        top, k = str(counts.index[0]), int(counts.iloc[0])
        if k == n:
            lines.append(f"Robustness: {_b(top)} ranks first on {label} in all {n} combinations "
                         "of language barrier and coordination cost.")
        else:
            others = ", ".join(f"{_b(v)} ({c})" for v, c in counts.iloc[1:].items())
            lines.append(f"Robustness: the leader on {label} depends on conditions: {_b(top)} "
                         f"ranks first in {k} of {n} combinations of language barrier and "
                         f"coordination cost, {others} in the others.")
    return lines
