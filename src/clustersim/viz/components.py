"""Solara pieces of the dashboard: controls, settings, status, live KPI charts, the network, the
About page.

The page keeps its state in :mod:`clustersim.viz.session` (per browser session), so leaving for
the About page and coming back resumes where the class was. The run controls are our own rather
than Mesa's ``SolaraViz`` controller, for three reasons a classroom runs into: the state of
SolaraViz's controller lives in the component and is lost when the page changes, its pause
button is disabled once the model stops (so a finished play cannot be paused), and it shows
controls a class does not need (threads, intervals, page tabs). The widget definitions
(:func:`model_params`) keep Mesa's ``model_params`` format, with ranges taken from the scenario
the dashboard started from.
"""

from __future__ import annotations

import io
import time
from typing import Any

import markdown
import solara
from matplotlib.figure import Figure

from clustersim.scenario import Scenario
from clustersim.viz import session
from clustersim.viz.about import about_markdown
from clustersim.viz.charts import kpi_chart, latest_values
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


MONTH_S = 0.05
"""Pace of play: at most 20 months a second (120 months in about 6 s when drawing keeps up)."""
MIN_FRAME_S = 0.2
"""While playing, the charts redraw at most five times a second (smooth enough to watch)."""
NETWORK_EVERY = 24
"""While playing, the network picture (the costliest drawing) is redrawn every two years."""


def build_model(values: dict[str, Any]) -> DashboardModel:
    return DashboardModel(**values)


def reset() -> None:
    """Build a new model from the widgets' values (what Mesa's Reset does), stopped at month 0."""
    session.playing.set(False)
    current = dict(session.values.value)
    session.model.set(build_model(current))
    session.applied.set(current)
    redraw(network=True)


def redraw(network: bool) -> None:
    session.frame.set(session.frame.peek() + 1)
    if network:
        session.network_frame.set(session.network_frame.peek() + 1)


def step_once() -> None:
    current = session.model.peek()
    if current is not None and current.month < current.horizon:
        current.step()
    redraw(network=True)


def play_loop() -> None:
    """Step the model while playing; draw as often as drawing keeps up with the model.

    After each drawing, the next one waits at least twice as long as this one took (and at least
    :data:`MIN_FRAME_S`), so drawing never takes more than a third of the time: a slow machine or
    a big network skips frames instead of slowing the months down. At the horizon the loop
    stops and the button returns to play (a finished run can be paused, reset or stepped).
    """
    lock = session.lock()
    if not lock.acquire(blocking=False):  # another loop of this session is already running
        return
    try:
        next_draw = 0.0
        while session.playing.peek():
            current = session.model.peek()
            if current is None or current.month >= current.horizon:
                break
            started = time.perf_counter()
            current.step()
            if time.perf_counter() >= next_draw:
                drawing = time.perf_counter()
                redraw(network=current.month % NETWORK_EVERY == 0)
                cost = time.perf_counter() - drawing
                next_draw = time.perf_counter() + max(MIN_FRAME_S, 2 * cost)
            time.sleep(max(0.0, MONTH_S - (time.perf_counter() - started)))
    finally:
        lock.release()
        session.playing.set(False)
        redraw(network=True)


@solara.component
def RunControls() -> None:
    """Reset, play/pause and step; the month counter."""
    session.frame.value  # noqa: B018 - redraw with every frame
    playing = session.playing.value
    current = session.model.value
    finished = current is None or current.month >= current.horizon
    solara.lab.use_task(play_loop, dependencies=[playing], prefer_threaded=True)  # type: ignore[arg-type]
    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(label="❚❚" if playing else "▶", color="primary",
                      on_click=lambda: session.playing.set(not session.playing.peek()),
                      disabled=finished and not playing)
        solara.Button(label="Step", color="primary", on_click=step_once,
                      disabled=playing or finished)
    if current is not None:
        solara.Text(f"Step: {current.month}", classes=["month-counter"])
        solara.Text(f"month {current.month} of {current.horizon}"
                    + (" · finished: Reset to run again" if finished else ""),
                    classes=["month-of"])


