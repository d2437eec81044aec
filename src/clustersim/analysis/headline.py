"""The report's headline for a minister: who leads, at what cost, when the money is spent and
what is lost, as one short table and three sentences, with the caveats that go above it.

Rankings are given twice: on the final month, and on the path, the mean of the last
:data:`PATH_MONTHS` recorded months (curves often still rise at the horizon, so the final month
alone favours late movers). Leads are tested with paired t-tests across replications, and the
p-values of each leader against every other scheme are Holm-corrected (statsmodels
``multipletests``), so "distinguishable" holds for all comparisons at once.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from statsmodels.stats.multitest import multipletests

from clustersim.analysis.stats import paired_difference

PATH_MONTHS = 24
EARLY_MONTHS = 24


def window(steps: pd.DataFrame, months: int = PATH_MONTHS) -> int:
    """``months``, shortened to a fifth of the horizon for short runs (a 24-month window on a
    24-month run would say nothing)."""
    horizon = int(steps["step"].max()) if not steps.empty else months
    return max(1, min(months, horizon // 5)) if horizon < 5 * months else months
SCHEME_LABELS = {"none": "No public funding", "lump_sum": "Lump-sum grant",
                 "matched": "Matched grant", "vouchers": "Vouchers for firms",
                 "project": "Fixed-term project", "performance": "Performance-based grant"}


def variant_labels(spec) -> dict[str, str]:
    """Readers' names of the variants: the file's ``label``, else one from the scheme."""
    labels = {}
    for variant in spec.variants:
        scheme = variant.overrides.get("policy.funding.scheme")
        default = SCHEME_LABELS.get(str(scheme), variant.name.replace("_", " ").capitalize())
        if scheme == "project" and "policy.funding.duration_months" in variant.overrides:
            default += f" ({variant.overrides['policy.funding.duration_months']} months)"
        labels[variant.name] = variant.label or default
    return labels


def early_cutoff(steps: pd.DataFrame) -> int:
    """The month up to which "early" spending is counted: :data:`EARLY_MONTHS` (shorter for
    short runs, see :func:`window`), moved up to the next recorded month."""
    wanted = window(steps, EARLY_MONTHS)
    recorded = sorted(int(x) for x in steps["step"].unique() if x >= wanted)
    return recorded[0] if recorded else wanted


def calibration_status(scenario_file: Path) -> str:
    """Whether the base scenario's parameters were calibrated to data: its ``calibrated`` (or
    ``calibration``) entry when the file has one, else "not calibrated"."""
    try:
        data = yaml.safe_load(Path(scenario_file).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        data = {}
    value = data.get("calibrated", data.get("calibration")) if isinstance(data, dict) else None
    if value in (None, False, "", "no"):
        return "not calibrated"
    return "calibrated" if value is True else f"calibrated: {value}"


def path_mean(steps: pd.DataFrame, kpi: str, months: int | None = None) -> pd.DataFrame:
    """Per variant and replication, the mean of ``kpi`` over the last ``months`` months
    (default: :func:`window`)."""
    months = months or window(steps)
    last = steps["step"].max()
    recent = steps[steps["step"] > last - months]
    return recent.groupby(["variant", "replication"])[kpi].mean().reset_index()


def _by_rep(frame: pd.DataFrame, variant: str, kpi: str) -> pd.Series:
    return frame.loc[frame["variant"] == variant].set_index("replication")[kpi]


@dataclass(frozen=True)
class Lead:
    leader: str
    tied: list[str]  # not distinguishable from the leader after Holm correction
    means: dict[str, float]


def leader(frame: pd.DataFrame, order: list[str], kpi: str) -> Lead:
    """The highest mean, and the schemes it cannot be told apart from (Holm, 5%)."""
    means = {v: float(_by_rep(frame, v, kpi).mean()) for v in order}
    top = max(order, key=lambda v: means[v])
    others = [v for v in order if v != top]
    p = [paired_difference(_by_rep(frame, top, kpi), _by_rep(frame, o, kpi)).p_value
         for o in others]
    finite = [0.0 if np.isnan(x) else x for x in p]  # no spread at all: treated as different
    reject = multipletests(finite, alpha=0.05, method="holm")[0] if others else []
    return Lead(top, [o for o, r in zip(others, reject, strict=True) if not r], means)


def headline_table(runs: pd.DataFrame, steps: pd.DataFrame, order: list[str],
                   labels: dict[str, str]) -> pd.DataFrame:
    """One row per scheme: exporters at the end and on the path, ranks, money and when it was
    spent, members lost."""
    path = path_mean(steps, "export_share")
    start = steps[steps["step"] == steps["step"].min()]
    early = steps[steps["step"] <= early_cutoff(steps)]
    rows = []
    for v in order:
        spent = float(runs.loc[runs["variant"] == v, "public_spent"].mean())
        early_spent = float(early[early["variant"] == v].groupby("replication")["public_spent"]
                            .max().mean()) if not early.empty else np.nan
        members_start = float(start.loc[start["variant"] == v, "members"].mean())
        members_end = float(runs.loc[runs["variant"] == v, "members"].mean())
        rows.append({
            "variant": v, "scheme": labels[v],
            "export_share_final": float(runs.loc[runs["variant"] == v, "export_share"].mean()),
            "export_share_path": float(_by_rep(path, v, "export_share").mean()),
            "public_spent": spent,
            "spent_first_months_share": early_spent / spent if spent > 0 else np.nan,
            "members_start": members_start, "members_end": members_end,
            "members_change_share": (members_end - members_start) / members_start
            if members_start > 0 else np.nan,
        })
    table = pd.DataFrame(rows)
    table["rank_final"] = table["export_share_final"].rank(ascending=False, method="min")
    table["rank_path"] = table["export_share_path"].rank(ascending=False, method="min")
    return table


def headline_sentences(runs: pd.DataFrame, steps: pd.DataFrame, table: pd.DataFrame,
                       order: list[str], labels: dict[str, str], fmt) -> list[str]:
    """Three sentences: who leads (final month and path), at what cost and when the money is
    spent, what is lost. HTML fragments, scheme names in bold."""
    def b(v: str) -> str:
        return f"<b>{html.escape(labels[v])}</b>"

    final = leader(runs, order, "export_share")
    path = leader(path_mean(steps, "export_share"), order, "export_share")
    t = table.set_index("variant")
    lead = final.leader
    path_months, early_months = window(steps), early_cutoff(steps)
    if path.leader == lead:
        who = (f"{b(lead)} leads on the share of firms exporting, both at the end "
               f"({fmt(final.means[lead])}) and over the last {path_months} months "
               f"({fmt(path.means[lead])}).")
    else:
        who = (f"{b(lead)} leads on the share of firms exporting at the end "
               f"({fmt(final.means[lead])}); over the last {path_months} months "
               f"{b(path.leader)} leads ({fmt(path.means[path.leader])}).")
    if final.tied:
        who += (" It is <b>not</b> distinguishable (Holm-corrected paired tests) from "
                + ", ".join(b(o) for o in final.tied) + ".")
    else:
        who += " Its lead is distinguishable from every other scheme (Holm-corrected)."
    share = t.loc[lead, "spent_first_months_share"]
    cost = (f"It costs {fmt(t.loc[lead, 'public_spent'])} EUR of public money"
            + (f", {share:.0%} of it in the first {early_months} months"
               if np.isfinite(share) else "") + ".")
    front = t[(t["public_spent"] > 0) & (t["spent_first_months_share"] > 0.5)
              & (t.index != lead)]
    if not front.empty:
        cost += (" Front-loaded as well: " + ", ".join(
            f"{b(v)} ({t.loc[v, 'spent_first_months_share']:.0%})" for v in front.index)
            + ".")
    change = t.loc[lead, "members_change_share"]
    lost = (f"Under {b(lead)} the cluster "
            + (f"loses {-change:.0%} of its paying members" if change < 0 else
               f"keeps its paying members ({change:+.0%})")
            + f" ({fmt(t.loc[lead, 'members_start'])} at the start, "
            f"{fmt(t.loc[lead, 'members_end'])} at the end).")
    worst = t["members_change_share"].idxmin()
    if worst != lead and t.loc[worst, "members_change_share"] < 0:
        lost += (f" The largest loss is under {b(worst)}: "
                 f"{-t.loc[worst, 'members_change_share']:.0%}.")
    return [who, cost, lost]
