"""Funding schemes: each scheme's monthly decision, and adding a scheme from outside."""

from __future__ import annotations

import numpy as np
import pytest

from clustersim import simulate
from clustersim.model import ClusterModel
from clustersim.policy import (
    SCHEMES,
    FundingContext,
    FundingDecision,
    FundingScheme,
    make_scheme,
    register_scheme,
)
from clustersim.scenario import ScenarioError
from clustersim.scenario.schema import FundingConfig

ALLOCATION = np.array([5000.0, 1000.0, 0.0, 2500.0])


def context(month: int = 3, private=(1000.0, 3000.0, 500.0, 0.0), ties=(0, 2, 5, 30),
            firms=(10, 20, 10, 10)) -> FundingContext:
    return FundingContext(month=month, allocation=ALLOCATION.copy(),
                          private_income_last_month=np.array(private, float),
                          new_ties_last_12_months=np.array(ties, float),
                          n_firms=np.array(firms))


def decide(scheme: str, ctx: FundingContext | None = None, **config) -> FundingDecision:
    return make_scheme(FundingConfig(scheme=scheme, **config)).decide(ctx or context())


def test_builtin_schemes_registered():
    assert {"none", "lump_sum", "matched", "vouchers", "project", "performance"} <= set(SCHEMES)


def test_none_pays_nothing():
    d = decide("none")
    assert not d.to_facilitators.any() and not d.vouchers.any()


def test_lump_sum_pays_the_allocation():
    d = decide("lump_sum")
    np.testing.assert_array_equal(d.to_facilitators, ALLOCATION)
    assert not d.vouchers.any()


@pytest.mark.parametrize("ratio", [0.0, 0.5, 1.0, 3.0])
def test_matched_bounded_by_ratio_and_allocation(ratio):
    ctx = context()
    d = decide("matched", ctx, match_ratio=ratio)
    grant = d.to_facilitators
    assert np.all(grant <= ratio * ctx.private_income_last_month + 1e-9)
    assert np.all(grant <= ALLOCATION + 1e-9)
    np.testing.assert_allclose(grant, np.minimum(ALLOCATION,
                                                 ratio * ctx.private_income_last_month))
    assert not d.vouchers.any()


def test_vouchers_go_to_firms_not_facilitators():
    d = decide("vouchers")
    assert not d.to_facilitators.any()
    np.testing.assert_array_equal(d.vouchers, ALLOCATION)


def test_project_pays_only_within_its_window():
    start, duration = 4, 3
    paying = [m for m in range(1, 20)
              if decide("project", context(month=m), start_month=start,
                        duration_months=duration).to_facilitators.any()]
    assert len(paying) == duration
    assert paying == list(range(paying[0], paying[0] + duration))  # one contiguous window
    assert start < paying[0] <= start + 1
    full = decide("project", context(month=paying[0]), start_month=start,
                  duration_months=duration)
    np.testing.assert_array_equal(full.to_facilitators, ALLOCATION)


def test_performance_base_plus_attainment():
    base, target = 0.3, 0.1
    ctx = context(ties=(0, 1, 5, 30), firms=(10, 20, 10, 10))
    grant = decide("performance", ctx, performance_base_share=base,
                   performance_target=target).to_facilitators
    rate = ctx.new_ties_last_12_months / ctx.n_firms
    expected = ALLOCATION * (base + (1 - base) * np.minimum(1.0, rate / target))
    np.testing.assert_allclose(grant, expected)
    assert grant[0] == pytest.approx(base * ALLOCATION[0])  # no ties: base only
    assert grant[3] == pytest.approx(ALLOCATION[3])  # above target: capped at the allocation


def test_performance_grows_with_new_ties():
    firms = (1000, 1000, 1000, 1000)  # far below the target: no cap
    grants = [decide("performance", context(ties=(t, t, t, t), firms=firms)).to_facilitators[0]
              for t in range(0, 4)]
    assert np.all(np.diff(grants) > 0)


def test_unknown_scheme_name_raises():
    config = FundingConfig.model_construct(scheme="nonexistent")
    with pytest.raises(ValueError, match="unknown funding scheme"):
        make_scheme(config)


# -- a researcher adds a scheme ----------------------------------------------------------------
class HalfGrant(FundingScheme):
    """Test scheme: half the allocation to the facilitator, a quarter as vouchers."""

    name = "half_grant_for_tests"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        return FundingDecision(ctx.allocation * 0.5, ctx.allocation * 0.25)


@pytest.fixture
def half_grant():
    register_scheme(HalfGrant)
    yield HalfGrant
    SCHEMES.pop(HalfGrant.name, None)


def test_registered_scheme_usable_from_a_scenario(half_grant, tiny_scenario):
    scenario = tiny_scenario({"policy.funding.scheme": half_grant.name,
                              "policy.funding.annual_budget": 12000.0,
                              "parameters.membership.exit_prob": 0.0})
    model = ClusterModel(scenario)
    assert isinstance(model.scheme, HalfGrant)
    steps = 4
    for _ in range(steps):
        model.step()
    monthly = 12000.0 / 12
    assert model.facilitators.public_spent.sum() == pytest.approx(0.75 * monthly * steps)
    result = simulate(scenario, steps=steps)
    assert result.final["public_spent"] == pytest.approx(0.75 * monthly * steps)


def test_schema_knows_exactly_the_registered_schemes():
    """Scenario validation accepts the schemes the policy package registers, without the schema
    importing the policy package (no import cycle)."""
    from clustersim.scenario.schema import FundingScheme, scheme_names

    assert set(scheme_names()) == set(SCHEMES)
    assert [s.value for s in FundingScheme] == list(SCHEMES)[: len(FundingScheme)]


def test_unregistered_scheme_is_refused_again(tiny_scenario):
    register_scheme(HalfGrant)
    SCHEMES.pop(HalfGrant.name)
    with pytest.raises(ScenarioError, match="unknown funding scheme"):
        tiny_scenario({"policy.funding.scheme": HalfGrant.name})