def _shown(spec: dict[str, Any], value: Any) -> str:
    if spec["type"] == "SliderFloat" and float(spec.get("max", 0)) >= 1000:
        return f"{value:,.0f}".replace(",", "\u202f")
    if spec["type"] == "SliderFloat":
        return f"{value:g}"
    return str(value) if value != "" else "(empty)"


@solara.component
def SettingsPanel(params: dict[str, Any]) -> None:
    """One widget per lever; each shows its value, and those that differ from the running model
    say that they wait for Reset."""
    values = session.values.value
    applied = session.applied.value

    def setter(name: str):
        return lambda value: session.values.set({**session.values.peek(), name: value})

    for name, spec in params.items():
        if not isinstance(spec, dict):
            continue
        value = values.get(name, spec["value"])
        kind, label = spec["type"], spec["label"]
        if kind == "SliderFloat":
            solara.SliderFloat(label, value=value, min=spec["min"], max=spec["max"],
                               step=spec["step"], on_value=setter(name), thumb_label=False)
        elif kind == "SliderInt":
            solara.SliderInt(label, value=value, min=spec["min"], max=spec["max"],
                             step=spec["step"], on_value=setter(name), thumb_label=False)
        elif kind == "Select":
            solara.Select(label, value=value, values=spec["values"], on_value=setter(name))
        else:
            solara.InputText(label, value=value, on_value=setter(name))
        pending = value != applied.get(name, spec["value"])
        solara.Text(f"{label}: {_shown(spec, value)}"
                    + (" · applies when you press Reset" if pending else ""),
                    classes=["setting-pending" if pending else "setting-value"],
                    style={"font-size": "13px", "margin": "-14px 0 10px 0",
                           "color": "#b05a00" if pending else "#555"})


@solara.component
def StatusBar() -> None:
    """Above the panels: scenario, month, the settings in use for A (and B), refused values."""
    session.frame.value  # noqa: B018 - redraw with every frame
    current = session.model.value
    with solara.Column(gap="2px", classes=["dashboard-status"], style={"font-size": "16px"}):
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
    budget = f"{s.annual_budget:,.0f}".replace(",", "\u202f")
    return (f"{s.funding_scheme}, {budget} EUR/year, language barrier "
            f"{s.language_barrier:.2f}, coordination cost {s.coordination_cost:g}, translation "
            f"{s.translation_support:g}, {s.facilitator_role} facilitator, {s.n_firms} firms")


def figure_image(fig: Figure, css_class: str, dpi: int = 90,
                 tight: bool = False) -> solara.Element:
    """A matplotlib figure as a PNG scaled to the width of its panel."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return solara.Image(buffer.getvalue(), width="100%", classes=[css_class])


@solara.component
def KpiPanel() -> None:
    """Export share, ties, cross-border trust and facilitator budget over the months
    (interactive Plotly charts), and the values they end on."""
    frame = session.frame.value
    current = session.model.value
    figure = solara.use_memo(lambda: kpi_chart(current), [frame, current])
    with solara.Column(gap="0px", classes=["kpi-panel"]):
        solara.FigurePlotly(figure, dependencies=[frame, current])
        for label, values in latest_values(current).items():
            text = " · ".join(f"{name}: {value}" for name, value in values.items())
            solara.Text(f"{label}, month {current.month}: {text}", classes=["kpi-latest"],
                        style={"font-size": "16px"})


@solara.component
def NetworkPanel() -> None:
    """Firms, facilitator and foreign partners; ties coloured by trust (one panel per run)."""
    network_frame = session.network_frame.value
    current = session.model.value

    def draw() -> bytes:
        panels = [(arm.model, layout_of(arm.cache, arm.model),
                   arm.label if current.comparing else "") for arm in current.arms]
        buffer = io.BytesIO()
        network_figure(panels).savefig(buffer, format="png", dpi=80, bbox_inches="tight")
        return buffer.getvalue()

    png = solara.use_memo(draw, [network_frame, current])
    solara.Image(png, width="100%", classes=["network-chart"])


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
