"""The comparison report: CSV tables and one self-contained HTML page (figures embedded as PNG,
no external resources), written for policy makers."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from clustersim.analysis import figures
from clustersim.analysis.comparison import ComparisonResult
from clustersim.analysis.stats import paired_difference, summarise
from clustersim.outputs.kpis import KPI_DESCRIPTIONS
from clustersim.scenario.schema import FIRM_KINDS

TABLE_KPIS = ["export_share", "new_exporters", "export_ties", "new_ties_total",
              "markets_per_exporter", "trust_cross_border", "members", "satisfaction",
              "public_spent", "public_cost_per_new_tie", "public_cost_per_new_exporter"]
# KPI, plain-language name, True if higher is better
RANKED_KPIS = [("export_share", "share of firms exporting", True),
               ("new_exporters", "new exporters", True),
               ("export_ties", "export ties", True),
               ("trust_cross_border", "cross-border trust", True),
               ("additional_cost_per_tie", "public cost per additional export tie", False),
               ("additional_cost_per_exporter", "public cost per additional exporter", False)]
SECTIONS = ["summary", "kpi-table", "time-series", "budget", "cost-effectiveness",
            "benefits-by-kind", "robustness", "calibration", "method"]

PAGE = Template("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>$title</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}
th,td{border:1px solid #bbb;padding:3px 7px;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#eee} img{max-width:100%} .note{color:#555;font-size:13px}
section{margin-bottom:2.2em} .wide{overflow-x:auto}
</style></head><body>
<h1>$title</h1>
<p class="note">$description</p>
$sections
</body></html>
""")


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,' \
           f'{base64.b64encode(png).decode()}">'


def _section(anchor: str, heading: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(heading)}</h2>\n{body}\n</section>'


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


def kpi_table(result: ComparisonResult) -> pd.DataFrame:
    """Means and 95% confidence intervals of the final KPIs, per variant."""
    return summarise(result.runs, "variant", TABLE_KPIS)


def cost_effectiveness(result: ComparisonResult, counterfactual: str = "none") -> pd.DataFrame:
    """Public money per additional tie and exporter, against the no-funding counterfactual
    (replication by replication: the variants share seeds)."""
    runs = result.runs.set_index(["variant", "replication"])
    rows = []
    has_none = counterfactual in result.variants
    for name in result.variants:
        own = runs.loc[name]
        base = runs.loc[counterfactual] if has_none else None
        spend = own["public_spent"].mean()
        extra_ties = (own["new_ties_total"] - base["new_ties_total"]).mean() if has_none \
            else float("nan")
        extra_exporters = (own["new_exporters"] - base["new_exporters"]).mean() if has_none \
            else float("nan")
        rows.append({
            "variant": name,
            "public_spent": spend,
            "additional_ties": extra_ties,
            "additional_exporters": extra_exporters,
            "additional_cost_per_tie": spend / extra_ties if spend > 0 and extra_ties > 0
            else float("nan"),
            "additional_cost_per_exporter": spend / extra_exporters
            if spend > 0 and extra_exporters > 0 else float("nan"),
            "public_cost_per_new_tie": own["public_cost_per_new_tie"].mean(),
            "public_cost_per_new_exporter": own["public_cost_per_new_exporter"].mean(),
        })
    return pd.DataFrame(rows)


def benefits_by_kind(result: ComparisonResult, counterfactual: str = "none") -> pd.DataFrame:
    """Export-share gain (percentage points) over the counterfactual, by firm kind."""
    means = result.runs.groupby("variant")[[f"export_share_{k}" for k in FIRM_KINDS]].mean()
    base = means.loc[counterfactual] if counterfactual in means.index else 0.0
    gains = (means - base) * 100
    gains.columns = list(FIRM_KINDS)
    return gains.reindex(result.variants).rename_axis("variant").reset_index()


def plain_summary(result: ComparisonResult, costs: pd.DataFrame) -> list[str]:
    """One sentence per KPI: who ranks first, and whether the lead over the runner-up is
    statistically distinguishable (paired t-test across replications, 5% level)."""
    runs = result.runs.set_index(["variant", "replication"])
    funded = [v for v in result.variants
              if costs.set_index("variant").loc[v, "public_spent"] > 0]
    lines = []
    for kpi, label, higher in RANKED_KPIS:
        if kpi.startswith("additional_"):
            table = costs.set_index("variant").loc[funded, kpi].dropna()
            if len(table) < 1:
                continue
            ordered = table.sort_values(ascending=not higher)
            best = ordered.index[0]
            lines.append(f"<b>{html.escape(best)}</b> has the lowest {label} "
                         f"({_fmt(ordered.iloc[0])} EUR)"
                         + (f"; next is {html.escape(ordered.index[1])} "
                            f"({_fmt(ordered.iloc[1])} EUR)." if len(ordered) > 1 else "."))
            continue
        means = runs[kpi].groupby(level="variant").mean().reindex(result.variants)
        ordered = means.sort_values(ascending=not higher)
        best, second = ordered.index[0], ordered.index[1]
        test = paired_difference(runs.loc[best, kpi], runs.loc[second, kpi])
        verdict = ("the lead is statistically distinguishable" if test.distinguishable else
                   "the difference is <b>not</b> statistically distinguishable")
        lines.append(f"<b>{html.escape(best)}</b> ranks first on {label} "
                     f"({_fmt(ordered.iloc[0])} vs {_fmt(ordered.iloc[1])} for "
                     f"{html.escape(second)}); {verdict} (paired t-test, p = {test.p_value:.3f},"
                     f" {test.n} replications).")
    return lines


