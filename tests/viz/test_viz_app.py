"""The Solara app without a browser: render it, click Step and Reset on the widget tree.

Follows Solara's and Mesa's own browser-less tests (``solara.render`` + ``rc.find``); the real
browser test is ``test_viz_browser.py``.
"""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from clustersim.viz import session
from clustersim.viz.about import SECTION_TITLES, about_markdown
from clustersim.viz.app import Dashboard, routes
from clustersim.viz.components import model_params
from clustersim.viz.dashboard_model import SCENARIO_ENV, DashboardModel

NETLOGO_INFO_SECTIONS = ("What is it?", "How it works", "How to use it", "Things to notice",
                         "Things to try", "Extending the model", "Related models",
                         "Credits and references")


@solara.component
def InAppLayout() -> None:
    """The dashboard inside solara's AppLayout, as the server shows it (sidebar included)."""
    with solara.AppLayout():
        Dashboard()


@pytest.fixture
def rc(monkeypatch, baseline_path):
    monkeypatch.setenv(SCENARIO_ENV, str(baseline_path))
    session.clear()
    _, render_context = solara.render(InAppLayout(), handle_error=False)
    yield render_context
    render_context.close()


def html_text(rc, **attrs) -> list[str]:
    return [" ".join(map(str, w.children)) for w in rc.find(v.Html, **attrs).widgets]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def test_dashboard_steps_and_resets_without_a_browser(rc):
    rc.find(v.Html, children=["Step: 0"]).assert_single()
    start = html_text(rc, class_="kpi-latest")
    click(rc, "Step")
    click(rc, "Step")
    rc.find(v.Html, children=["Step: 2"]).assert_single()
    latest = html_text(rc, class_="kpi-latest")
    assert latest[0].startswith("A, month 2:")
    assert latest != start
    click(rc, "Reset")
    rc.find(v.Html, children=["Step: 0"]).assert_single()


def test_slider_applies_on_reset(rc):
    slider = rc.find(v.Slider, label="Number of firms").widget
    slider.v_model = 60
    assert "45 firms" in html_text(rc, class_="setting-a")[0]
    click(rc, "Reset")
    assert "60 firms" in html_text(rc, class_="setting-a")[0]


def test_invalid_text_is_refused_with_a_message(rc):
    seed = rc.find(v.TextField, label="Seed (shared by A and B)").widget
    seed.v_model = "twelve"
    seed.fire_event("keyup.enter", {})
    click(rc, "Reset")
    refused = rc.find(v.Alert, class_="settings-refused")
    refused.assert_not_empty()
    assert "seed" in str(refused.widgets[0].children)
    rc.find(v.Html, children=["Step: 0"]).assert_single()


def test_side_by_side_adds_setting_b(rc):
    rc.find(v.Select, label="Compare with (B)").widget.v_model = "full translation"
    click(rc, "Reset")
    assert "translation 1" in html_text(rc, class_="setting-b")[0]
    click(rc, "Step")
    assert [line[:10] for line in html_text(rc, class_="kpi-latest")] == ["A, month 1",
                                                                        "B, month 1"]


def test_dashboard_shows_every_lever(rc):
    labels = {w.label for cls in (v.Slider, v.Select, v.TextField)
              for w in rc.find(cls).widgets}
    for label in ("Funding scheme", "Public budget per year (EUR)",
                  "Language barrier (mean of markets)", "Coordination cost",
                  "Translation support on trips", "Facilitator role", "Number of firms",
                  "Compare with (B)", "Seed (shared by A and B)",
                  "Extra settings (field=value; ...)", "B settings (compare = custom)"):
        assert label in labels, label


def test_widget_specs_match_the_model_signature(baseline):
    params = model_params(baseline)
    model = DashboardModel(**{k: (v["value"] if isinstance(v, dict) else v)
                              for k, v in params.items()})
    assert model.messages == []
    assert model.arms[0].scenario == baseline


def test_about_page_has_the_netlogo_info_sections():
    assert SECTION_TITLES == NETLOGO_INFO_SECTIONS
    text = about_markdown()
    for title in NETLOGO_INFO_SECTIONS:
        assert f"## {title}" in text
    assert text.startswith("# About this model")


def test_two_pages_are_routed():
    assert [r.path for r in routes] == ["/", "about"]
    assert [r.label for r in routes] == ["Dashboard", "About this model"]


def test_state_survives_leaving_the_page(monkeypatch, baseline_path):
    """About this model and back: the run, its month and the widget values are kept."""
    monkeypatch.setenv(SCENARIO_ENV, str(baseline_path))
    session.clear()
    _, first = solara.render(InAppLayout(), handle_error=False)
    first.find(v.Slider, label="Number of firms").widget.v_model = 50
    click(first, "Step")
    click(first, "Step")
    first.close()  # the page is left (the About route replaces it)
    _, again = solara.render(InAppLayout(), handle_error=False)
    try:
        again.find(v.Html, children=["Step: 2"]).assert_single()
        assert again.find(v.Slider, label="Number of firms").widget.v_model == 50
        pending = html_text(again, class_="setting-pending")
        assert pending == ["Number of firms: 50 · applies when you press Reset"]
    finally:
        again.close()


def test_no_internal_controls_and_every_value_shown(rc):
    labels = {w.label for cls in (v.Slider, v.Checkbox) for w in rc.find(cls).widgets}
    assert not any("Interval" in str(label) or "Threads" in str(label) for label in labels)
    assert not rc.find(v.Tab, children=["Page 0"]).widgets
    shown = html_text(rc, class_="setting-value")
    assert "Number of firms: 45" in shown
    assert "Public budget per year (EUR): 60\u202f000" in shown  # thin space, not a comma
    assert html_text(rc, class_="setting-pending") == []


def test_play_runs_to_the_end_and_stops(rc, monkeypatch):
    from clustersim.viz import components

    monkeypatch.setattr(components, "MONTH_S", 0.0)
    import time

    current = session.model.value
    click(rc, "▶")  # the play task runs the loop in a thread
    deadline = time.monotonic() + 120
    while session.playing.value and time.monotonic() < deadline:
        time.sleep(0.1)
    assert current.month == current.horizon
    assert session.playing.value is False  # the button is back to play, pause is not stuck
    # the last redraw may land a moment after the play loop ends on a loaded machine
    finder = rc.find(v.Html, children=[f"Step: {current.horizon}"])
    finder.wait_for(timeout=60)
    finder.assert_single()
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
