"""Every measure on synthetic observations whose answer is known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic import from_years, observation

from clustersim.scenario.schema import FIRM_KINDS
from clustersim.validation.measures import MEASURES, arc_elasticity, tail_counts, tail_slope
from clustersim.validation.observe import Observation
from clustersim.validation.suite import ratio_of_means_ci

# firms x years; worked by hand in the docstrings below
PANEL = [
    [1, 1, 1, 1, 1],
    [1, 0, 0, 0, 0],
    [0, 1, 1, 0, 0],
    [0, 0, 0, 0, 1],
    [1, 1, 1, 0, 0],
]


def run(name: str, runs: dict, **params) -> np.ndarray:
    return MEASURES[name](runs, **params)


@pytest.mark.parametrize("last_month", [False, True])
def test_persistence_overall_pools_year_pairs(last_month):
    """Exporter-years followed by exporting: firm0 4/4, firm1 0/1, firm2 1/2, firm4 2/3 = 7/10;
    a tie in the first or the last month of a year counts for that year."""
    obs = from_years(PANEL, last_month=last_month)
    assert run("persistence_overall", {"base": [obs]}) == pytest.approx([0.7])


def test_persistence_established_needs_three_years_in_a_row():
    """Three export years up to y: firm0 at y3, y4 (both continue), firm4 at y3 (stops): 2/3."""
    obs = from_years(PANEL)
    assert run("persistence_established", {"base": [obs]}) == pytest.approx([2 / 3])
    # with a one-year history it is ordinary persistence
    assert run("persistence_established", {"base": [obs]}, history_years=1) == pytest.approx(
        [0.7])


def test_persistence_premium_is_difference_of_conditional_rates():
    """P(y+1 | y) = 7/10; non-exporter years followed by exporting: firm1 0/3, firm2 1/2
    (y1 -> y2 yes, y4 -> y5 no), firm3 1/4, firm4 0/1 -> 2/10; the premium is 0.7 - 0.2."""
    obs = from_years(PANEL)
    assert run("persistence_premium", {"base": [obs]}) == pytest.approx([0.5])


def test_entry_churn_share_of_new_exporters():
    """Exporters in y2..y5: 3, 3, 1, 2 = 9; new ones: firm2 (y2), firm3 (y5) = 2."""
    obs = from_years(PANEL)
    assert run("entry_churn", {"base": [obs]}) == pytest.approx([2 / 9])


def test_entrant_survival_counts_only_observable_entrants():
    """Horizon 3 on 5 years: entrants in y2 (firm2, stops in y4) and y3 (firm5, survives);
    firm3 entering in y5 cannot be followed for 3 years and is left out."""
    panel = [*PANEL, [0, 0, 1, 1, 1]]
    obs = from_years(panel)
    assert run("entrant_survival_5y", {"base": [obs]}, horizon=3) == pytest.approx([0.5])
    # default horizon 5 over 10 years: one entrant in y2 that exports y2..y6 survives, one in
    # y6 that breaks in y8 does not, an entrant in y7 is not observable for 5 years
    long = [[0, 1, 1, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 1, 1, 0, 1, 1],
            [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]]
    assert run("entrant_survival_5y", {"base": [from_years(long)]}) == pytest.approx([0.5])


def test_entrant_survival_is_nan_without_entrants():
    obs = from_years([[1, 1, 1, 1, 1, 1]])
    assert math.isnan(run("entrant_survival_5y", {"base": [obs]})[0])


def test_one_market_share_is_mean_over_last_year_months():
    """Last year: 6 months with markets (1, 2, 0, 0) -> 1/2, 6 months (1, 1, 1, 3) -> 3/4;
    an earlier year with only one-market exporters does not count."""
    months = 24
    markets = np.ones((months + 1, 4), np.int64)
    markets[13:19] = [1, 2, 0, 0]
    markets[19:25] = [1, 1, 1, 3]
    obs = observation(np.minimum(markets, 1), markets=markets)
    assert run("one_market_share", {"base": [obs]}) == pytest.approx([0.625])


def test_tail_slope_of_exact_power_law():
    k = np.arange(1, 8)
    assert tail_slope(1000 * k ** -2.5) == pytest.approx(-2.5)
    # points stop at the first N(>=k) below min_count; fewer than min_points -> NaN
    assert tail_slope(np.array([100.0, 25.0, 4.0, 30.0]), min_count=5, min_points=2) == (
        pytest.approx(-2.0))
    assert math.isnan(tail_slope(np.array([100.0, 25.0, 4.0]), min_count=5, min_points=3))


def test_markets_tail_elasticity_pools_last_year_firm_months():
    """N(>=k) = 144, 36, 16, 9 = 144 k^-2 (exactly-k counts 108, 20, 7, 9) in every month of
    the last year: the slope is -2 whatever the month pooling."""
    markets_row = np.repeat([1, 2, 3, 4, 0], [108, 20, 7, 9, 10])
    markets = np.tile(markets_row, (13, 1))
    obs = observation(np.minimum(markets, 1), markets=markets)
    assert tail_counts(obs).tolist() == [144 * 12, 36 * 12, 16 * 12, 9 * 12]
    assert run("markets_tail_elasticity", {"base": [obs]}) == pytest.approx([-2.0])
    assert math.isnan(run("markets_tail_elasticity", {"base": [obs]}, min_count=200,
                          min_points=4)[0])


def test_export_concentration_top10():
    """Last-year revenue 100 and ten firms with 10 (and one non-exporter): 11 exporters, the
    top ceil(1.1) = 2 earn 110 of 200; earlier revenue is ignored."""
    revenue = np.zeros((25, 12))
    revenue[13, :] = [100, 0] + [10] * 10
    revenue[5, 1] = 1e6  # year 1: not counted
    obs = observation(np.zeros((25, 12), np.int64), revenue=revenue)
    assert run("export_concentration_top10", {"base": [obs]}) == pytest.approx([0.55])


def test_metalika_reach_needs_four_markets_in_last_year():
    markets = np.zeros((25, 3), np.int64)
    markets[5] = [4, 0, 0]  # year 1 only
    markets[20] = [3, 1, 0]
    early = observation(np.minimum(markets, 1), markets=markets)
    markets_late = markets.copy()
    markets_late[24] = [0, 0, 5]
    late = observation(np.minimum(markets_late, 1), markets=markets_late)
    assert run("metalika_reach", {"base": [early, late]}).tolist() == [0.0, 1.0]


def test_sme_participation_counts_small_kinds_in_last_years():
    """Kinds micro, sme, large, startup; last 2 of 3 years: small firms export 2 of 3 in year 2
    and 1 of 3 in year 3 -> 0.5; the large firm and year 1 do not count."""
    kinds = np.array([FIRM_KINDS.index(k) for k in ("micro", "sme", "large", "startup")])
    panel = [[1, 1, 0], [1, 1, 1], [1, 1, 1], [1, 0, 0]]
    obs = from_years(panel, kind=kinds)
    assert run("sme_participation_unsupported", {"unfunded": [obs]}, years=2) == pytest.approx(
        [0.5])


def test_funding_participation_effect_pairs_replications():
    low = from_years([[0, 0], [0, 1], [1, 1], [0, 0]])  # last year: 2 of 4 export
    high = from_years([[0, 1], [0, 1], [1, 1], [0, 0]])  # 3 of 4
    runs = {"unfunded": [low, high], "funded_high": [high, high]}
    assert run("funding_participation_effect", runs, years=1) == pytest.approx([0.25, 0.0])


def revenue_obs(total: float, budget: float) -> Observation:
    revenue = np.zeros((25, 2))
    revenue[13:25, 0] = total / 12  # all in the last year
    revenue[1:13, 1] = 1e9  # first year: outside a 1-year window
    return observation(np.zeros((25, 2), np.int64), revenue=revenue, annual_budget=budget)


def test_funding_value_elasticity_is_arc_elasticity():
    """R 100 -> 150, B 60k -> 120k: (50/125) / (60000/90000) = 0.6."""
    assert arc_elasticity(100, 150, 60000, 120000) == pytest.approx(0.6)
    runs = {"budget_low": [revenue_obs(100, 60000)], "budget_high": [revenue_obs(150, 120000)]}
    ci, _ = ratio_of_means_ci(run("funding_value_elasticity", runs, years=1))
    assert ci.mean == pytest.approx(0.6)


def test_funding_value_elasticity_is_that_of_the_mean_exports():
    """Replications R 100 -> 150 and 300 -> 310: mean exports 200 -> 230, so the elasticity is
    arc(200, 230) = 0.209..., not the mean of the per-replication elasticities (0.6 and 0.049)."""
    runs = {"budget_low": [revenue_obs(100, 60000), revenue_obs(300, 60000)],
            "budget_high": [revenue_obs(150, 120000), revenue_obs(310, 120000)]}
    ci, ratios = ratio_of_means_ci(run("funding_value_elasticity", runs, years=1))
    assert ci.mean == pytest.approx(arc_elasticity(200, 230, 60000, 120000))
    assert ratios.tolist() == pytest.approx([0.6, arc_elasticity(300, 310, 60000, 120000)])


def test_funding_diminishing_returns_ratio_of_slopes():
    """0 -> 60k earns 60 (1e-3 per EUR); 120k -> 240k earns 60 (0.5e-3 per EUR): ratio 2."""
    runs = {"low_from": [revenue_obs(100, 0)], "low_to": [revenue_obs(160, 60000)],
            "high_from": [revenue_obs(200, 120000)], "high_to": [revenue_obs(260, 240000)]}
    slopes = run("funding_diminishing_returns", runs, years=1)
    assert slopes.shape == (1, 2) and slopes[0].tolist() == pytest.approx([1e-3, 0.5e-3])
    ci, ratios = ratio_of_means_ci(slopes)
    assert ci.mean == pytest.approx(2.0) and ratios.tolist() == pytest.approx([2.0])


def test_ratio_of_means_resists_a_near_zero_denominator():
    """Slopes (low, high): (2, 1), (2, 1), (2, 1e-9): per-replication ratios 2, 2, 2e9, but the
    ratio of means is 6 / 2 = 3, with a bootstrap interval around it."""
    ci, ratios = ratio_of_means_ci(np.array([[2, 1], [2, 1], [2, 1e-9], [2, np.nan]]))
    assert ratios[2] == pytest.approx(2e9)
    assert ci.mean == pytest.approx(3.0) and ci.n == 3
    assert ci.low <= ci.mean <= ci.high


def test_funding_cliff_reads_the_end_month_from_the_scenario():
    """Funding in months 7..30 (start 6, 24 months): 12 new ties in months 19..30, 3 in months
    31..42 -> 0.25; ties outside the windows do not count."""
    new_ties = np.zeros(49)
    new_ties[19:31] = 1
    new_ties[31:43:4] = 1
    new_ties[43:] = 50
    new_ties[:19] = 50
    obs = observation(np.zeros((49, 2), np.int64), kpis={"new_ties": new_ties},
                      funding_start_month=6, funding_duration_months=24)
    assert run("funding_cliff", {"base": [obs]}) == pytest.approx([0.25])
    short = observation(np.zeros((37, 2), np.int64), kpis={"new_ties": new_ties[:37]},
                        funding_start_month=6, funding_duration_months=24)
    with pytest.raises(ValueError, match="funding ends in month 30"):
        run("funding_cliff", {"base": [short]})


def test_funding_cliff_counterfactual_compares_with_continued_funding():
    """Funding ends in month 30 (start 6, 24 months); over months 31..54, 12 new ties as is
    against 24 with the funding continued (same seed) -> 0.5; events are read the same way."""
    as_is = np.zeros(61)
    as_is[31:55:2] = 1
    continued = np.zeros(61)
    continued[31:55] = 1
    meta = {"funding_start_month": 6, "funding_duration_months": 24}
    runs = {"base": [observation(np.zeros((61, 2), np.int64), kpis={"new_ties": as_is,
                                                                     "events": continued},
                                 **meta)],
            "continued": [observation(np.zeros((61, 2), np.int64),
                                      kpis={"new_ties": continued, "events": continued},
                                      **meta)]}
    assert run("funding_cliff_counterfactual", runs, window=24) == pytest.approx([0.5])
    assert run("funding_cliff_counterfactual", runs, window=24,
               kpi="events") == pytest.approx([1.0])
    with pytest.raises(ValueError, match="funding ends in month 30"):
        run("funding_cliff_counterfactual", runs, window=40)


def test_members_leave_compares_drop_with_scenario_as_is():
    """Over 36 months: as is 10 -> 9 members of 10, no value 10 -> 5: 0.5 - 0.1 = 0.4."""
    base_member = np.ones((49, 10), bool)
    base_member[30:, 0] = False
    gone = np.ones((49, 10), bool)
    gone[36:, :5] = False
    gone[37:, :] = False  # after month 36: not counted
    ties = np.zeros((49, 10), np.int64)
    runs = {"base": [observation(ties, member=base_member)],
            "no_value": [observation(ties, member=gone)]}
    assert run("members_leave_when_value_falls", runs) == pytest.approx([0.4])


def esca_obs(committed: float, personal: float, active: float) -> Observation:
    def path(recent: float) -> np.ndarray:
        values = np.ones(37)  # year 1 saturated, outside the last 2 years
        values[13:] = recent
        return values

    return observation(np.zeros((37, 2), np.int64), kpis={
        "esca_committed_share": path(committed), "esca_personal_contact_share": path(personal),
        "esca_active_collaboration_share": path(active)})


def test_esca_measures_over_last_two_years():
    obs = esca_obs(committed=0.8, personal=0.6, active=0.7)
    assert run("esca_unsaturated", {"base": [obs]}) == pytest.approx([0.7])
    assert run("esca_committed", {"base": [obs]}) == pytest.approx([0.8])
    assert run("esca_consistent", {"base": [obs]}) == pytest.approx([0.1])


def test_personal_vs_remote_and_coordination_caps_are_paired_ratios():
    def kpi_obs(**kpis):
        return observation(np.zeros((25, 2), np.int64), kpis=kpis)

    runs = {"in_person": [kpi_obs(new_ties_total=np.linspace(0, 30, 25))],
            "remote": [kpi_obs(new_ties_total=np.linspace(0, 20, 25))]}
    assert run("personal_vs_remote", runs) == pytest.approx([1.5])
    low = np.full(25, 9.0)
    low[13:] = 2.0
    runs = {"low_cost": [kpi_obs(markets_per_exporter=low)],
            "high_cost": [kpi_obs(markets_per_exporter=np.full(25, 1.6))]}
    assert run("coordination_caps", runs) == pytest.approx([1.25])


def test_every_registered_measure_is_tested_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    untested = [name for name in MEASURES if f'"{name}"' not in source]
    assert not untested


def test_burn_in_drops_the_first_years_transitions():
    """Without year 1 the panel is y2..y5: persistence firm0 3/3, firm2 1/2, firm4 1/2 = 5/7;
    churn: exporters in y3..y5 are 3 + 1 + 2 = 6, of which one is new (firm3 in y5)."""
    obs = from_years(PANEL)
    assert run("persistence_overall", {"base": [obs]}, burn_in_years=1) == pytest.approx([5 / 7])
    assert run("entry_churn", {"base": [obs]}, burn_in_years=1) == pytest.approx([1 / 6])
    with pytest.raises(ValueError, match="burn_in_years = -1"):
        run("persistence_overall", {"base": [obs]}, burn_in_years=-1)


def ties_obs(mean_ties: float, budget: float) -> Observation:
    return observation(np.zeros((25, 2), np.int64), kpis={"export_ties": mean_ties},
                       annual_budget=budget)


def test_funding_value_elasticity_on_ties():
    """Ties 10 -> 12 from 60k to 240k EUR: (2 / 11) / (180 / 150) = 0.1515..."""
    runs = {"budget_low": [ties_obs(10, 60000)], "budget_high": [ties_obs(12, 240000)]}
    ci, _ = ratio_of_means_ci(run("funding_value_elasticity", runs, years=1, outcome="ties"))
    assert ci.mean == pytest.approx(arc_elasticity(10, 12, 60000, 240000))
    assert ci.mean == pytest.approx((2 / 11) / (180 / 150))
    with pytest.raises(ValueError, match="funding_value_elasticity: outcome = 'value'"):
        run("funding_value_elasticity", runs, years=1, outcome="value")
    reversed_runs = {"budget_low": runs["budget_high"], "budget_high": runs["budget_low"]}
    with pytest.raises(ValueError, match="larger annual_budget"):
        run("funding_value_elasticity", reversed_runs, years=1, outcome="ties")
