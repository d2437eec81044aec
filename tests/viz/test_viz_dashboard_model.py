"""DashboardModel: what SolaraViz rebuilds on Reset and steps on Step."""

from __future__ import annotations

import numpy as np

from clustersim.model import ClusterModel
from clustersim.viz.charts import PANELS, kpi_chart, latest_values
from clustersim.viz.dashboard_model import SCENARIO_ENV, DashboardModel
from clustersim.viz.network import compute_layout, layout_of, network_figure


def test_default_model_follows_the_scenario_file(baseline):
    model = DashboardModel(baseline)
    assert model.messages == []
    assert [arm.label for arm in model.arms] == ["A"]
    assert model.arms[0].scenario is baseline
    assert model.seed_value == baseline.seed
    assert model.horizon == baseline.steps


def test_scenario_comes_from_the_environment(monkeypatch, baseline_path):
    monkeypatch.setenv(SCENARIO_ENV, str(baseline_path))
    assert DashboardModel().base_scenario.name == "baseline"


def test_step_advances_every_run_and_mesa_counts_steps(baseline):
    model = DashboardModel(baseline, compare="no funding")
    for _ in range(3):
        model.step()
    assert model.steps == 3
    assert [arm.model.month for arm in model.arms] == [3, 3]
    assert all(len(model.history(arm, "export_share")) == 4 for arm in model.arms)


def test_side_by_side_runs_share_the_seed(baseline):
    """A comparison that changes nothing must reproduce A exactly: same seed, same world."""
    model = DashboardModel(baseline, compare="custom", b_settings="", seed="11")
    a, b = (arm.model for arm in model.arms)
    for _ in range(6):
        model.step()
    for kpi, _, _ in PANELS:
        assert model.history(model.arms[0], kpi) == model.history(model.arms[1], kpi)
    np.testing.assert_array_equal(a.firms.capability, b.firms.capability)


def test_same_seed_as_a_plain_cluster_model(baseline):
    model = DashboardModel(baseline, seed="5")
    plain = ClusterModel(baseline, seed=5)
    for _ in range(4):
        model.step()
        plain.step()
    np.testing.assert_equal(model.arms[0].model.current_kpis, plain.current_kpis)


def test_lever_changes_reach_the_run(baseline):
    model = DashboardModel(baseline, n_firms=30, funding_scheme="none")
    assert model.arms[0].model.firms.n == 30
    assert model.arms[0].scenario.policy.funding.scheme == "none"
    assert "n_firms 45 -> 30" in model.arms[0].description


def test_refused_free_settings_keep_the_levers(baseline):
    model = DashboardModel(baseline, n_firms=30, extra_settings="policy.funding.annual_budget=-1")
    assert model.arms[0].model.firms.n == 30
    assert model.arms[0].scenario.policy.funding.annual_budget == 60_000
    assert any("annual_budget" in m for m in model.messages)
    assert any("without the extra settings" in m for m in model.messages)


def test_refused_levers_fall_back_to_the_scenario_file(baseline):
    model = DashboardModel(baseline, coordination_cost=99.0)
    assert model.arms[0].scenario is baseline
    assert any("coordination_cost" in m for m in model.messages)
    assert any("scenario file's own settings" in m for m in model.messages)


def test_bad_seed_and_bad_b_are_refused_not_raised(baseline):
    model = DashboardModel(baseline, seed="x1", compare="custom", b_settings="clusters.0.n_firm=2")
    assert model.seed_value == baseline.seed
    assert len(model.arms) == 1
    assert any("seed" in m for m in model.messages)
    assert any(m.startswith("Setting B refused") for m in model.messages)


def test_running_stops_at_the_horizon(baseline):
    model = DashboardModel(baseline, extra_settings="steps=2")
    model.step()
    assert model.running
    model.step()
    assert not model.running
    model.step()
    assert model.month == 2


def test_charts_and_network_draw_what_the_model_holds(baseline):
    model = DashboardModel(baseline, compare="double budget")
    model.step()
    values = latest_values(model)
    assert set(values) == {"A", "B"}
    assert values["A"]["Export ties"] == f"{model.history(model.arms[0], 'export_ties')[-1]:.0f}"
    fig = kpi_chart(model)
    assert len(fig.data) == 8  # 4 panels x 2 runs
    ties = [t for t in fig.data if t.xaxis == "x2"]
    assert [t.name for t in ties] == ["A", "B"]
    assert list(ties[0].y) == model.history(model.arms[0], "export_ties")
    assert ties[1].line.dash == "dash"
    assert fig.layout.font.size >= 14  # readable on a projector
    assert list(fig.layout.xaxis.range) == [0, model.horizon]
    arm = model.arms[0]
    layout = layout_of(arm.cache, arm.model)
    assert layout_of(arm.cache, arm.model) is layout  # computed once per run
    net = network_figure([(a.model, layout_of(a.cache, a.model), a.label) for a in model.arms])
    assert len([ax for ax in net.axes if ax.get_title()]) == 2


def test_layout_puts_facilitator_in_the_centre_and_partners_outside(baseline):
    model = ClusterModel(baseline)
    layout = compute_layout(model)
    np.testing.assert_allclose(layout.facilitator_xy, [[0.0, 0.0]])
    np.testing.assert_allclose(np.linalg.norm(layout.firm_xy, axis=1), 0.55)
    np.testing.assert_allclose(np.linalg.norm(layout.partner_xy, axis=1), 1.0)
    assert layout.market_label_xy.shape == (len(model.market_names), 2)
