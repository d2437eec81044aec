"""The Solara app behind ``clustersim dashboard``: a dashboard page and an About page.

Run it with ``clustersim dashboard [SCENARIO]`` (or ``solara run clustersim.viz.app`` with
``$CLUSTERSIM_SCENARIO`` set). Each browser session gets its own model, built from the scenario
and kept in :mod:`clustersim.viz.session`, so "About this model" and back resumes the run. The
controls and settings sit in a column left of the charts (no drawer that covers them at
1280 x 720 and 150% zoom) and wrap above the charts on narrow screens.
"""

from __future__ import annotations

import solara

from clustersim.scenario import ScenarioError
from clustersim.viz import session
from clustersim.viz.components import (
    AboutPage,
    KpiPanel,
    NetworkPanel,
    PageTabs,
    RunControls,
    SettingsPanel,
    StatusBar,
    build_model,
    model_params,
)
from clustersim.viz.dashboard_model import load_start_scenario


@solara.component
def Dashboard() -> None:
    """The simulation page: controls and settings, status, KPI charts and the network."""
    scenario, error = solara.use_memo(_load, [])
    params = solara.use_memo(lambda: model_params(scenario) if scenario else {}, [])
    if scenario is None:
        solara.Error(f"Cannot start the dashboard: {error}")
        return
    if session.model.peek() is None:  # first visit of this browser session
        start = {k: v["value"] if isinstance(v, dict) else v for k, v in params.items()}
        session.values.set(start)
        session.applied.set(start)
        session.model.set(build_model(start))
    PageTabs()
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start", "gap": "16px"}):
        with solara.Column(style={"flex": "0 1 300px", "min-width": "260px"},
                           classes=["dashboard-controls"]):
            with solara.Card("Run"):
                RunControls()
            with solara.Card("Settings"):
                SettingsPanel(params)
        with solara.Column(style={"flex": "1 1 560px", "min-width": "0"},
                           classes=["dashboard-panels"]):
            StatusBar()
            KpiPanel()
            NetworkPanel()


def _load():
    try:
        return load_start_scenario(), None
    except ScenarioError as exc:
        return None, str(exc)


routes = [
    solara.Route(path="/", component=Dashboard, label="Dashboard"),
    solara.Route(path="about", component=AboutPage, label="About this model"),
]
