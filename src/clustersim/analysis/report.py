"""The comparison report: CSV tables and one self-contained HTML page (figures embedded as PNG,
no external resources), written for policy makers.

The page is a Jinja2 template (``templates/report.html.j2``, package data) and its tables are
pandas Stylers. Readers see the comparison's title and the schemes' labels; the CSV tables keep
the identifiers. Caveats come first ("a model, not a forecast", whether the parameters are
calibrated), then the headline (:mod:`clustersim.analysis.headline`: who leads, at what cost,
when the money is spent, what is lost).

Sections (their ``id`` attributes are in :data:`SECTIONS`): the headline, KPI means
with 95% CIs, time series with bands, the facilitator's budget by source, cost-effectiveness,
benefits by firm kind, robustness across language barrier and coordination cost, the calibrated
budgets behind "equal public spend", and how it was computed. With ``--posterior``, the
section :data:`UNCERTAINTY_SECTION` follows the KPI means: the probability that each scheme is
best and the ranking's stability across posterior draws.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from clustersim.analysis import figures, tables
from clustersim.analysis.comparison import ComparisonResult, ComparisonSpec
from clustersim.analysis.headline import (
    calibration_status,
    early_cutoff,
    headline_sentences,
    headline_table,
    variant_labels,
    window,
)
from clustersim.analysis.summary import _harmed, _robust, _unreached, fmt
from clustersim.analysis.uncertainty import scheme_uncertainty
from clustersim.outputs.kpis import KPI_DESCRIPTIONS

SECTIONS: list[tuple[str, str]] = [
    ("summary", "In short: who leads, at what cost, when the money is spent, what is lost"),
    ("kpi-table", "Indicators per scheme"),
    ("time-series", "Over time"),
    ("budget", "Facilitator budget by source"),
    ("cost-effectiveness", "Cost-effectiveness"),
    ("benefits-by-kind", "Who benefits: firm kinds"),
    ("robustness", "Robustness: language barrier and coordination cost"),
    ("calibration", "Equal public spend: calibrated budgets"),
    ("method", "How this was computed"),
]
SECTION_IDS = [anchor for anchor, _ in SECTIONS]
UNCERTAINTY_SECTION = ("uncertainty",
                       "Under parameter uncertainty: which scheme is best, how stable the ranking")
"""Shown after the indicators only when the main runs went over posterior draws."""

TEMPLATES = jinja2.Environment(loader=jinja2.PackageLoader("clustersim.analysis", "templates"),
                               autoescape=jinja2.select_autoescape(["html", "j2"]))


def _img(png: bytes, alt: str) -> str:
    return (f'<img alt="{html.escape(alt)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">')


def _ci_cell(mean: float, low: float, high: float, scale: float = 1.0) -> str:
    if np.isnan(low):
        return fmt(mean * scale)
    return f"{fmt(mean * scale)}<br><small>[{fmt(low * scale)}, {fmt(high * scale)}]</small>"


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    """Cells already formatted as HTML fragments, rendered by a pandas Styler."""
    frame = pd.DataFrame(rows, columns=header)
    styled = frame.style.hide(axis="index")
    return f'<div class="wide">{styled.to_html(escape=False)}</div>'


def write_report(result: ComparisonResult) -> Path:
    """Write ``report.html`` and the CSV tables into the comparison's output folder."""
    out, order, runs = result.out, result.variants, result.runs
    kpis = tables.kpi_table(runs, order)
    costs = tables.cost_effectiveness(runs, order)
    gains = tables.benefits_by_kind(runs, order)
    cells = (tables.robustness_cells(result.robustness, order)
             if result.robustness is not None and not result.robustness.empty else None)
    kpis.to_csv(out / "kpi_table.csv", index=False)
    costs.to_csv(out / "cost_effectiveness.csv", index=False)
    gains.to_csv(out / "benefits_by_kind.csv", index=False)
    if cells is not None:
        cells.to_csv(out / "robustness_cells.csv", index=False)

    labels = variant_labels(result.spec)
    head = headline_table(runs, result.steps, order, labels)
    head.to_csv(out / "headline.csv", index=False)
    sections = list(SECTIONS)
    if result.posterior is not None:
        sections.insert(SECTION_IDS.index("kpi-table") + 1, UNCERTAINTY_SECTION)
    bodies = {
        "summary": _headline_html(result, head, order, labels, gains, cells),
        "kpi-table": _kpi_html(kpis, order, _samples_text(result)),
        "time-series": _img(figures.time_series_figure(
            result.steps, [("export_share", "Share of firms exporting"),
                           ("export_ties", "Active export ties"),
                           ("trust_cross_border", "Cross-border trust")], order),
            "time series of export share, export ties and cross-border trust")
        + '<p class="note">Mean over replications with 95% confidence bands. Front-loaded '
          "money (project funding) shows early and may fade after it stops.</p>",
        "budget": _img(figures.budget_by_source_figure(result.steps, order),
                       "cumulative facilitator income by source")
        + '<p class="note">Cumulative income of the cluster facilitator by source, mean with 95% '
          "bands. Public income is what the scheme paid out (vouchers count when firms redeem "
          "them with the facilitator).</p>",
        "cost-effectiveness": _cost_html(costs, order),
        "benefits-by-kind": _img(figures.kind_benefit_figure(gains, order),
                                 "export share gain by firm kind") + _gains_html(gains, order),
        "robustness": _robustness_html(result, cells, order),
        "calibration": _calibration_html(result.calibration, result.spec),
        "method": _method_text(result),
    }
    if result.posterior is not None:
        p_best, stability = scheme_uncertainty(runs, order, [k for k, _, _ in tables.TABLE_KPIS])
        p_best.to_csv(out / "probability_best.csv", index=False)
        stability.to_csv(out / "ranking_stability.csv", index=False)
        result.posterior.table().to_csv(out / "posterior_draws.csv", index=False)
        bodies["uncertainty"] = _uncertainty_html(result, p_best, stability, order)
    bodies = {k: _relabel(v, labels) for k, v in bodies.items()}
    page = TEMPLATES.get_template("report.html.j2").render(
        title=result.spec.title or "Funding schemes compared", description=result.spec.description,
        caveats=_caveats(result), sections=sections, bodies=bodies)
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _caveats(result: ComparisonResult) -> str:
    """What every reader must know before the numbers."""
    status = (calibration_status(result.scenario_file) if result.scenario_file is not None
              else "not calibrated")
    spec = result.spec
    return (f"This is <b>a model, not a forecast</b>: it shows how the rules in docs/ODD.md play "
            f"out, not what a real cluster will do. Its parameters are <b>{html.escape(status)}"
            f"</b>{'' if status.startswith('calibrated') else ' against data'}: read "
            "differences between schemes, not the levels. "
            f"{_samples_text(result)} per scheme; every funded scheme spends the same "
            f"public money ({fmt(spec.target_public_spend)} EUR over the horizon)."
            + ("" if result.posterior is None else
               " The model's uncertain parameters were drawn from a calibration's posterior, so "
               "the results carry parameter uncertainty as well as chance."))


