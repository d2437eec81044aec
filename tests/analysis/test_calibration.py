"""The equal-spend budget search on spend functions whose answer is known."""

import pytest

from clustersim.analysis.calibration import SPEND_TOLERANCE, search_budget

TARGET = 600_000.0
HORIZON = 120  # months: a full payout of 60,000 a year spends the target


def test_a_scheme_that_pays_its_whole_budget_needs_one_round():
    result = search_budget("lump_sum", lambda b: 10 * b, TARGET, HORIZON)
    assert result.reached and result.iterations == 1
    assert result.annual_budget == pytest.approx(60_000)


def test_project_money_for_two_of_ten_years_needs_five_times_the_budget():
    result = search_budget("project", lambda b: 2 * b, TARGET, HORIZON)
    assert result.reached and result.iterations == 2
    assert result.annual_budget == pytest.approx(300_000)
    assert result.achieved_spend == pytest.approx(TARGET)


def test_outcome_dependent_spend_converges_within_tolerance():
    def spend(budget):  # convex: more money, more ties, a larger performance share
        return 3 * budget + 1e-4 * budget**2

    result = search_budget("performance", spend, TARGET, HORIZON)
    assert result.reached
    assert abs(result.achieved_spend / TARGET - 1) <= SPEND_TOLERANCE
    assert spend(result.annual_budget) == pytest.approx(result.achieved_spend)  # a pair tried


def test_a_scheme_that_cannot_absorb_the_money_is_flagged():
    result = search_budget("matched", lambda b: min(10 * b, 250_000), TARGET, HORIZON)
    assert not result.reached
    assert "levels off" in result.reason
    assert result.achieved_spend == pytest.approx(250_000)


def test_an_ineligible_cluster_is_flagged_after_one_round():
    result = search_budget("regional", lambda b: 0.0, TARGET, HORIZON)
    assert not result.reached and result.iterations == 1
    assert result.achieved_spend == 0 and "spends nothing" in result.reason


def test_a_looser_tolerance_stops_earlier():
    def spend(budget):
        return 3 * budget + 1e-4 * budget**2

    tight = search_budget("p", spend, TARGET, HORIZON, tolerance=0.001)
    loose = search_budget("p", spend, TARGET, HORIZON, tolerance=0.2)
    assert loose.iterations < tight.iterations
    assert abs(tight.achieved_spend / TARGET - 1) <= 0.001
