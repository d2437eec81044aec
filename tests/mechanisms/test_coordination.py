"""Coordination costs grow faster than linearly; responsiveness falls with more ties."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.mechanisms.coordination import (
    coordination_load,
    marginal_coordination_load,
    responsiveness,
)

N = np.arange(0, 30)


@pytest.mark.parametrize("exponent", [1.2, 1.6, 2.5])
def test_load_is_convex_for_exponent_above_one(exponent):
    load = coordination_load(N, 1.0, 0.04, exponent)
    assert np.all(np.diff(load, n=2) > 0)
    assert np.all(np.diff(marginal_coordination_load(N, 1.0, 0.04, exponent)) > 0)


def test_load_is_linear_for_exponent_one():
    load = coordination_load(N, 1.0, 0.04, 1.0)
    assert np.allclose(np.diff(load, n=2), 0.0)


def test_load_scales_with_cost_level_and_is_zero_without_relations():
    assert np.allclose(coordination_load(N, 2.0, 0.04, 1.6), 2 * coordination_load(N, 1.0, 0.04,
                                                                                  1.6))
    assert coordination_load(np.array([0]), 3.0, 0.04, 1.6)[0] == 0.0
    assert np.all(coordination_load(N, 0.0, 0.04, 1.6) == 0.0)


def test_responsiveness_falls_with_relations_and_cost():
    r = responsiveness(N, 1.0, 6.0)
    assert r[0] == 1.0
    assert np.all(np.diff(r) < 0)
    assert np.all(r > 0)
    assert responsiveness(np.array([6]), 1.0, 6.0)[0] == pytest.approx(0.5)
    assert np.all(responsiveness(N[1:], 2.0, 6.0) < responsiveness(N[1:], 1.0, 6.0))
    assert np.all(responsiveness(N, 0.0, 6.0) == 1.0)
