"""Live KPI charts of the dashboard: export share, ties, cross-border trust, facilitator budget.

Series come straight from each run's Mesa ``DataCollector`` (one value a month, month 0 first).
Setting A is a solid blue line, setting B a dashed orange one (Okabe-Ito colours plus line
styles, readable without colour). :func:`latest_values` gives the numbers the plots end on, so
the page can print them next to the chart (and the browser test can read them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:
    from clustersim.viz.dashboard_model import DashboardModel

PANELS: tuple[tuple[str, str, str], ...] = (
    ("export_share", "Export share", "share of firms exporting"),
    ("export_ties", "Export ties", "active firm-partner ties"),
    ("trust_cross_border", "Cross-border trust", "firms' best trust abroad (0-1)"),
    ("budget_balance", "Facilitator budget", "cash balance, EUR"),
)
ARM_STYLES = {"A": ("#0072B2", "-"), "B": ("#E69F00", "--")}


def kpi_figure(model: DashboardModel) -> Figure:
    """A 2 x 2 grid with one panel per KPI in :data:`PANELS`, a line per run."""
    fig = Figure(figsize=(8.0, 5.6 if model.comparing else 5.2))
    # fixed margins: a constrained layout would cost more than the drawing at every step
    fig.subplots_adjust(left=0.1, right=0.98, top=0.95, bottom=0.2 if model.comparing else 0.1,
                        hspace=0.5, wspace=0.3)
    axes = fig.subplots(2, 2).ravel()
    for ax, (kpi, title, ylabel) in zip(axes, PANELS, strict=True):
        for arm in model.arms:
            values = model.history(arm, kpi)
            colour, style = ARM_STYLES[arm.label]
            ax.plot(range(len(values)), values, color=colour, linestyle=style, lw=1.8,
                    label=f"{arm.label}: {arm.description}" if model.comparing else None)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_xlabel("month", fontsize=8)
        ax.set_xlim(0, max(12, model.month))
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if kpi in ("export_share", "trust_cross_border"):
            ax.set_ylim(0, 1)
    if model.comparing:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, [_short(label) for label in labels], loc="lower center",
                   fontsize=7, frameon=False)
    return fig


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_value(kpi: str, value: float) -> str:
    if kpi == "budget_balance":
        return f"{value:,.0f} EUR"
    if kpi == "export_ties":
        return f"{value:.0f}"
    return f"{value:.3f}"


def latest_values(model: DashboardModel) -> dict[str, dict[str, str]]:
    """For each run label, the last plotted value of each panel's KPI, formatted for reading."""
    return {arm.label: {title: format_value(kpi, model.history(arm, kpi)[-1])
                        for kpi, title, _ in PANELS}
            for arm in model.arms}