def _samples_text(result: ComparisonResult) -> str:
    """"20 replications" or "5 posterior draws x 4 replications (20 runs)"."""
    reps = result.spec.replications
    if result.posterior is None:
        return f"{reps} replications"
    k = result.posterior.n
    return f"{k} posterior draws &times; {reps} replications ({k * reps} runs)"


def _uncertainty_html(result: ComparisonResult, p_best: pd.DataFrame, stability: pd.DataFrame,
                      order: list[str]) -> str:
    """Probability best per KPI and scheme, and the ranking's stability, as one table."""
    assert result.posterior is not None
    labels = {k: (lab, unit) for k, lab, unit in tables.TABLE_KPIS}
    p = (p_best.set_index(["kpi", "variant"])["p_best"] if not p_best.empty
         else pd.Series(dtype=float))
    rows = []
    for _, s in stability.iterrows():
        kpi = s["kpi"]
        label = labels.get(kpi, (kpi, ""))[0]
        better = "higher is better" if s["higher_is_better"] else "lower is better"
        cells = []
        for v in order:
            value = p.get((kpi, v), np.nan)
            cells.append("&ndash;" if not np.isfinite(value)
                         else f"<b>{value:.0%}</b>" if value >= 0.5 else f"{value:.0%}")
        rows.append([f"{html.escape(label)}<br><small>{better}, <code>{kpi}</code></small>",
                     *cells,
                     f"{s['modal_share']:.0%}" if np.isfinite(s["modal_share"]) else "&ndash;",
                     f"{s['mean_kendall_tau']:.2f}" if np.isfinite(s["mean_kendall_tau"])
                     else "&ndash;"])
    header = (["indicator"] + [html.escape(v) for v in order]
              + ["draws ranking all schemes as the most common ranking",
                 "agreement with the pooled ranking (Kendall &tau;)"])
    post = result.posterior
    k, reps = post.n, result.spec.replications
    return ("<p>Which scheme comes out best can depend on model parameters the data do not pin "
            "down. Each column gives the <b>probability that the scheme is best</b> on the "
            f"indicator: the share of {k} parameter sets drawn from the calibration's posterior "
            f"in which the scheme has the best mean over its {reps} replications. A scheme "
            "with a high probability is the better choice whichever plausible parameters hold; "
            "when the probability is split, the evidence does not single out one scheme and "
            "the choice should rest on other grounds (cost, fit with the cluster, risk). "
            "The last two columns say how stable the whole ranking is: the share of draws "
            "that rank all schemes in the most common order, and the mean Kendall &tau; "
            "between each draw's ranking and the ranking of the pooled means (1 = every draw "
            "ranks as the pooled means do, 0 = no agreement).</p>"
            + _html_table(header, rows)
            + '<p class="note">Per indicator the probabilities add up to 100% (ties are '
            "shared). Public money per outcome is ranked among the funded schemes only, "
            "and public money spent is not ranked (it is equalised). The means and intervals "
            f"elsewhere in this report pool all {k} draws &times; {reps} replications, so they "
            "include parameter uncertainty; the intervals treat the runs as independent, "
            "which makes them somewhat narrow when draws differ a lot. Budgets were calibrated "
            "and the robustness sweep run at the scenario's own parameters. Posterior: "
            f"<code>{html.escape(post.path)}</code> (sha256 {post.sha256[:12]}); drawn sets: "
            "<code>posterior_draws.csv</code>. Tables: <code>probability_best.csv</code>, "
            "<code>ranking_stability.csv</code>.</p>")


