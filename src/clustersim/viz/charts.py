"""Live KPI charts of the dashboard: export share, ties, cross-border trust, facilitator budget.

Interactive Plotly charts (hover shows each month's value; zoom and pan; vector graphics that
stay sharp on a projector and under browser zoom), drawn in the browser by plotly's own widget
script, which the ``plotly`` package ships (no internet needed). Series come straight from each
run's Mesa ``DataCollector`` (one value a month, month 0 first). Setting A is a solid blue line,
setting B a dashed orange one (Okabe-Ito colours plus line styles, readable without colour).
:func:`latest_values` gives the numbers the plots end on, so the page can print them next to the
chart (and the browser test can read them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from clustersim.viz.dashboard_model import DashboardModel

# KPI, title, y-axis label with unit
PANELS: tuple[tuple[str, str, str], ...] = (
    ("export_share", "Export share", "share of firms exporting (0-1)"),
    ("export_ties", "Export ties", "active firm-partner ties"),
    ("trust_cross_border", "Cross-border trust", "best trust abroad (0-1)"),
    ("budget_balance", "Facilitator budget", "cash balance (EUR)"),
)
ARM_STYLES = {"A": ("#0072B2", "solid"), "B": ("#E69F00", "dash")}
FONT_SIZE = 15  # readable from the back of a classroom; titles a little larger
BOUNDED = {"export_share", "trust_cross_border"}


def kpi_chart(model: DashboardModel) -> go.Figure:
    """A 2 x 2 grid with one panel per KPI in :data:`PANELS`, a line per run.

    The month axis spans the whole horizon from the start, so lines grow into a fixed frame
    instead of the axes rescaling every month.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=2, subplot_titles=[title for _, title, _ in PANELS],
                        horizontal_spacing=0.12, vertical_spacing=0.2)
    for index, (kpi, _, ylabel) in enumerate(PANELS):
        row, col = divmod(index, 2)
        for arm in model.arms:
            values = model.history(arm, kpi)
            colour, dash = ARM_STYLES[arm.label]
            fig.add_trace(go.Scatter(
                x=list(range(len(values))), y=values, mode="lines", name=arm.label,
                legendgroup=arm.label, showlegend=index == 0 and model.comparing,
                line={"color": colour, "dash": dash, "width": 3},
                hovertemplate=f"{arm.label}, month %{{x}}: %{{y:,.3~f}}<extra></extra>"),
                row=row + 1, col=col + 1)
        fig.update_xaxes(title_text="month", range=[0, max(12, model.horizon)],
                         row=row + 1, col=col + 1)
        fig.update_yaxes(title_text=ylabel, row=row + 1, col=col + 1,
                         **({"range": [0, 1]} if kpi in BOUNDED else {}))
    fig.update_annotations(font_size=FONT_SIZE + 2)
    fig.update_layout(
        height=560, margin={"l": 70, "r": 20, "t": 70 if model.comparing else 40, "b": 50},
        font={"size": FONT_SIZE}, hovermode="x unified", template="plotly_white",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.08, "x": 0},
        uirevision="keep",  # a user's zoom survives the monthly redraw
    )
    return fig


def format_value(kpi: str, value: float) -> str:
    if kpi == "budget_balance":
        return f"{value:,.0f} EUR".replace(",", "\u202f")  # thin space: not a decimal point
    if kpi == "export_ties":
        return f"{value:.0f}"
    return f"{value:.3f}"


def latest_values(model: DashboardModel) -> dict[str, dict[str, str]]:
    """For each run label, the last plotted value of each panel's KPI, formatted for reading."""
    return {arm.label: {title: format_value(kpi, model.history(arm, kpi)[-1])
                        for kpi, title, _ in PANELS}
            for arm in model.arms}
