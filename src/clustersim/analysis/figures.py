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

OKABE_ITO = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00",
             "#CC79A7"]
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


def time_series_figure(steps: pd.DataFrame, kpis: list[tuple[str, str]], order: list[str],
                       group: str = "variant") -> bytes:
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.6 * len(kpis), 3.8), squeeze=False)
    for ax, (kpi, title) in zip(axes[0], kpis, strict=True):
        band_plot(ax, steps, kpi, group, order)
        ax.set_title(title)
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("Mean over replications with 95% confidence bands")
    return to_png(fig)


def budget_by_source_figure(steps: pd.DataFrame, order: list[str]) -> bytes:
    """Cumulative facilitator income by source, one panel per variant."""
    sources = [("income_public", "public"), ("income_fees", "fees"),
               ("income_services", "service fees"), ("income_eu", "EU projects")]
    cols = min(4, len(order))
    rows = int(np.ceil(len(order) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows), squeeze=False,
                             sharey=True)
    for ax, name in zip(axes.flat, order, strict=False):
        sub = steps[steps["variant"] == name].groupby("step")[[s for s, _ in sources]].mean()
        for (column, label), (colour, style, _) in zip(sources, styles(4), strict=True):
            ax.plot(sub.index, sub[column] / 1000, color=colour, linestyle=style, label=label)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("month")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("cumulative income, thousand EUR")
    for ax in list(axes.flat)[len(order):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, frameon=False)
    return to_png(fig)


def bar_figure(table: pd.DataFrame, kpis: list[tuple[str, str]], order: list[str]) -> bytes:
    """Bars of means with 95% CI whiskers, one panel per KPI; ``table`` from ``summarise``."""
    fig, axes = plt.subplots(1, len(kpis), figsize=(4.6 * len(kpis), 3.8), squeeze=False)
    for ax, (kpi, title) in zip(axes[0], kpis, strict=True):
        sub = table[table["kpi"] == kpi].set_index("variant").reindex(order)
        x = np.arange(len(order))
        for i, (name, (colour, _, hatch)) in enumerate(zip(order, styles(len(order)),
                                                           strict=True)):
            mean, low, high = sub.loc[name, ["mean", "ci_low", "ci_high"]]
            if np.isnan(mean):
                continue
            err = [[mean - low if not np.isnan(low) else 0], [high - mean if not np.isnan(high)
                                                              else 0]]
            ax.bar(i, mean, color=colour, hatch=hatch, edgecolor="black", alpha=0.85,
                   yerr=err, capsize=3)
        ax.set_xticks(x, order, rotation=35, ha="right", fontsize=8)
        ax.set_ylabel(UNITS.get(kpi, kpi))
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
    return to_png(fig)


def kind_benefit_figure(gains: pd.DataFrame, order: list[str]) -> bytes:
    """Export share gain over the no-funding counterfactual, by firm kind."""
    kinds = [c for c in gains.columns if c != "variant"]
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / max(1, len(kinds))
    for j, (kind, (colour, _, hatch)) in enumerate(zip(kinds, styles(len(kinds)), strict=True)):
        values = gains.set_index("variant").reindex(order)[kind]
        ax.bar(np.arange(len(order)) + j * width, values, width, label=kind, color=colour,
               hatch=hatch, edgecolor="black", alpha=0.85)
    ax.set_xticks(np.arange(len(order)) + 0.4 - width / 2, order, rotation=35, ha="right")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel("export share gain vs no funding\n(percentage points)")
    ax.legend(fontsize=8, frameon=False, ncols=len(kinds))
    ax.grid(axis="y", alpha=0.3)
    return to_png(fig)


def robustness_figure(robustness: pd.DataFrame, kpi: str, order: list[str]) -> bytes:
    """Small multiples: one panel per (language barrier, coordination cost) cell."""
    barriers = sorted(robustness["language_barrier"].unique())
    costs = sorted(robustness["coordination_cost"].unique())
    fig, axes = plt.subplots(len(barriers), len(costs), figsize=(4.2 * len(costs),
                                                                  3.2 * len(barriers)),
                             squeeze=False, sharey=True)
    for i, barrier in enumerate(barriers):
        for j, cost in enumerate(costs):
            ax = axes[i][j]
            cell = robustness[(robustness["language_barrier"] == barrier)
                              & (robustness["coordination_cost"] == cost)]
            for k, (name, (colour, _, hatch)) in enumerate(zip(order, styles(len(order)),
                                                               strict=True)):
                ci = mean_ci(cell.loc[cell["variant"] == name, kpi])
                if np.isnan(ci.mean):
                    continue
                err = 0 if np.isnan(ci.low) else [[ci.mean - ci.low], [ci.high - ci.mean]]
                ax.bar(k, ci.mean, color=colour, hatch=hatch, edgecolor="black", alpha=0.85,
                       yerr=err, capsize=2)
            ax.set_xticks(range(len(order)), order, rotation=40, ha="right", fontsize=7)
            ax.set_title(f"language barrier {barrier:g}, coordination cost {cost:g}",
                         fontsize=9)
            ax.grid(axis="y", alpha=0.3)
        axes[i][0].set_ylabel(UNITS.get(kpi, kpi))
    return to_png(fig)
