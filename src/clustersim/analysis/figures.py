"""Figures for comparisons and sweeps: greyscale- and colour-blind-safe (Okabe-Ito colours plus
line styles and hatches), labelled axes with units."""

from __future__ import annotations

import io
from itertools import cycle

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from clustersim.analysis.stats import mean_ci

# Okabe-Ito without its pale yellow (#F0E442), which vanishes on white: no scheme, least of all
# the leader, is drawn in a colour a projector washes out
OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7",
             "#882255"]
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), (0, (5, 5))]
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]

UNITS = {
    "export_share": "share of firms (0-1)", "export_ties": "active ties",
    "trust_cross_border": "trust (0-1)", "budget_balance": "EUR", "public_spent": "EUR",
    "new_ties_total": "ties since start", "new_exporters": "firms",
    "public_cost_per_new_tie": "EUR per tie", "public_cost_per_new_exporter": "EUR per firm",
}


def styles(n: int) -> list[tuple[str, object, str]]:
    """(colour, line style, hatch) for ``n`` series, distinct even in greyscale."""
    return [(c, ls, h) for (c, ls, h), _ in zip(cycle(zip(OKABE_ITO, LINESTYLES, HATCHES,
                                                        strict=True)), range(n), strict=False)]


def to_png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def band_plot(ax: plt.Axes, steps: pd.DataFrame, kpi: str, group: str,
              order: list[str]) -> None:
    """Mean over replications with a 95% confidence band, one line per group."""
    for name, (colour, style, _) in zip(order, styles(len(order)), strict=True):
        sub = steps[steps[group] == name]
        if sub.empty:
            continue
        rows = [(step, mean_ci(vals[kpi])) for step, vals in sub.groupby("step")]
        x = np.array([r[0] for r in rows])
        mean = np.array([r[1].mean for r in rows])
        low = np.array([r[1].low for r in rows])
        high = np.array([r[1].high for r in rows])
        ax.plot(x, mean, color=colour, linestyle=style, label=str(name), linewidth=1.8)
        ax.fill_between(x, low, high, color=colour, alpha=0.15, linewidth=0)
    ax.set_xlabel("month")
    ax.set_ylabel(UNITS.get(kpi, kpi))
    ax.grid(alpha=0.3)


def _legend_below(fig: plt.Figure, ax: plt.Axes, ncols: int) -> None:
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols, frameon=False,
               fontsize=8)


def time_series_figure(steps: pd.DataFrame, kpis: list[tuple[str, str]], order: list[str],
                       group: str = "variant") -> bytes:
    """One panel per KPI: mean over replications with a 95% band per variant."""
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.4 * len(kpis), 4.2), squeeze=False,
                             layout="constrained")
    for ax, (kpi, title) in zip(axes[0], kpis, strict=True):
        band_plot(ax, steps, kpi, group, order)
        ax.set_title(title)
    _legend_below(fig, axes[0][0], min(len(order), 7))
    return to_png(fig)


BUDGET_SOURCES = [("income_public", "public"), ("income_fees", "membership fees"),
                  ("income_services", "service fees"), ("income_eu", "EU projects")]


def budget_by_source_figure(steps: pd.DataFrame, order: list[str]) -> bytes:
    """Cumulative facilitator income by source with 95% bands, one panel per variant."""
    cols = min(4, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.9 * rows + 0.6), squeeze=False,
                             sharey=True, sharex=True, layout="constrained")
    for ax, name in zip(axes.flat, order, strict=False):
        sub = steps[steps["variant"] == name]
        for (column, label), (colour, style, _) in zip(BUDGET_SOURCES, styles(4), strict=True):
            scaled = sub.assign(**{column: sub[column] / 1000})
            rows_ci = [(step, mean_ci(vals[column])) for step, vals in scaled.groupby("step")]
            x = np.array([r[0] for r in rows_ci])
            ax.plot(x, [r[1].mean for r in rows_ci], color=colour, linestyle=style, label=label,
                    linewidth=1.6)
            ax.fill_between(x, [r[1].low for r in rows_ci], [r[1].high for r in rows_ci],
                            color=colour, alpha=0.15, linewidth=0)
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[-1, :]:
        ax.set_xlabel("month")
    for ax in axes[:, 0]:
        ax.set_ylabel("cumulative income\n(thousand EUR)")
    for ax in list(axes.flat)[len(order):]:
        ax.axis("off")
        ax.tick_params(labelbottom=True)
    _legend_below(fig, axes.flat[0], 4)
    return to_png(fig)


