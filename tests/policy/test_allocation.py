"""Splitting a national pool across clusters, and who is eligible."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim.model import ClusterModel
from clustersim.policy import allocate_pool, eligible_clusters

POOL = 12000.0
SIZE = np.array([30, 48, 140, 48, 30, 60])
STAGE = np.array([0, 1, 2, 1, 0, 1])
PERF = np.array([0.0, 0.2, 0.1, 0.0, 0.4, 0.3])
ELIGIBLE = np.array([True, True, False, True, True, True])


@pytest.mark.parametrize("rule", ["even", "concentrated", "competitive"])
def test_pool_sums_to_monthly_pool_over_eligible_only(rule):
    out = allocate_pool(POOL, ELIGIBLE, rule, SIZE, STAGE, PERF, key_clusters=3)
    assert out.sum() == pytest.approx(POOL)
    assert np.all(out[~ELIGIBLE] == 0)
    assert np.all(out >= 0)


def test_even_split():
    out = allocate_pool(POOL, ELIGIBLE, "even", SIZE, STAGE, PERF, 3)
    np.testing.assert_allclose(out[ELIGIBLE], POOL / ELIGIBLE.sum())


def test_concentrated_on_most_developed_eligible():
    out = allocate_pool(POOL, ELIGIBLE, "concentrated", SIZE, STAGE, PERF, key_clusters=2)
    # the mature cluster (2) is ineligible; growth clusters 5 (60 firms) and 1 or 3 (48 firms)
    funded = np.flatnonzero(out > 0)
    assert funded.size == 2
    assert 5 in funded
    assert set(funded) <= {1, 3, 5}
    np.testing.assert_allclose(out[funded], POOL / 2)


def test_concentrated_with_more_key_clusters_than_eligible():
    out = allocate_pool(POOL, ELIGIBLE, "concentrated", SIZE, STAGE, PERF, key_clusters=100)
    np.testing.assert_allclose(out[ELIGIBLE], POOL / ELIGIBLE.sum())


def test_competitive_follows_performance():
    out = allocate_pool(POOL, ELIGIBLE, "competitive", SIZE, STAGE, PERF, 3)
    perf = np.where(ELIGIBLE, PERF, 0)
    np.testing.assert_allclose(out, POOL * perf / perf.sum())
    assert out[4] > out[5] > out[1] > 0
    assert out[0] == 0 and out[3] == 0


def test_competitive_even_while_no_record():
    out = allocate_pool(POOL, ELIGIBLE, "competitive", SIZE, STAGE, np.zeros(6), 3)
    np.testing.assert_allclose(out[ELIGIBLE], POOL / ELIGIBLE.sum())


def test_nobody_eligible_nothing_paid():
    out = allocate_pool(POOL, np.zeros(6, bool), "even", SIZE, STAGE, PERF, 3)
    assert not out.any()


def test_unknown_rule():
    with pytest.raises(ValueError, match="unknown allocation rule"):
        allocate_pool(POOL, ELIGIBLE, "lottery", SIZE, STAGE, PERF, 3)


def test_eligibility_excludes_multi_region_clusters():
    regions = np.array([1, 3, 2, 1])
    assert eligible_clusters(regions, 1).tolist() == [True, False, False, True]
    assert eligible_clusters(regions, 2).tolist() == [True, False, True, True]
    assert eligible_clusters(regions, None).all()


def test_model_regional_programme_funds_only_single_region_clusters(tiny_scenario):
    scenario = tiny_scenario(
        {"policy.funding.max_regions": 1, "policy.funding.annual_budget": 24000.0,
         "policy.funding.scheme": "lump_sum", "policy.funding.allocation": "even"},
        clusters=[{"name": "local", "n_firms": 10, "regions": 1},
                  {"name": "spanning", "n_firms": 10, "regions": 3},
                  {"name": "local2", "n_firms": 10, "regions": 1}],
    )
    model = ClusterModel(scenario)
    for _ in range(3):
        model.step()
    spent = model.facilitators.public_spent
    assert spent[1] == 0
    np.testing.assert_allclose(spent[[0, 2]], 24000.0 / 12 * 3 / 2)