def _headline_html(result: ComparisonResult, head: pd.DataFrame, order: list[str],
                   labels: dict[str, str], gains: pd.DataFrame,
                   cells: pd.DataFrame | None) -> str:
    sentences = headline_sentences(result.runs, result.steps, head, order, labels, fmt)
    t = head.set_index("variant")
    path_months, early_months = window(result.steps), early_cutoff(result.steps)
    rows = [[html.escape(labels[v]), f"{int(t.loc[v, 'rank_final'])}",
             f"{int(t.loc[v, 'rank_path'])}", fmt(t.loc[v, "export_share_final"]),
             fmt(t.loc[v, "export_share_path"]), fmt(t.loc[v, "public_spent"]),
             "&ndash;" if not np.isfinite(t.loc[v, "spent_first_months_share"])
             else f"{t.loc[v, 'spent_first_months_share']:.0%}",
             "&ndash;" if not np.isfinite(t.loc[v, "members_change_share"])
             else f"{t.loc[v, 'members_change_share']:+.0%}"]
            for v in t.sort_values("rank_final").index]
    header = ["scheme", "rank (final month)", f"rank (last {path_months} months)",
              "share exporting, final month", f"share exporting, mean of last {path_months} "
              "months", "public money spent (EUR)", f"spent in the first {early_months} months",
              "paying members, change"]
    cal = result.calibration.set_index("variant")
    notes = _unreached(result.runs, cal) + _harmed(gains)
    if cells is not None and not cells.empty:
        notes += _robust(cells)
    return ("".join(f"<p>{line}</p>" for line in sentences)
            + _html_table(header, rows)
            + '<p class="note">Ranks on the share of firms exporting. The path rank uses the '
            f"mean of the last {path_months} months of each replication, because curves may "
            "still be rising at the end. Leads are tested with paired t-tests across "
            "replications, Holm-corrected over the leader's comparisons. Table: "
            "<code>headline.csv</code>.</p>"
            + ("<h3>Also note</h3><ul>" + "".join(f"<li>{n}</li>" for n in notes) + "</ul>"
               if notes else ""))


def _relabel(body: str, labels: dict[str, str]) -> str:
    """Scheme identifiers shown in bold or as table cells become the readers' labels."""
    for name, label in labels.items():
        body = body.replace(f"<b>{html.escape(name)}</b>", f"<b>{html.escape(label)}</b>")
        body = body.replace(f"<td>{html.escape(name)}</td>", f"<td>{html.escape(label)}</td>")
        body = body.replace(f">{html.escape(name)}</td>", f">{html.escape(label)}</td>")
        body = body.replace(f">{html.escape(name)}</th>", f">{html.escape(label)}</th>")
    return body


