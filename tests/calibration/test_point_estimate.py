"""The calibrated point (calibration/point.py): margins inside and outside accepted ranges, and
the particle whose worst target lies deepest inside its range, on the toy model whose answer is
known (y ~ theta, z ~ 2 theta)."""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from clustersim.calibration.config import PointEstimateSpec, load_config
from clustersim.calibration.distance import Target
from clustersim.calibration.point import (
    chosen_values,
    margin,
    particle_judges,
    point_seed,
    select_particle,
)
from clustersim.calibration.priors import FreeParameter, Prior
from clustersim.calibration.simulator import scenarios_for_suite, toy_simulator
from clustersim.validation import load_patterns

SHIPPED = Path(__file__).resolve().parents[2] / "calibration" / "default.yaml"

THETA = FreeParameter("theta", Prior(prior="uniform", low=0.0, high=1.0))
TARGETS = [Target("y", 0.4, 0.6), Target("z", 0.8, math.inf)]


@pytest.mark.parametrize(("target", "value", "expected"), [
    (Target("y", 0.4, 0.6), 0.45, 0.25),        # 0.05 from the low bound / width 0.2
    (Target("y", 0.4, 0.6), 0.58, 0.1),
    (Target("y", 0.4, 0.6), 0.3, -0.5),         # outside: minus the scaled distance
    (Target("z", 0.8, math.inf), 1.0, 0.25),    # one-sided: from the finite bound / |0.8|
    (Target("z", 0.8, math.inf, scale=0.1), 0.7, -1.0),
    (Target("y", 0.4, 0.6), math.nan, -math.inf),
    (Target("u", -math.inf, math.inf), 3.0, math.inf),
])
def test_margin(target: Target, value: float, expected: float) -> None:
    assert margin(target, value) == pytest.approx(expected)


def test_the_particle_deepest_inside_every_range_is_chosen():
    # theta 0.5 puts y mid-range (0.5 in [0.4, 0.6]) and z = 1.0 above 0.8; 0.42 and 0.58 sit
    # near a bound of y, 0.9 is outside; duplicates of a particle are pooled, weights summed
    posterior = pd.DataFrame({"theta": [0.42, 0.5, 0.58, 0.9, 0.42],
                              "weight": [0.3, 0.1, 0.2, 0.3, 0.1]})
    simulator = partial(toy_simulator, replications=50, noise=0.05)
    table = select_particle(posterior, [THETA], TARGETS, simulator, seed=3)
    assert list(table["theta"]) == [0.42, 0.5, 0.58, 0.9]
    assert table["weight"].tolist() == pytest.approx([0.4, 0.1, 0.2, 0.3])
    assert table["chosen"].sum() == 1
    assert chosen_values(table, [THETA]) == {"theta": 0.5}
    row = table.set_index("theta").loc[0.9]
    assert row["score"] < 0 and row["worst"] == "y"
    # at 0.5: y margin 0.1 / 0.2 = 0.5, z margin (1.0 - 0.8) / 0.8 = 0.25: z is the worst
    assert table.set_index("theta").loc[0.5, "worst"] == "z"


def test_ties_go_to_the_heavier_particle_and_all_particles_share_seeds():
    # with noise 0 the statistics are exact: 0.375 and 0.625 lie 0.125 inside [0.25, 0.75]
    posterior = pd.DataFrame({"theta": [0.375, 0.625], "weight": [0.3, 0.7]})
    simulator = partial(toy_simulator, replications=3, noise=0.0)
    table = select_particle(posterior, [THETA], [Target("y", 0.25, 0.75)], simulator, seed=3)
    assert table["score"].tolist() == [0.25, 0.25]
    assert chosen_values(table, [THETA]) == {"theta": 0.625}
    flipped = select_particle(posterior.assign(weight=[0.7, 0.3]), [THETA],
                              [Target("y", 0.25, 0.75)], simulator, seed=3)
    assert chosen_values(flipped, [THETA]) == {"theta": 0.375}
    assert point_seed(3) == point_seed(3) != point_seed(4)


def test_replications_of_the_point_estimate():
    assert PointEstimateSpec().replications_for(10) is None  # the medians simulate nothing
    assert PointEstimateSpec(method="best_particle").replications_for(10) == 30
    assert PointEstimateSpec(method="best_particle", replications=4).replications_for(10) == 4
    # a suite replication runs every scenario and variant: 1 x, not 3 x, by default
    suite = PointEstimateSpec(method="best_particle", patterns="suite")
    assert suite.replications_for(10) == 10
    assert suite.model_copy(update={"replications": 2}).replications_for(10) == 2


def test_particles_are_judged_on_the_targets_or_on_the_whole_suite():
    """``patterns: suite`` judges every pattern: the targets with the ranges they were
    calibrated against, the others with their accepted ranges, on the suite's scenarios."""
    shipped = load_config(SHIPPED)
    names = [t.name for t in shipped.targets]

    def judged_on(patterns: str):
        cfg = shipped.config.model_copy(update={"point_estimate": PointEstimateSpec(
            method="best_particle", patterns=patterns)})
        return replace(shipped, config=cfg)

    resolved = judged_on("targets")
    judged, simulator = particle_judges(resolved, 7, [])
    assert judged == resolved.targets
    assert [p.name for p in simulator.patterns] == names and simulator.replications == 7

    suite = judged_on("suite")
    scenarios = scenarios_for_suite(suite.all_patterns, suite.measured)
    judged, simulator = particle_judges(suite, 3, scenarios)
    every = load_patterns()
    assert [t.name for t in judged] == [p.name for p in every]
    assert simulator.patterns == suite.all_patterns and simulator.scenarios == scenarios
    by_name = {t.name: t for t in judged}
    for target in resolved.targets:
        assert by_name[target.name] == target
    for pattern in every:
        if pattern.name not in names:
            assert (by_name[pattern.name].low, by_name[pattern.name].high) == (
                pattern.low, pattern.high)