def write_report(result: ComparisonResult) -> Path:
    """Write ``report.html`` and the CSV tables into the comparison's output folder."""
    out = result.out
    order = result.variants
    table = kpi_table(result)
    costs = cost_effectiveness(result)
    gains = benefits_by_kind(result)
    table.to_csv(out / "kpi_table.csv", index=False)
    costs.to_csv(out / "cost_effectiveness.csv", index=False)
    gains.to_csv(out / "benefits_by_kind.csv", index=False)

    kpi_rows = []
    for name in order:
        cells = []
        for kpi in TABLE_KPIS:
            row = table[(table["variant"] == name) & (table["kpi"] == kpi)].iloc[0]
            cells.append(f"{_fmt(row['mean'])}<br><small>[{_fmt(row['ci_low'])}, "
                         f"{_fmt(row['ci_high'])}]</small>")
        kpi_rows.append(f"<tr><td>{html.escape(name)}</td><td>" + "</td><td>".join(cells)
                        + "</td></tr>")
    header = "".join(f'<th title="{html.escape(KPI_DESCRIPTIONS.get(k, k))}">{k}</th>'
                     for k in TABLE_KPIS)
    kpi_html = (f'<div class="wide"><table><tr><th>variant</th>{header}</tr>'
                f"{''.join(kpi_rows)}</table></div>"
                '<p class="note">Final month; mean and [95% confidence interval] over '
                f"{result.spec.replications} replications (Student t). Hover a column name for "
                "its definition.</p>")

    sections = [
        _section("summary", "In short", "<ul>" + "".join(f"<li>{line}</li>" for line in
                                                         plain_summary(result, costs))
                 + "</ul>" + _calibration_warning(result)),
        _section("kpi-table", "Indicators per scheme", kpi_html),
        _section("time-series", "Over time", _img(figures.time_series_figure(
            result.steps, [("export_share", "Export share"), ("export_ties", "Export ties"),
                           ("trust_cross_border", "Cross-border trust")], order),
            "time series")),
        _section("budget", "Facilitator budget by source", _img(
            figures.budget_by_source_figure(result.steps, order), "budget by source")),
        _section("cost-effectiveness", "Cost-effectiveness",
                 '<div class="wide">' + costs.to_html(index=False, float_format=_fmt,
                                                      na_rep="n/a") + "</div>"
                 + '<p class="note">Additional ties and exporters are counted against the '
                 "no-funding counterfactual, replication by replication (same seeds).</p>"),
        _section("benefits-by-kind", "Who benefits", _img(figures.kind_benefit_figure(
            gains, order), "benefits by firm kind") + gains.to_html(
            index=False, float_format=lambda v: f"{v:.1f}")),
        _section("robustness", "Robustness: language barrier and coordination cost",
                 _img(figures.robustness_figure(result.robustness, "export_ties", order),
                      "robustness") if result.robustness is not None and
                 not result.robustness.empty else "<p>No robustness sweep was requested.</p>"),
        _section("calibration", "Equal public spend: calibrated budgets",
                 result.calibration.to_html(index=False, float_format=_fmt)),
        _section("method", "How this was computed", _method_text(result)),
    ]
    page = PAGE.substitute(title=html.escape(f"Funding schemes compared: {result.spec.name}"),
                           description=html.escape(result.spec.description),
                           sections="\n".join(sections))
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _calibration_warning(result: ComparisonResult) -> str:
    missed = result.calibration[(~result.calibration["reached"])
                                & (result.calibration["target_spend"] > 0)]
    if missed.empty:
        return ""
    names = ", ".join(html.escape(v) for v in missed["variant"])
    return (f"<p><b>Note:</b> {names} could not spend the target public budget (see "
            "'Equal public spend'): e.g. the cluster is not eligible, or the scheme cannot absorb "
            "the money. Compare them with care.</p>")


def _method_text(result: ComparisonResult) -> str:
    spec = result.spec
    return (f"<p>Each variant ran {spec.replications} replications of "
            f"{int(result.steps['step'].max()) if not result.steps.empty else '?'} months from "
            f"<code>{html.escape(spec.scenario)}</code>, with common random numbers (replication "
            "r of every variant uses the same seed, derived from the comparison seed "
            f"{spec.seed}). Before the runs, each funded variant's annual budget was calibrated so "
            f"that it spends {spec.target_public_spend:,.0f} EUR of public money over the horizon "
            "on average. Confidence intervals are Student-t 95% intervals over replications; "
            "rankings are tested with a paired t-test between the first and second variant. "
            "The rules of the model, and where each comes from, are in docs/ODD.md; how each "
            "scheme works is in docs/policy.md.</p>")
