"""The Solara app behind ``clustersim dashboard``: a dashboard page and an About page.

Run it with ``clustersim dashboard [SCENARIO]`` (or ``solara run clustersim.viz.app`` with
``$CLUSTERSIM_SCENARIO`` set). Each browser session gets its own model, built from the scenario
file; Mesa's ``SolaraViz`` supplies the controls (play, step, reset), the parameter widgets and
the step counter, and this module adds the panels and the navigation between the two pages.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from clustersim.scenario import ScenarioError
from clustersim.viz.components import (
    AboutPage,
    KpiPanel,
    NetworkPanel,
    PageTabs,
    StatusBar,
    model_params,
)
from clustersim.viz.dashboard_model import DashboardModel, load_start_scenario

PLAY_INTERVAL_MS = 150


@solara.component
def Dashboard() -> None:
    """The simulation page: SolaraViz with the status, KPI and network panels."""
    scenario, error = solara.use_memo(_load, [])
    initial = solara.use_memo(lambda: DashboardModel(scenario) if scenario else None, [])
    # a reactive model: Reset replaces its value, and the status bar follows it
    model = solara.use_reactive(initial)
    params = solara.use_memo(lambda: model_params(scenario) if scenario else {}, [])
    if scenario is None:
        solara.Error(f"Cannot start the dashboard: {error}")
        return
    PageTabs()
    StatusBar(model)
    SolaraViz(model, components=[(KpiPanel, 0), (NetworkPanel, 0)], model_params=params,
              name=f"clustersim: {scenario.name}", play_interval=PLAY_INTERVAL_MS)


def _load():
    try:
        return load_start_scenario(), None
    except ScenarioError as exc:
        return None, str(exc)


routes = [
    solara.Route(path="/", component=Dashboard, label="Dashboard"),
    solara.Route(path="about", component=AboutPage, label="About this model"),
]