def _bars_with_ci(ax: plt.Axes, means: list[float], lows: list[float], highs: list[float],
                  order: list[str], palette_order: list[str] | None = None) -> None:
    """One hatched bar per variant with 95% CI whiskers; open-ended CIs drawn to the top.
    ``palette_order`` (default ``order``) fixes each variant's style, so a subset keeps the
    colours it has in the other figures."""
    palette = palette_order or order
    look = dict(zip(palette, styles(len(palette)), strict=True))
    top = np.nanmax([h for h in highs if np.isfinite(h)] + [m for m in means if np.isfinite(m)]
                    + [0.0])
    for i, name in enumerate(order):
        colour, _, hatch = look[name]
        mean, low, high = means[i], lows[i], highs[i]
        if not np.isfinite(mean):
            ax.text(i, 0, "n/a", ha="center", va="bottom", fontsize=8)
            continue
        ax.bar(i, mean, color=colour, hatch=hatch, edgecolor="black", alpha=0.85)
        if np.isfinite(low):
            upper = high if np.isfinite(high) else top * 1.1
            ax.errorbar(i, mean, yerr=[[mean - low], [upper - mean]], color="black", capsize=3,
                        linewidth=1)
            if not np.isfinite(high):
                ax.annotate("", (i, upper), (i, mean), arrowprops={"arrowstyle": "->"})
    ax.set_xticks(range(len(order)), order, rotation=35, ha="right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def bar_figure(table: pd.DataFrame, kpis: list[tuple[str, str]], order: list[str]) -> bytes:
    """Bars of means with 95% CI whiskers, one panel per KPI; ``table`` from ``summarise``."""
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.6 * len(kpis), 3.8), squeeze=False,
                             layout="constrained")
    for ax, (kpi, title) in zip(axes[0], kpis, strict=True):
        sub = table[table["kpi"] == kpi].set_index("variant").reindex(order)
        _bars_with_ci(ax, list(sub["mean"]), list(sub["ci_low"]), list(sub["ci_high"]), order)
        ax.set_ylabel(UNITS.get(kpi, kpi))
        ax.set_title(title)
    return to_png(fig)


def cost_figure(costs: pd.DataFrame, order: list[str], palette_order: list[str]) -> bytes:
    """Public money per additional tie and per additional exporter (vs no funding), 95% CI;
    ``order`` the funded variants shown, ``palette_order`` all variants (for their styles)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.9), layout="constrained")
    sub = costs.set_index("variant").reindex(order)
    for ax, (what, unit) in zip(axes, (("tie", "EUR per additional export tie"),
                                       ("exporter", "EUR per additional exporter")),
                                strict=True):
        column = f"cost_per_additional_{what}"
        _bars_with_ci(ax, list(sub[column] / 1000), list(sub[f"{column}_ci_low"] / 1000),
                      list(sub[f"{column}_ci_high"] / 1000), order, palette_order)
        ax.set_ylabel(f"thousand {unit}")
        ax.set_title(f"Public cost per additional {what} (lower is better)", fontsize=10)
    return to_png(fig)


def kind_benefit_figure(gains: pd.DataFrame, order: list[str]) -> bytes:
    """Export share gain over the no-funding counterfactual by firm kind, with 95% CIs
    (``gains`` from :func:`clustersim.analysis.tables.benefits_by_kind`)."""
    kinds = list(dict.fromkeys(gains["kind"]))
    fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
    width = 0.8 / max(1, len(kinds))
    for j, (kind, (colour, _, hatch)) in enumerate(zip(kinds, styles(len(kinds)), strict=True)):
        sub = gains[gains["kind"] == kind].set_index("variant").reindex(order)
        x = np.arange(len(order)) + j * width
        ax.bar(x, sub["gain_pp"], width, label=kind, color=colour, hatch=hatch,
               edgecolor="black", alpha=0.85)
        ok = np.isfinite(sub["ci_low"].to_numpy(float))
        below = (sub["gain_pp"] - sub["ci_low"])[ok]
        above = (sub["ci_high"] - sub["gain_pp"])[ok]
        ax.errorbar(x[ok], sub["gain_pp"][ok], yerr=[below, above], fmt="none", color="black",
                    capsize=2, linewidth=0.8)
    ax.set_xticks(np.arange(len(order)) + 0.4 - width / 2, order, rotation=35, ha="right")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("export share gain vs no funding\n(percentage points)")
    _legend_below(fig, ax, len(kinds))
    ax.grid(axis="y", alpha=0.3)
    return to_png(fig)


def robustness_figure(robustness: pd.DataFrame, kpi: str, order: list[str]) -> bytes:
    """Small multiples: one panel per (language barrier, coordination cost) cell, bars of the
    mean with 95% CI per variant, a shared y axis so cells compare at a glance."""
    barriers = sorted(robustness["language_barrier"].unique())
    costs = sorted(robustness["coordination_cost"].unique())
    fig, axes = plt.subplots(len(barriers), len(costs),
                             figsize=(max(4.2 * len(costs), 6), 3.4 * len(barriers)),
                             squeeze=False, sharey=True, layout="constrained")
    for i, barrier in enumerate(barriers):
        for j, cost in enumerate(costs):
            ax = axes[i][j]
            cell = robustness[(robustness["language_barrier"] == barrier)
                              & (robustness["coordination_cost"] == cost)]
            cis = [mean_ci(cell.loc[cell["variant"] == name, kpi]) for name in order]
            _bars_with_ci(ax, [c.mean for c in cis], [c.low for c in cis],
                          [c.high for c in cis], order)
            ax.set_title(f"language barrier {barrier:g}, coordination cost {cost:g}",
                         fontsize=9)
        axes[i][0].set_ylabel(UNITS.get(kpi, kpi))
    return to_png(fig)
