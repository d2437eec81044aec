"""Life-cycle stage follows the organisation's age; embryonic clusters broker less well."""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms.lifecycle import (
    DEFAULT_AGE_MONTHS,
    LIFE_CYCLE_STAGES,
    life_cycle_stage,
    matchmaking_effectiveness,
)


def test_stage_by_age():
    growth, mature = 24, 48
    ages = np.arange(0, 100)
    stage = life_cycle_stage(ages, growth, mature)
    names = np.array(LIFE_CYCLE_STAGES)[stage]
    assert np.all(names[ages < growth] == "embryonic")
    assert np.all(names[(ages >= growth) & (ages < mature)] == "growth")
    assert np.all(names[ages >= mature] == "mature")
    assert np.all(np.diff(stage) >= 0)


def test_default_ages_match_their_stage():
    for name, age in DEFAULT_AGE_MONTHS.items():
        assert LIFE_CYCLE_STAGES[int(life_cycle_stage(np.array([age]), 24, 48)[0])] == name


def test_matchmaking_improves_with_stage():
    level = matchmaking_effectiveness(np.array([0, 1, 2]), 0.6)
    assert level[0] == 0.6 and level[2] == 1.0
    assert level[0] < level[1] < level[2]


def test_model_clusters_age_into_next_stage(tiny_scenario):
    from clustersim.model import ClusterModel

    scenario = tiny_scenario({"clusters.0.stage": "embryonic", "clusters.0.age_months": 22})
    model = ClusterModel(scenario)
    agent = model.facilitator_agents[0]
    assert agent.life_cycle_stage == "embryonic"
    for _ in range(2):
        model.step()
    assert agent.life_cycle_stage == "growth"
