"""ODD §3 steps 9 and 10, export ties (7.10, 7.11): live needs meet trusted, capable and
responsive firms; ties earn revenue, teach experience and may break; firm-level shocks.
"""

from __future__ import annotations

import numpy as np

from clustersim.mechanisms import coordination, language, learning, opportunities
from clustersim.state import NEVER
from clustersim.world import World


def form_export_ties(w: World) -> None:
    """A live need meets a firm both sides trust, that can serve it and afford it."""
    rel, f, ep, cp = w.relations, w.firms, w.params.export, w.params.coordination
    w.new_ties_this_step = 0
    n = rel.n
    partner = rel.partner[:n]
    p = w.partners
    live = opportunities.is_live(p.open_need[partner], p.need_expires[partner], w.month)
    th = ep.tie_trust_threshold
    cand = np.flatnonzero(~rel.tie[:n] & live & (rel.trust_fp[:n] >= th)
                          & (rel.trust_pf[:n] >= th))
    if cand.size == 0:
        return
    firm, partner = rel.firm[cand], rel.partner[cand]
    cand = cand[opportunities.capability_fits(f.capability[firm], p.need_level[partner],
                                              ep.capability_tolerance)]
    if cand.size == 0:
        return
    firm, partner = rel.firm[cand], rel.partner[cand]
    market = p.market[partner]
    ties_now = rel.ties_per_firm(f.n)[firm]
    capacity = w.relationship_capacity(firm)
    new_market = ~rel.firm_serves_market(firm, market, p.market)
    # the facilitator's translation also serves the negotiations of the contacts it brokered
    translation = np.where(rel.facilitated[cand] & w.offers_translation[f.cluster[firm]],
                           w.translation_support, 0.0)
    barrier = language.effective_language_barrier(
        w.market_barrier[market], f.language_skill[firm], translation,
        w.params.language.translation_effect)
    entry = (learning.market_entry_cost(ep.entry_cost, w.market_distance[market],
                                        f.experience[firm], ep.learning_rate)
             * (1.0 + ep.entry_language_weight * barrier))
    entry = np.where(new_market,
                     entry * (1.0 - ep.facilitation_entry_support * rel.facilitated[cand]),
                     0.0)
    # larger firms have more people to keep relationships: capacity grows with scale
    load = (coordination.coordination_load(ties_now + 1, w.coordination_cost,
                                           cp.firm_cost_per_tie, cp.exponent)
            / capacity)
    feasible = (f.resources[firm] - load >= entry) & (f.export_blocked_until[firm]
                                                      < w.month)
    prob = (ep.base_match_prob * f.export_motivation[firm]
            * coordination.responsiveness(ties_now / capacity,
                                          w.coordination_cost,
                                          cp.responsiveness_halving))
    accept = feasible & (w.rng.random(cand.size) < prob)
    cand = cand[accept]
    if cand.size == 0:
        return
    # one firm fills a need; a firm takes on at most a few new ties a month
    cand = w.rng.permutation(cand)
    _, first_by_partner = np.unique(rel.partner[cand], return_index=True)
    cand = cand[np.sort(first_by_partner)]
    cand = cand[_first_k_per_group(rel.firm[cand], ep.max_new_ties_per_month)]
    rel.tie[cand] = True
    rel.tie_since[cand] = w.month
    p.open_need[rel.partner[cand]] = False
    firms = rel.firm[cand]
    f.benefit[firms] += w.params.membership.benefit_new_tie
    per_cluster = np.bincount(f.cluster[firms], minlength=w.facilitators.n)
    w.facilitators.new_ties_total += per_cluster
    w.facilitators.new_ties_ring[:, w.month % 12] += per_cluster
    w.new_ties_this_step = int(cand.size)
    w.tally("new_ties", firms=firms)


def maintain_export_ties(w: World) -> None:
    """Ties earn revenue and teach experience; young ties churn more than established ones
    (Eaton et al. 2007; Roberts & Tybout 1997, recalled); over-stretched firms respond slowly
    and lose ties (seed 000); trust lost below half the threshold ends a tie."""
    rel, f, ep, cp = w.relations, w.firms, w.params.export, w.params.coordination
    rows = rel.tie_rows()
    firm = rel.firm[rows]
    revenue = w.export_revenue_by_firm()
    w.export_revenue_this_step = float(revenue.sum())
    w.tally("export_revenue", clusters=f.cluster, values=revenue)
    markets = rel.markets_per_firm(f.n, w.partners.market)
    f.experience = learning.accumulate_experience(f.experience, markets,
                                                  ep.experience_depreciation)
    ties_now = rel.ties_per_firm(f.n)[firm]
    young = (w.month - rel.tie_since[rows]) < ep.young_tie_months
    hazard = np.where(young, ep.tie_hazard_new, ep.tie_hazard_established)
    hazard = hazard / coordination.responsiveness(np.maximum(ties_now - 1, 0)
                                                  / w.relationship_capacity(firm),
                                                  w.coordination_cost,
                                                  cp.responsiveness_halving)
    half = ep.tie_trust_threshold / 2
    # firm-level shocks end a firm's whole export activity: new exporters, closest to the
    # exit threshold, stop most often (sunk-cost hysteresis, Roberts & Tybout 1997;
    # Eaton et al. 2007: most new exporters stop the next year)
    spell = w.month - f.export_spell_start
    firm_hazard = np.where(spell < ep.young_tie_months, ep.firm_exit_hazard_new,
                           ep.firm_exit_hazard_established)
    shocked = (w.rng.random(f.n) < firm_hazard) & (f.export_spell_start != NEVER)
    if ep.shock_months > 0 and shocked.any():  # the shock lasts: no exporting meanwhile
        f.export_blocked_until[shocked] = w.month + w.rng.geometric(
            1.0 / ep.shock_months, int(shocked.sum()))
    broken = ((w.rng.random(rows.size) < hazard) | (rel.trust_fp[rows] < half)
              | (rel.trust_pf[rows] < half) | shocked[firm])
    ended = rows[broken]
    rel.tie[ended] = False
    rel.trust_fp[ended] *= ep.break_trust_retained  # an ended tie is a disappointment
    rel.trust_pf[ended] *= ep.break_trust_retained
    update_export_spells(w)


def update_export_spells(w: World) -> None:
    """Month each firm's current export spell began (``NEVER`` while it does not export)."""
    f = w.firms
    exporting = w.relations.ties_per_firm(f.n) > 0
    f.export_spell_start = np.where(
        exporting, np.where(f.export_spell_start == NEVER, w.month, f.export_spell_start),
        NEVER)


def _first_k_per_group(groups: np.ndarray, k: int) -> np.ndarray:
    """Positions of the first ``k`` occurrences of each value in ``groups`` (order kept)."""
    if groups.size == 0:
        return np.zeros(0, np.int64)
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    rank = np.arange(groups.size) - np.repeat(starts, np.diff(np.r_[starts, groups.size]))
    return np.sort(order[rank < k])
