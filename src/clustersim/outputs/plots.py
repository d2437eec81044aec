"""Charts of a run's main KPIs over time: readable in greyscale and for colour-blind readers.

Drawn with matplotlib's object-oriented API (a :class:`~matplotlib.figure.Figure` rendered by
the Agg canvas), not pyplot: no GUI backend or pyplot state is loaded, which is faster, and the
backend a notebook or another library has chosen is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    import pandas as pd

# Okabe-Ito colours plus distinct line styles: distinguishable without colour.
STYLES = [("#0072B2", "-"), ("#D55E00", "--"), ("#009E73", ":"), ("#CC79A7", "-.")]

MAIN_PANELS: list[tuple[str, list[tuple[str, str]], str]] = [
    ("Export", [("export_share", "firms exporting")], "share of firms (0-1)"),
    ("Export ties", [("export_ties", "active ties")], "ties"),
    ("Trust", [("trust_cross_border", "cross-border"), ("trust_intra", "within cluster"),
               ("trust_in_facilitator", "in facilitator")], "trust (0-1)"),
    ("ESCA indicators", [("esca_personal_contact_share", "personal contact"),
                         ("esca_active_collaboration_share", "active collaboration"),
                         ("esca_committed_share", "committed"),
                         ("esca_private_budget_share", "private budget share")], "share (0-1)"),
    ("Facilitator income (cumulative)", [("income_public", "public"), ("income_fees", "fees"),
                                         ("income_services", "service fees"),
                                         ("income_eu", "EU projects")], "EUR"),
    ("Markets per exporter", [("markets_per_exporter", "markets")], "markets"),
]


def plot_kpis(kpis: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Six panels of the main KPIs against months; saved as PNG at ``path``."""
    fig = Figure(figsize=(13, 7), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3)
    for ax, (panel, series, unit) in zip(axes.flat, MAIN_PANELS, strict=True):
        for (column, label), (colour, style) in zip(series, STYLES, strict=False):
            if column in kpis:
                ax.plot(kpis["step"], kpis[column], color=colour, linestyle=style, label=label,
                        linewidth=1.8)
        ax.set_title(panel)
        ax.set_xlabel("month")
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        if len(series) > 1:
            ax.legend(fontsize=8, frameon=False)
    if title:
        fig.suptitle(title)
    path = Path(path)
    fig.savefig(path, dpi=110)
    return path
