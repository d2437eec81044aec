"""Solara pieces of the dashboard: status, live KPI charts, the network, the About page.

The panel functions take the :class:`~clustersim.viz.dashboard_model.DashboardModel` and are
handed to Mesa's ``SolaraViz`` as components; SolaraViz wraps them so they redraw after every
step. The widget definitions (:func:`model_params`) follow Mesa's ``model_params`` format, with
ranges taken from the scenario the dashboard started from.
"""

from __future__ import annotations

import io
from typing import Any

import markdown
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from clustersim.scenario import Scenario
from clustersim.viz.about import about_markdown
from clustersim.viz.charts import kpi_figure, latest_values
from clustersim.viz.dashboard_model import DashboardModel
from clustersim.viz.levers import COMPARISONS, ROLES, SCHEMES, lever_ranges, settings_of
from clustersim.viz.network import layout_of, network_figure


def model_params(scenario: Scenario) -> dict[str, Any]:
    """SolaraViz widget specs for the levers, starting at the scenario's own values."""
    start = settings_of(scenario)
    ranges = lever_ranges(start)

    def slider(kind: str, name: str, label: str) -> dict[str, Any]:
        low, high, step = ranges[name]
        return {"type": kind, "label": label, "value": getattr(start, name), "min": low,
                "max": high, "step": step}

    return {
        "scenario": scenario,
        "funding_scheme": {"type": "Select", "label": "Funding scheme",
                           "value": start.funding_scheme, "values": list(SCHEMES)},
        "annual_budget": slider("SliderFloat", "annual_budget", "Public budget per year (EUR)"),
        "language_barrier": slider("SliderFloat", "language_barrier",
                                   "Language barrier (mean of markets)"),
        "coordination_cost": slider("SliderFloat", "coordination_cost", "Coordination cost"),
        "translation_support": slider("SliderFloat", "translation_support",
                                      "Translation support on trips"),
        "facilitator_role": {"type": "Select", "label": "Facilitator role",
                             "value": start.facilitator_role, "values": list(ROLES)},
        "n_firms": slider("SliderInt", "n_firms", "Number of firms"),
        "seed": {"type": "InputText", "label": "Seed (shared by A and B)",
                 "value": str(scenario.seed)},
        "extra_settings": {"type": "InputText", "label": "Extra settings (field=value; ...)",
                           "value": ""},
        "compare": {"type": "Select", "label": "Compare with (B)", "value": "off",
                    "values": list(COMPARISONS)},
        "b_settings": {"type": "InputText", "label": "B settings (compare = custom)",
                       "value": ""},
    }


@solara.component
def StatusBar(model: solara.Reactive[DashboardModel]) -> None:
    """Above the panels: scenario, month, the settings in use for A (and B), refused values."""
    update_counter.get()  # redraw after every step, like SolaraViz's own components
    current = model.value
    with solara.Column(gap="2px", classes=["dashboard-status"]):
        markdown_html(
            f"**{current.base_scenario.name}** · month **{current.month}** of {current.horizon}"
            f" · seed {current.seed_value} · *settings apply when you press Reset*")
        for arm in current.arms:
            solara.Text(f"{arm.label}: {settings_line(arm.scenario)}  ·  {arm.description}",
                        classes=[f"setting-{arm.label.lower()}"])
        for message in current.messages:
            solara.Error(message, classes=["settings-refused"])


def settings_line(scenario: Scenario) -> str:
    """The lever values a scenario runs with, as one readable line."""
    s = settings_of(scenario)
    return (f"{s.funding_scheme}, {s.annual_budget:,.0f} EUR/year, language barrier "
            f"{s.language_barrier:.2f}, coordination cost {s.coordination_cost:g}, translation "
            f"{s.translation_support:g}, {s.facilitator_role} facilitator, {s.n_firms} firms")


def figure_image(fig: Figure, css_class: str, dpi: int = 90,
                 tight: bool = False) -> solara.Element:
    """A matplotlib figure as a PNG scaled to the width of its panel."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return solara.Image(buffer.getvalue(), width="100%", classes=[css_class])


def KpiPanel(model: DashboardModel) -> solara.Element:
    """Export share, ties, cross-border trust and facilitator budget over the months."""
    with solara.Column(gap="0px") as column:
        figure_image(kpi_figure(model), "kpi-chart")
        for label, values in latest_values(model).items():
            text = " · ".join(f"{name}: {value}" for name, value in values.items())
            solara.Text(f"{label}, month {model.month}: {text}", classes=["kpi-latest"])
    return column


def NetworkPanel(model: DashboardModel) -> solara.Element:
    """Firms, facilitator and foreign partners; ties coloured by trust (one panel per run)."""
    panels = [(arm.model, layout_of(arm.cache, arm.model), arm.label if model.comparing else "")
              for arm in model.arms]
    with solara.Column(gap="0px") as column:
        figure_image(network_figure(panels), "network-chart", dpi=80, tight=True)
    return column


@solara.component
def PageTabs() -> None:
    """Navigation between the two pages, shown under the app bar (solara's AppLayout puts a
    ``Tabs`` child of ``AppBar`` there)."""
    with solara.AppBar(), solara.lab.Tabs(align="center", background_color="primary", dark=True):
        solara.lab.Tab("Dashboard", path_or_route="/")
        solara.lab.Tab("About this model", path_or_route="/about")


def markdown_html(text: str) -> solara.Element:
    """Our own Markdown as HTML, rendered on the server: ``solara.Markdown`` would fetch KaTeX
    from a CDN, which a classroom without internet cannot reach."""
    return solara.HTML(tag="div", unsafe_innerHTML=markdown.markdown(text))


@solara.component
def AboutPage() -> None:
    """The NetLogo-style Info page."""
    PageTabs()
    with solara.Column(style={"max-width": "900px", "margin": "0 auto"},
                       classes=["about-page"]):
        markdown_html(about_markdown())
