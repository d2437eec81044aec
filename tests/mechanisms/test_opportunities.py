"""Needs open as short-lived opportunities; an expired one can never become a tie."""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms.opportunities import capability_fits, is_live, refresh_needs
from clustersim.model import ClusterModel
from clustersim.processes.ties import form_export_ties


def test_expired_opportunity_is_not_live():
    open_need = np.array([True, True, True, False])
    expires = np.array([4, 5, 6, 9])
    assert is_live(open_need, expires, 5).tolist() == [False, True, True, False]
    assert not is_live(open_need, expires, 100).any()


def test_refresh_closes_expired_and_opens_for_a_window():
    rng = np.random.default_rng(0)
    open_need = np.array([True, True, False])
    expires = np.array([2, 9, -1])
    level = np.zeros(3)
    refresh_needs(open_need, expires, level, 5, 0.0, 4, rng)
    assert open_need.tolist() == [False, True, False]
    open_need = np.zeros(50, bool)
    expires = np.full(50, -1)
    level = np.zeros(50)
    refresh_needs(open_need, expires, level, 10, 1.0, 4, rng)
    assert open_need.all()
    live_months = [m for m in range(10, 30) if is_live(open_need, expires, m).all()]
    assert live_months == list(range(10, 14))  # open exactly window_months months
    assert np.all((level >= 0.1) & (level <= 0.9))


def test_capability_fits():
    fits = capability_fits(np.array([0.5, 0.5, 0.5]), np.array([0.4, 0.65, 0.7]))
    assert fits.tolist() == [True, True, False]


def prepared_model(tiny_scenario, expires_in: int) -> tuple[ClusterModel, int]:
    """A model where firm 0 and one partner trust each other fully and everything else favours
    a tie; the partner's need expires ``expires_in`` months from now (negative: in the past)."""
    scenario = tiny_scenario({
        "clusters.0.initial_exporter_share": 0.0,
        "parameters.export.base_match_prob": 1.0,
        "parameters.export.entry_cost": 0.0,
        "policy.coordination_cost": 0.0,
    })
    model = ClusterModel(scenario)
    model.month = 5
    f, p = model.firms, model.partners
    f.export_motivation[0] = 1.0
    f.resources[0] = 1.0
    f.capability[0] = 1.0
    partner = int(model.partners_by_market[0][0])
    p.open_need[partner] = True
    p.need_level[partner] = 0.1
    p.need_expires[partner] = model.month + expires_in
    assert model.relations.n == 0
    row = model.relations.add(np.array([0]), np.array([partner]), np.array([1.0]),
                              np.array([1.0]))[0]
    return model, int(row)


def test_model_expired_need_cannot_become_a_tie(tiny_scenario):
    model, row = prepared_model(tiny_scenario, expires_in=-1)
    form_export_ties(model)
    assert not model.relations.tie[row]
    assert model.relations.n_ties == 0
    assert model.new_ties_this_step == 0


def test_model_live_need_becomes_a_tie(tiny_scenario):
    # the control: same setup with a live need does form the tie
    model, row = prepared_model(tiny_scenario, expires_in=0)
    form_export_ties(model)
    assert model.relations.tie[row]
    assert model.new_ties_this_step == 1
    assert not model.partners.open_need[model.relations.partner[row]]  # need is filled