def _kpi_html(kpis: pd.DataFrame, order: list[str], samples: str) -> str:
    rows = []
    for kpi, label, unit in tables.TABLE_KPIS:
        sub = kpis[kpis["kpi"] == kpi].set_index("variant")
        title = html.escape(KPI_DESCRIPTIONS.get(kpi, kpi))
        rows.append([f'<span title="{title}">{html.escape(label)}</span><br><small>{unit}, '
                     f"<code>{kpi}</code></small>"]
                    + [_ci_cell(*sub.loc[v, ["mean", "ci_low", "ci_high"]]) for v in order])
    return (_html_table(["indicator"] + [html.escape(v) for v in order], rows)
            + '<p class="note">Final month; mean and [95% confidence interval] over '
            f"{samples} (Student t). Hover an indicator for its definition. "
            "Table: <code>kpi_table.csv</code>.</p>")


def _cost_html(costs: pd.DataFrame, order: list[str]) -> str:
    c = costs.set_index("variant")
    rows = [[html.escape(v), fmt(c.loc[v, "public_spent"]),
             _ci_cell(*c.loc[v, ["additional_ties", "additional_ties_ci_low",
                                 "additional_ties_ci_high"]]),
             _ci_cell(*c.loc[v, ["cost_per_additional_tie", "cost_per_additional_tie_ci_low",
                                 "cost_per_additional_tie_ci_high"]]),
             _ci_cell(*c.loc[v, ["additional_exporters", "additional_exporters_ci_low",
                                 "additional_exporters_ci_high"]]),
             _ci_cell(*c.loc[v, ["cost_per_additional_exporter",
                                 "cost_per_additional_exporter_ci_low",
                                 "cost_per_additional_exporter_ci_high"]]),
             fmt(c.loc[v, "public_cost_per_new_tie"]),
             fmt(c.loc[v, "public_cost_per_new_exporter"])] for v in order]
    header = ["scheme", "public money spent (EUR)", "additional ties formed",
              "EUR per additional tie", "additional exporters", "EUR per additional exporter",
              "EUR per tie formed (plain)", "EUR per new exporter (plain)"]
    funded = [v for v in order if c.loc[v, "public_spent"] > 0]
    figure = (_img(figures.cost_figure(costs, funded, order), "public cost per additional tie and "
                   "exporter") if funded else "")
    return (figure
            + _html_table(header, rows)
            + '<p class="note">"Additional" counts are against the no-funding counterfactual, '
            "replication by replication (same seeds), with 95% intervals; the cost interval is "
            "the spend divided by those bounds (unbounded when the additional count may be zero)."
            " The plain ratios divide the spend by all ties formed / all new exporters, including"
            " those that would have happened anyway. Table: <code>cost_effectiveness.csv</code>."
            "</p>")


def _gains_html(gains: pd.DataFrame, order: list[str]) -> str:
    kinds = list(dict.fromkeys(gains["kind"]))
    g = gains.set_index(["variant", "kind"])
    rows = [[html.escape(v)] + [
        f"{g.loc[(v, k), 'gain_pp']:+.1f}<br><small>[{g.loc[(v, k), 'ci_low']:+.1f}, "
        f"{g.loc[(v, k), 'ci_high']:+.1f}]</small>" if np.isfinite(g.loc[(v, k), "ci_low"])
        else f"{g.loc[(v, k), 'gain_pp']:+.1f}" for k in kinds] for v in order]
    return (_html_table(["scheme"] + [f"{k} (pp)" for k in kinds], rows)
            + '<p class="note">Change in the share of firms of each kind that export, in '
            "percentage points against no funding, with paired 95% intervals. Kinds with few "
            "firms (often large firms and start-ups) move in big steps and have wide intervals. "
            "Table: <code>benefits_by_kind.csv</code>.</p>")


