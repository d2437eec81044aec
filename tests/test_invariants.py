"""Invariants that must hold every month of every run: whole scenarios and random ones."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustersim.model import ClusterModel
from clustersim.outputs.kpis import KPI_NAMES
from clustersim.processes import membership as membership_process
from clustersim.scenario import load_scenario, validate_scenario
from clustersim.scenario.schema import ALL_SERVICES, FacilitatorRole, FundingScheme

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
STEPS = {"national_programme": 24}
DEFAULT_STEPS = 60
SHARE_KPIS = [k for k in KPI_NAMES
              if k.startswith(("export_share", "esca_", "trust_"))
              or k in ("cooperation_rate", "satisfaction")]
TOL = 1e-9


class InvariantChecker:
    """Steps a model and checks every invariant after each month.

    Vouchers of firms that leave their cluster are forfeited (the model zeroes them); the
    checker records them by wrapping the membership process (``update_membership``) during
    each step, so that public money can be accounted for in full.
    """

    def __init__(self, model: ClusterModel):
        self.model = model
        self.forfeited = 0.0
        self.check()

    def _step_recording_forfeits(self) -> None:
        original = membership_process.update_membership

        def update_membership_recording_forfeits(w) -> None:
            f = w.firms
            before, was_member = f.voucher_balance.copy(), f.member.copy()
            original(w)
            self.forfeited += float(before[was_member & ~f.member].sum())
            self.forfeited += float(before[~was_member].sum())

        membership_process.update_membership = update_membership_recording_forfeits
        try:
            self.model.step()
        finally:
            membership_process.update_membership = original

    def step(self) -> None:
        m = self.model
        members_before = np.bincount(m.firms.cluster[m.firms.member],
                                     minlength=m.facilitators.n)
        fees_before = m.facilitators.income_total["fees"].copy()
        self._step_recording_forfeits()
        fees = m.facilitators.income_total["fees"] - fees_before
        np.testing.assert_allclose(fees, members_before * m.membership_fee, rtol=1e-12,
                                   err_msg=f"month {m.month}: fee income not from members")
        self.check()

    def check(self) -> None:
        m = self.model
        f, rel, fac, peers = m.firms, m.relations, m.facilitators, m.peers
        month = f"month {m.month}"
        n = rel.n
        for name, values in (("trust_fp", rel.trust_fp[:n]), ("trust_pf", rel.trust_pf[:n]),
                             ("peer trust", peers.trust),
                             ("trust_in_facilitator", f.trust_in_facilitator),
                             ("satisfaction", f.satisfaction)):
            assert np.all((values >= 0) & (values <= 1)), f"{month}: {name} outside [0, 1]"
        assert np.all(fac.balance >= -TOL), f"{month}: negative balance {fac.balance.min()}"
        assert np.all(f.voucher_balance >= -TOL), f"{month}: negative voucher balance"
        assert not f.voucher_balance[~f.member].any(), f"{month}: non-member holds vouchers"
        # every relation, and so every tie, links an existing firm and partner, once
        assert np.all((rel.firm[:n] >= 0) & (rel.firm[:n] < f.n)), month
        assert np.all((rel.partner[:n] >= 0) & (rel.partner[:n] < m.partners.n)), month
        assert len(m.firm_agents) == f.n and len(m.partner_agents) == m.partners.n
        keys = rel.firm[:n] * m.partners.n + rel.partner[:n]
        assert np.unique(keys).size == n, f"{month}: duplicate firm-partner relation"
        np.testing.assert_array_equal(rel.lookup(rel.firm[:n], rel.partner[:n]), np.arange(n))
        tie_rows = rel.tie_rows()
        assert np.all(rel.tie_since[tie_rows] <= m.month), f"{month}: tie from the future"
        # KPIs
        if m.collected_this_month:
            kpis = m.current_kpis
            for name in SHARE_KPIS:
                value = kpis[name]
                assert math.isnan(value) or -TOL <= value <= 1 + TOL, f"{month}: {name}={value}"
            assert kpis["export_ties"] == rel.n_ties
            assert kpis["members"] == f.member.sum()
        # public money: grants + vouchers issued = income_public (grants + vouchers redeemed)
        # + vouchers still held + vouchers forfeited by leavers
        spent = fac.public_spent.sum()
        accounted = (fac.income_total["public"].sum() + f.voucher_balance.sum()
                     + self.forfeited)
        assert spent == pytest.approx(accounted, rel=1e-9, abs=1e-6), (
            f"{month}: public_spent {spent} != grants + vouchers {accounted}")
        assert np.all(fac.public_spent[~m.eligible] == 0), f"{month}: ineligible cluster paid"
        if m.funding.scheme != "vouchers":
            assert spent == pytest.approx(fac.income_total["public"].sum(), rel=1e-9, abs=1e-6)


def run_checked(model: ClusterModel, steps: int) -> InvariantChecker:
    checker = InvariantChecker(model)
    for _ in range(steps):
        checker.step()
    return checker


SCENARIO_FILES = sorted(SCENARIOS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_scenario_run_keeps_invariants(path):
    scenario = load_scenario(path)
    run_checked(ClusterModel(scenario), STEPS.get(path.stem, DEFAULT_STEPS))


@pytest.mark.parametrize("scheme", [s.value for s in FundingScheme])
def test_every_scheme_keeps_invariants(scheme, tiny_scenario):
    scenario = tiny_scenario({"policy.funding.scheme": scheme,
                              "policy.funding.annual_budget": 90000.0,
                              "policy.funding.start_month": 2,
                              "policy.funding.duration_months": 5,
                              "parameters.membership.exit_threshold": 0.4,
                              "parameters.membership.exit_prob": 0.3,
                              "parameters.membership.join_threshold": 0.3,
                              "parameters.membership.join_prob": 0.2},
                             clusters=[{"name": "a", "n_firms": 30},
                                       {"name": "b", "n_firms": 20, "regions": 2}])
    checker = run_checked(ClusterModel(scenario), 24)
    if scheme != "none":
        assert checker.model.facilitators.public_spent.sum() > 0


def test_poor_facilitator_never_goes_negative(tiny_scenario):
    scenario = tiny_scenario({"policy.funding.scheme": "none",
                              "clusters.0.facilitator.initial_budget": 0.0,
                              "clusters.0.facilitator.membership_fee": 10.0,
                              "clusters.0.facilitator.monthly_cost_per_staff": 5000.0})
    checker = run_checked(ClusterModel(scenario), 24)
    assert checker.model.facilitators.balance.min() < 100  # it really was short of cash


@pytest.mark.parametrize("overrides", [
    {"clusters.0.initial_member_share": 0.0},
    {"parameters.membership.exit_threshold": 1.0, "parameters.membership.exit_prob": 1.0},
], ids=["no_members_at_start", "all_members_leave"])
def test_cluster_without_members_keeps_running(tiny_scenario, overrides):
    model = ClusterModel(tiny_scenario(overrides))
    run_checked(model, 6)
    assert not model.firms.member.any()
    assert model.facilitators.income_total["fees"][0] <= model.membership_fee[0] * model.firms.n


def test_all_markets_at_maximal_psychic_distance(tiny_scenario):
    # psychic_distance = 1 is a valid value; near-market weighting must not divide by zero
    scenario = tiny_scenario({"markets.near.psychic_distance": 1.0,
                              "markets.far.psychic_distance": 1.0})
    run_checked(ClusterModel(scenario), 6)


@pytest.mark.parametrize("seed", range(8))
def test_fewer_partners_than_markets_can_hold(tiny_scenario, seed):
    # two firms, two partners, four markets: some markets have no partner at all
    scenario = tiny_scenario(
        {"clusters.0.n_firms": 2, "clusters.0.initial_exporter_share": 1.0,
         "parameters.export.own_search_prob": 1.0},
        seed=seed, partners_per_firm=1.0,
        markets={f"m{i}": {"psychic_distance": 0.1 * i} for i in range(4)})
    model = ClusterModel(scenario)
    assert model.partners.n >= len(model.market_names)
    run_checked(model, 6)


# -- property-based: random valid scenarios ---------------------------------------------------
@st.composite
def firm_mixes(draw) -> dict[str, float]:
    weights = [draw(st.integers(0, 10)) for _ in range(4)]
    if sum(weights) == 0:
        weights[1] = 1
    total = sum(weights)
    shares = [w / total for w in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    return dict(zip(("micro", "sme", "large", "startup"), [max(0.0, s) for s in shares],
                    strict=True))


@st.composite
def scenarios(draw) -> dict[str, Any]:
    unit = st.floats(0.0, 1.0, allow_nan=False)
    n_markets = draw(st.integers(1, 4))
    markets = {
        f"m{i}": {"language_barrier": draw(unit), "psychic_distance": draw(unit),
                  "size": draw(st.floats(0.1, 5.0)),
                  **({"partner_cluster": f"pc{i}"} if i == 0 else {})}
        for i in range(n_markets)
    }
    n_clusters = draw(st.integers(1, 3))
    clusters = []
    for i in range(n_clusters):
        services = draw(st.lists(st.sampled_from(ALL_SERVICES), unique=True, max_size=10))
        clusters.append({
            "name": f"c{i}",
            "n_firms": draw(st.integers(2, 80)),
            "firm_mix": draw(firm_mixes()),
            "regions": draw(st.integers(1, 3)),
            "initial_member_share": draw(unit),
            "initial_exporter_share": draw(unit),
            "agreements": ["m0"] if draw(st.booleans()) else [],
            "networked_with": [f"c{(i + 1) % n_clusters}"] if n_clusters > 1 and draw(
                st.booleans()) else [],
            "facilitator": {
                "role": draw(st.sampled_from([r.value for r in FacilitatorRole])),
                "services": services,
                "staff": draw(st.floats(0.5, 6.0)),
                "initial_budget": draw(st.floats(0.0, 50000.0)),
                "membership_fee": draw(st.floats(0.0, 300.0)),
            },
        })
    return {
        "name": "hypothesis",
        "seed": draw(st.integers(0, 2**32)),
        "steps": draw(st.integers(1, 15)),
        "partners_per_firm": draw(st.floats(0.5, 4.0)),
        "clusters": clusters,
        "markets": markets,
        "policy": {
            "funding": {
                "scheme": draw(st.sampled_from([s.value for s in FundingScheme])),
                "annual_budget": draw(st.floats(0.0, 500000.0)),
                "allocation": draw(st.sampled_from(["even", "concentrated", "competitive"])),
                "key_clusters": draw(st.integers(1, 3)),
                "max_regions": draw(st.one_of(st.none(), st.integers(1, 3))),
                "match_ratio": draw(st.floats(0.0, 3.0)),
                "start_month": draw(st.integers(0, 10)),
                "duration_months": draw(st.integers(1, 12)),
            },
            "translation_support": draw(unit),
            "coordination_cost": draw(st.floats(0.0, 5.0)),
        },
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=scenarios())
def test_random_scenarios_run_and_keep_invariants(data):
    scenario = validate_scenario(data, source="hypothesis")
    model = ClusterModel(scenario)
    run_checked(model, scenario.steps)
    model.collect()
    assert model.month == scenario.steps