def _robustness_html(result: ComparisonResult, cells: pd.DataFrame | None,
                     order: list[str]) -> str:
    if cells is None:
        return "<p>No robustness sweep was requested.</p>"
    rob = result.robustness
    assert rob is not None
    n = int(rob.groupby(["variant", "language_barrier", "coordination_cost"]).size().min())
    spend = cells[cells["kpi"] == "public_spent"]
    combos = sorted({(b, c) for b, c in zip(spend["language_barrier"],
                                            spend["coordination_cost"], strict=True)})
    s = spend.set_index(["variant", "language_barrier", "coordination_cost"])["mean"]
    rows = [[html.escape(v)] + [fmt(s.get((v, b, c), np.nan)) for b, c in combos] for v in order]
    header = ["scheme"] + [f"barrier {b:g}, cost {c:g}" for b, c in combos]
    return (_img(figures.robustness_figure(rob, "export_share", order),
                 "robustness of export share")
            + _img(figures.robustness_figure(rob, "export_ties", order),
                   "robustness of export ties")
            + '<p class="note">Every market\'s language barrier and the coordination cost set to '
            f"each level; {n} replications per cell, mean and 95% interval. Budgets are the ones "
            "calibrated at the base conditions, so spend can drift where a scheme depends on "
            "outcomes; mean public money spent per cell (EUR):</p>"
            + _html_table(header, rows)
            + '<p class="note">Tables: <code>robustness.csv</code> (every run), '
            "<code>robustness_cells.csv</code> (means, intervals, ranks).</p>")


def _calibration_html(calibration: pd.DataFrame, spec: ComparisonSpec) -> str:
    rows = []
    for _, r in calibration.iterrows():
        counterfactual = r["target_spend"] <= 0
        rows.append([
            html.escape(r["variant"]), fmt(r["annual_budget"]),
            "&ndash;" if counterfactual else fmt(r["target_spend"]),
            "&ndash;" if counterfactual else fmt(r["achieved_spend"]),
            fmt(r["main_run_spend"]),
            "&ndash;" if counterfactual else f"{r['main_run_deviation']:+.1%}",
            "counterfactual" if counterfactual else ("yes" if r["reached"] else "<b>no</b>"),
            str(int(r["iterations"])), html.escape(str(r["reason"] or ""))])
        rows[-1][-1] = f'<span style="display:block;text-align:left">{rows[-1][-1]}</span>'
    header = ["scheme", "calibrated annual budget (EUR)", "target spend (EUR)",
              "spend in calibration runs (EUR)", "spend in main runs (EUR)",
              "main runs vs target", "target reached", "rounds", "note"]
    missed = calibration[(~calibration["reached"].astype(bool))
                         & (calibration["target_spend"] > 0)]
    warn = ""
    if not missed.empty:
        names = ", ".join(f"<b>{html.escape(v)}</b>" for v in missed["variant"])
        warn = (f'<p class="warn">{names} could not spend the target; see the note column. '
                "It is shown with what it did spend, not dropped.</p>")
    return (warn + _html_table(header, rows)
            + '<p class="note">Each funded scheme\'s annual budget was searched so that its mean '
            "cumulative public spend over the horizon equals the target (within "
            f"{spec.spend_tolerance:.0%} on the "
            "calibration runs, which use the seeds of the main runs' first replications). Schemes "
            "that pay a fixed share of their budget spend it exactly; outcome-dependent ones "
            "(matched, performance) vary from run to run, and match the target on average only "
            "when the calibration used as many replications as the main runs. Tables: "
            "<code>calibration.csv</code>, <code>calibration_history.csv</code> (every budget "
            "tried).</p>")


def _method_text(result: ComparisonResult) -> str:
    spec = result.spec
    months = int(result.steps["step"].max()) if not result.steps.empty else "?"
    return (f"<p>Each scheme ran {spec.replications} replications of {months} months from "
            f"<code>{html.escape(spec.scenario)}</code>, with common random numbers: replication "
            "r of every scheme uses the same seed (derived from the comparison seed "
            f"{spec.seed}), so schemes are compared replication by replication. Before the runs, "
            "each funded scheme's annual budget was calibrated so that it spends "
            f"{spec.target_public_spend:,.0f} EUR of public money over the horizon on average; "
            "<b>none</b> is the no-funding counterfactual. Confidence intervals are Student-t 95% "
            "intervals over replications; differences between schemes use paired t-tests. The "
            "model is a thinking tool, not a forecast: its rules and where each comes from are "
            "in docs/ODD.md; how each scheme works, and the seed statement behind it, is in "
            "docs/policy.md. Every run is in <code>runs.csv</code>.</p>"
            + ("" if result.posterior is None else
               f"<p>The main runs went over {result.posterior.n} parameter sets drawn by weight "
               "from the posterior of a calibration (<code>"
               f"{html.escape(result.posterior.path)}</code>), each with all replications; "
               "within a draw every scheme uses the same seeds (common random numbers), and each "
               "draw has its own seeds. <code>runs.csv</code> gives each run's <code>draw</code>, "
               "<code>replication_in_draw</code> and the drawn parameter values; "
               "<code>replication</code> is the pair key shared by the schemes' runs with the "
               "same seed.</p>"))
