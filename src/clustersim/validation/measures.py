"""Measurement functions of the validation patterns: pure functions of observations.

Each measure takes ``runs``, a mapping from variant name to the list of replications'
:class:`~clustersim.validation.observe.Observation` (``"base"`` is the pattern's scenario as
is; the other names are the pattern's ``variants``, all run with the same replication seeds), and
returns one number per replication, so that means and intervals come from replications. Keyword
parameters come from the pattern's ``params``.

Shared definitions (docs/validation.md):

- a firm *exports in year y* if it held at least one export tie in some month of year y
  (months 12(y-1)+1..12y); a 120-month run has years 1..10;
- rates pooled over years and firms are ratios of pooled counts (not means of yearly rates);
- "the last n years" of a 120-month run are years 11-n..10 (e.g. the last 5 = years 6-10).

A measure that cannot be computed for a replication (no exporters, too few points) returns NaN
for it; the suite reports how many replications were undefined.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from clustersim.validation.observe import Observation

Runs = Mapping[str, Sequence[Observation]]
BASE = "base"


@dataclass(frozen=True)
class Measure:
    """A registered measurement: the function, the variants it needs besides ``base`` and an
    optional function returning figure data (small lists, JSON-able) for the report."""

    name: str
    fn: Callable[..., np.ndarray]
    variants: tuple[str, ...] = ()
    uses_base: bool = True
    detail: Callable[..., dict[str, Any]] | None = None
    ratio_of_means: bool = False
    """The function returns (numerator, denominator) per replication, shape (R, 2); the
    pattern's value is mean(numerator) / mean(denominator), with a bootstrap interval. For
    ratios whose per-replication denominator can come near zero."""

    def parameters(self) -> set[str]:
        """Names of the keyword parameters a pattern may set in ``params``."""
        sig = inspect.signature(self.fn)
        return {name for name, p in list(sig.parameters.items())[1:]
                if p.kind is inspect.Parameter.KEYWORD_ONLY}

    def needed(self) -> tuple[str, ...]:
        """The variant names whose runs this measure reads (``base`` = scenario as is)."""
        return ((BASE,) if self.uses_base else ()) + self.variants

    def __call__(self, runs: Runs, **params: Any) -> np.ndarray:
        return np.asarray(self.fn(runs, **params), float)


MEASURES: dict[str, Measure] = {}


def measure(*, variants: tuple[str, ...] = (), uses_base: bool = True,
            detail: Callable[..., dict[str, Any]] | None = None, ratio_of_means: bool = False):
    """Register a measurement function under its own name."""

    def register(fn: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        MEASURES[fn.__name__] = Measure(fn.__name__, fn, variants, uses_base, detail,
                                        ratio_of_means)
        return fn

    return register


# -- helpers -----------------------------------------------------------------------------------
def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den > 0 else float("nan")


def _per_replication(observations: Sequence[Observation],
                     fn: Callable[[Observation], float]) -> np.ndarray:
    return np.array([fn(obs) for obs in observations], float)


def _paired(runs: Runs, a: str, b: str,
            fn: Callable[[Observation, Observation], float]) -> np.ndarray:
    """``fn`` on replication r of variant ``a`` and replication r of ``b`` (same seed)."""
    if len(runs[a]) != len(runs[b]):
        raise ValueError(f"variants '{a}' and '{b}' have different numbers of replications")
    return np.array([fn(x, y) for x, y in zip(runs[a], runs[b], strict=True)], float)


def last_year_months(obs: Observation) -> slice:
    """Row slice of the months of the last complete year."""
    end = 12 * obs.n_years
    return slice(end - 11, end + 1)


def last_years_months(obs: Observation, years: int) -> slice:
    """Row slice of the months of the last ``years`` complete years."""
    end = 12 * obs.n_years
    return slice(max(end - 12 * years, 0) + 1, end + 1)


def export_share_last_years(obs: Observation, years: int, mask: np.ndarray | None = None) -> float:
    """Mean over the last ``years`` years of the share of (masked) firms exporting that year."""
    exported = obs.exported()[-years:]
    if mask is not None:
        exported = exported[:, mask]
    if exported.size == 0:
        return float("nan")
    return float(exported.mean())


def export_revenue_last_years(obs: Observation, years: int) -> float:
    """Export revenue of all firms summed over the months of the last ``years`` years, EUR."""
    return float(obs.firms["revenue"][last_years_months(obs, years)].sum())


def kpi_mean_last_years(obs: Observation, name: str, years: int) -> float:
    return float(np.nanmean(obs.kpi(name)[last_years_months(obs, years)]))


# -- export dynamics ---------------------------------------------------------------------------
def exported_after_burn_in(obs: Observation, burn_in_years: int) -> np.ndarray:
    """(years, firms) export status without the first ``burn_in_years`` years: the exporters
    of the first year are set by the scenario's initial state, not by the dynamics, and their
    decay toward the steady state would bias year-on-year transitions."""
    if burn_in_years < 0:
        raise ValueError(f"burn_in_years = {burn_in_years}; allowed: 0 or more")
    return obs.exported()[burn_in_years:]


def persistence(obs: Observation, burn_in_years: int = 0) -> float:
    e = exported_after_burn_in(obs, burn_in_years)
    return _ratio((e[:-1] & e[1:]).sum(), e[:-1].sum())


def entry_persistence(obs: Observation, burn_in_years: int = 0) -> float:
    """P(export y+1 | not export y), pooled."""
    e = exported_after_burn_in(obs, burn_in_years)
    return _ratio((~e[:-1] & e[1:]).sum(), (~e[:-1]).sum())


@measure()
def persistence_overall(runs: Runs, *, burn_in_years: int = 0) -> np.ndarray:
    """P(export in y+1 | export in y), pooled over years (after the burn-in) and firms."""
    return _per_replication(runs[BASE], lambda o: persistence(o, burn_in_years))


@measure()
def persistence_established(runs: Runs, *, history_years: int = 3,
                            burn_in_years: int = 0) -> np.ndarray:
    """P(export in y+1 | exported in each of the ``history_years`` years up to y)."""

    def one(obs: Observation) -> float:
        e = exported_after_burn_in(obs, burn_in_years)
        num = den = 0
        for i in range(history_years - 1, e.shape[0] - 1):
            established = e[i - history_years + 1: i + 1].all(axis=0)
            num += int((established & e[i + 1]).sum())
            den += int(established.sum())
        return _ratio(num, den)

    return _per_replication(runs[BASE], one)


@measure()
def persistence_premium(runs: Runs, *, burn_in_years: int = 0) -> np.ndarray:
    """P(export y+1 | export y) - P(export y+1 | not export y) (Bernard & Wagner 2001)."""
    return _per_replication(runs[BASE], lambda o: (persistence(o, burn_in_years)
                                                   - entry_persistence(o, burn_in_years)))


def survival_counts(obs: Observation, horizon: int,
                    burn_in_years: int = 0) -> tuple[np.ndarray, int]:
    """Entrants (not y-1, yes y, run year y >= burn_in_years + 2, y + horizon - 1 <= last year)
    and how many of them exported in every year y..y+s, for s = 0..horizon-1."""
    e = exported_after_burn_in(obs, burn_in_years)
    survivors = np.zeros(horizon, np.int64)
    entrants = 0
    for i in range(1, e.shape[0] - horizon + 1):
        entering = ~e[i - 1] & e[i]
        entrants += int(entering.sum())
        alive = entering.copy()
        for s in range(horizon):
            alive &= e[i + s]
            survivors[s] += int(alive.sum())
    return survivors, entrants


def _survival_detail(runs: Runs, *, horizon: int = 5, burn_in_years: int = 0) -> dict[str, Any]:
    curves = []
    for obs in runs[BASE]:
        survivors, entrants = survival_counts(obs, horizon, burn_in_years)
        curves.append([_ratio(s, entrants) for s in survivors])
    return {"figure": "survival", "years_since_entry": list(range(horizon)),
            "share_by_replication": curves}


@measure(detail=_survival_detail)
def entrant_survival_5y(runs: Runs, *, horizon: int = 5, burn_in_years: int = 0) -> np.ndarray:
    """Among new exporters, the share exporting in every year y..y+horizon-1 (Wagner 2010)."""

    def one(obs: Observation) -> float:
        survivors, entrants = survival_counts(obs, horizon, burn_in_years)
        return _ratio(survivors[-1], entrants)

    return _per_replication(runs[BASE], one)


@measure()
def entry_churn(runs: Runs, *, burn_in_years: int = 0) -> np.ndarray:
    """Share of year-y exporters that did not export in y-1 (y >= 2 after the burn-in),
    pooled."""

    def one(obs: Observation) -> float:
        e = exported_after_burn_in(obs, burn_in_years)
        return _ratio((e[1:] & ~e[:-1]).sum(), e[1:].sum())

    return _per_replication(runs[BASE], one)


# -- markets and concentration -------------------------------------------------------------------
@measure()
def one_market_share(runs: Runs) -> np.ndarray:
    """Share of exporters serving exactly one market, mean over the months of the last year."""

    def one(obs: Observation) -> float:
        markets = obs.firms["markets"][last_year_months(obs)]
        shares = [_ratio((row == 1).sum(), (row >= 1).sum()) for row in markets]
        return float(np.nanmean(shares)) if np.isfinite(shares).any() else float("nan")

    return _per_replication(runs[BASE], one)


def tail_counts(obs: Observation) -> np.ndarray:
    """N(>= k) for k = 1..max, pooled over the last year's firm-months with >= 1 market."""
    markets = obs.firms["markets"][last_year_months(obs)].ravel()
    markets = markets[markets >= 1]
    if markets.size == 0:
        return np.zeros(0, np.int64)
    counts = np.bincount(markets)  # counts[k] = firm-months with exactly k markets
    return counts[::-1].cumsum()[::-1][1:]  # index 0 -> k = 1


def tail_slope(n_at_least: np.ndarray, min_count: int = 5, min_points: int = 3) -> float:
    """OLS slope of log N(>=k) on log k over k = 1.. while N(>=k) >= ``min_count``; NaN with
    fewer than ``min_points`` points."""
    below = np.flatnonzero(n_at_least < min_count)
    usable = n_at_least[: below[0]] if below.size else n_at_least
    if usable.size < min_points:
        return float("nan")
    k = np.arange(1, usable.size + 1)
    return float(np.polyfit(np.log(k), np.log(usable), 1)[0])


def _tail_detail(runs: Runs, *, min_count: int = 5, min_points: int = 3) -> dict[str, Any]:
    return {"figure": "tail", "reference_slope": -2.5, "min_count": min_count,
            "n_at_least_by_replication": [tail_counts(o).tolist() for o in runs[BASE]]}


@measure(detail=_tail_detail)
def markets_tail_elasticity(runs: Runs, *, min_count: int = 5, min_points: int = 3) -> np.ndarray:
    """Slope of log N(>= k markets) on log k (Eaton, Kortum & Kramarz 2004: about -2.5)."""
    return _per_replication(runs[BASE],
                            lambda o: tail_slope(tail_counts(o), min_count, min_points))


@measure()
def export_concentration_top10(runs: Runs, *, top_share: float = 0.1) -> np.ndarray:
    """Share of the last year's export revenue earned by the top ``top_share`` of exporters
    (ceil(top_share x exporters) firms, ranked by that revenue)."""

    def one(obs: Observation) -> float:
        revenue = obs.firms["revenue"][last_year_months(obs)].sum(axis=0)
        revenue = np.sort(revenue[revenue > 0])[::-1]
        if revenue.size == 0:
            return float("nan")
        top = math.ceil(top_share * revenue.size)
        return float(revenue[:top].sum() / revenue.sum())

    return _per_replication(runs[BASE], one)


@measure()
def metalika_reach(runs: Runs, *, min_markets: int = 4) -> np.ndarray:
    """1 if some firm serves >= ``min_markets`` markets in a month of the last year, else 0."""
    return _per_replication(
        runs[BASE],
        lambda o: float(o.firms["markets"][last_year_months(o)].max(initial=0) >= min_markets))


# -- funding -------------------------------------------------------------------------------------
@measure(variants=("unfunded",), uses_base=False)
def sme_participation_unsupported(runs: Runs, *, years: int = 5) -> np.ndarray:
    """Export share of micro firms, SMEs and start-ups over the last ``years`` years without
    public funding."""
    return _per_replication(runs["unfunded"],
                            lambda o: export_share_last_years(o, years, o.small_firms()))


def _dose_detail(runs: Runs, *, years: int = 5, outcome: str = "revenue",
                 **_: Any) -> dict[str, Any]:
    """The dose-response figure: mean exports (the measured ``outcome``) and export share by
    budget."""
    points = []
    for name, observations in runs.items():
        budget = observations[0].meta["annual_budget"]
        points.append({
            "variant": name, "budget": budget,
            "exports": [_exports(o, years, outcome, "dose figure") for o in observations],
            "export_share": [export_share_last_years(o, years) for o in observations],
        })
    points.sort(key=lambda p: p["budget"])
    return {"figure": "dose", "years": years, "outcome": outcome, "points": points}


@measure(variants=("unfunded", "funded_high"), uses_base=False, detail=_dose_detail)
def funding_participation_effect(runs: Runs, *, years: int = 5) -> np.ndarray:
    """Export share (all firms, last ``years`` years) at a high budget minus at zero budget."""
    return _paired(runs, "funded_high", "unfunded",
                   lambda hi, lo: export_share_last_years(hi, years)
                   - export_share_last_years(lo, years))


def arc_elasticity(r1: float, r2: float, b1: float, b2: float) -> float:
    """(dR / mean R) / (dB / mean B) between two points (midpoint arc elasticity)."""
    if r1 + r2 <= 0 or b1 + b2 <= 0 or b1 == b2:
        return float("nan")
    return ((r2 - r1) / ((r1 + r2) / 2)) / ((b2 - b1) / ((b1 + b2) / 2))


@measure(variants=("budget_low", "budget_high"), uses_base=False, detail=_dose_detail,
         ratio_of_means=True)
def funding_value_elasticity(runs: Runs, *, years: int = 5,
                             outcome: str = "revenue") -> np.ndarray:
    """Arc elasticity of exports (last ``years`` years) w.r.t. the annual budget between the
    variants ``budget_low`` and ``budget_high``, of the mean over replications: the elasticity
    the literature estimates is that of expected exports, and a per-replication elasticity
    divides by one run's noise. Exports are revenue or the mean number of export ties
    (``outcome``, as in :func:`funding_diminishing_returns`).

    Returns per replication (numerator, denominator) of (dR / (R1 + R2)) * ((B1 + B2) / dB), so
    that the ratio of their means is the arc elasticity of the mean exports."""

    def components(lo: Observation, hi: Observation) -> tuple[float, float]:
        b1, b2 = lo.meta["annual_budget"], hi.meta["annual_budget"]
        if b2 <= b1:
            raise ValueError("funding_value_elasticity: 'budget_high' needs a larger "
                             "annual_budget than 'budget_low'")
        r1 = _exports(lo, years, outcome, "funding_value_elasticity")
        r2 = _exports(hi, years, outcome, "funding_value_elasticity")
        return (r2 - r1) * (b1 + b2) / (b2 - b1), r1 + r2

    pairs = [components(lo, hi) for lo, hi in zip(runs["budget_low"], runs["budget_high"],
                                                  strict=True)]
    return np.array(pairs, float).reshape(-1, 2)


def _exports(obs: Observation, years: int, outcome: str, measure: str) -> float:
    """Exports over the last ``years`` years: summed revenue or the mean number of ties."""
    if outcome == "ties":
        return kpi_mean_last_years(obs, "export_ties", years)
    if outcome == "revenue":
        return export_revenue_last_years(obs, years)
    raise ValueError(f"{measure}: outcome = {outcome!r}; allowed: 'revenue', 'ties'")


@measure(variants=("low_from", "low_to", "high_from", "high_to"), uses_base=False,
         detail=_dose_detail, ratio_of_means=True)
def funding_diminishing_returns(runs: Runs, *, years: int = 5,
                                outcome: str = "revenue") -> np.ndarray:
    """Extra exports per extra EUR of budget on the low step (``low_from`` -> ``low_to``)
    divided by that on the high step (``high_from`` -> ``high_to``); > 1 means concave.
    Exports are the revenue summed over the last ``years`` years (``outcome: revenue``) or the
    mean number of export ties over them (``outcome: ties``, far less noisy in a small cluster
    whose revenue a few large firms dominate).

    Returns (low slope, high slope) per replication: the pattern value is the ratio of the mean
    slopes, because a per-replication ratio explodes when the high step's gain is near zero."""

    def slope(a: Observation, b: Observation) -> float:
        db = b.meta["annual_budget"] - a.meta["annual_budget"]
        if db <= 0:
            raise ValueError("funding_diminishing_returns: each step's 'to' variant needs a "
                             "larger annual_budget than its 'from' variant")
        return (_exports(b, years, outcome, "funding_diminishing_returns")
                - _exports(a, years, outcome, "funding_diminishing_returns")) / db

    values = []
    for r in range(len(runs["low_from"])):
        low = slope(runs["low_from"][r], runs["low_to"][r])
        high = slope(runs["high_from"][r], runs["high_to"][r])
        values.append((low, high))
    return np.array(values, float).reshape(-1, 2)


def funding_end_month(obs: Observation) -> int:
    """Last funded month of a fixed-term scheme (funding runs in months start+1..start+duration).
    """
    return int(obs.meta["funding_start_month"] + obs.meta["funding_duration_months"])


def _cliff_detail(runs: Runs, *, window: int = 12, kpi: str = "new_ties") -> dict[str, Any]:
    observations = runs[BASE]
    series = {name: np.mean([o.kpi(name) for o in observations], axis=0).tolist()
              for name in ("export_share", "new_ties", "events") if name in observations[0].kpis}
    return {"figure": "paths", "marker": funding_end_month(observations[0]),
            "marker_label": "funding ends", "series": series}


@measure(detail=_cliff_detail)
def funding_cliff(runs: Runs, *, window: int = 12, kpi: str = "new_ties") -> np.ndarray:
    """A monthly KPI (new ties by default, or events) summed over the ``window`` months after
    fixed-term funding ends / over the ``window`` months before (the end month read from the
    scenario's start_month + duration_months)."""

    def one(obs: Observation) -> float:
        end = funding_end_month(obs)
        if end - window + 1 < 1 or end + window > obs.months:
            raise ValueError(f"funding_cliff: funding ends in month {end}; the {window} months "
                             f"before and after must lie within months 1..{obs.months}")
        series = obs.kpi(kpi)
        return _ratio(series[end + 1: end + window + 1].sum(), series[end - window + 1:
                                                                      end + 1].sum())

    return _per_replication(runs[BASE], one)


@measure(variants=("continued",), detail=_cliff_detail)
def funding_cliff_counterfactual(runs: Runs, *, window: int = 24,
                                 kpi: str = "new_ties") -> np.ndarray:
    """A monthly KPI (new ties by default) summed over the ``window`` months after fixed-term
    funding ends, divided by the same sum in the variant ``continued`` where the funding goes on
    (same seeds): what stopping the money costs against not stopping it."""

    def after(obs: Observation, end: int) -> float:
        if end + window > obs.months:
            raise ValueError(f"funding_cliff_counterfactual: funding ends in month {end}; the "
                             f"{window} months after must lie within months 1..{obs.months}")
        return float(obs.kpi(kpi)[end + 1: end + window + 1].sum())

    return _paired(runs, BASE, "continued", lambda b, c: _ratio(
        after(b, funding_end_month(b)), after(c, funding_end_month(b))))


# -- membership and ESCA -------------------------------------------------------------------------
def member_share(obs: Observation) -> np.ndarray:
    """Share of firms that are members, per month."""
    return obs.firms["member"].mean(axis=1)


def _members_detail(runs: Runs, *, months: int = 36) -> dict[str, Any]:
    series = {name: np.mean([member_share(o) for o in obs], axis=0).tolist()
              for name, obs in runs.items()}
    return {"figure": "paths", "marker": months, "marker_label": f"month {months}",
            "series": {f"member share ({name})": s for name, s in series.items()}}


@measure(variants=("no_value",), detail=_members_detail)
def members_leave_when_value_falls(runs: Runs, *, months: int = 36) -> np.ndarray:
    """Drop of the member share over ``months`` months when the facilitator offers nothing
    (variant ``no_value``) minus the drop in the scenario as is."""

    def drop(obs: Observation) -> float:
        if months > obs.months:
            raise ValueError(f"members_leave_when_value_falls: months = {months} > run length "
                             f"{obs.months}")
        share = member_share(obs)
        return float(share[0] - share[months])

    return _paired(runs, "no_value", BASE, lambda v, b: drop(v) - drop(b))


@measure()
def esca_unsaturated(runs: Runs, *, years: int = 2) -> np.ndarray:
    """The larger of the ESCA personal-contact and active-collaboration shares, mean over the
    last ``years`` years (both must stay below saturation in a weakly funded cluster)."""
    return _per_replication(runs[BASE], lambda o: max(
        kpi_mean_last_years(o, "esca_personal_contact_share", years),
        kpi_mean_last_years(o, "esca_active_collaboration_share", years)))


@measure()
def esca_committed(runs: Runs, *, years: int = 2) -> np.ndarray:
    """ESCA committed share of members, mean over the last ``years`` years."""
    return _per_replication(runs[BASE],
                            lambda o: kpi_mean_last_years(o, "esca_committed_share", years))


@measure()
def esca_consistent(runs: Runs, *, years: int = 2) -> np.ndarray:
    """Committed share minus the larger of the personal-contact and active-collaboration shares,
    month by month, mean over the last ``years`` years. Committed members are engaged members,
    so the committed share should not exceed the share reached by management or active in
    collaboration; the larger of the two is a lower bound of the share with either (the KPIs do
    not give the union), so this check is conservative."""

    def one(obs: Observation) -> float:
        months = last_years_months(obs, years)
        committed = obs.kpi("esca_committed_share")[months]
        reached = np.maximum(obs.kpi("esca_personal_contact_share")[months],
                             obs.kpi("esca_active_collaboration_share")[months])
        return float(np.nanmean(committed - reached))

    return _per_replication(runs[BASE], one)


# -- contact channels and coordination -----------------------------------------------------------
@measure(variants=("in_person", "remote"), uses_base=False)
def personal_vs_remote(runs: Runs) -> np.ndarray:
    """Export ties formed over the run with every service in person / with every service
    remote (seed 001: trust needs the personal meeting)."""
    return _paired(runs, "in_person", "remote",
                   lambda a, b: _ratio(a.kpi("new_ties_total")[-1], b.kpi("new_ties_total")[-1]))


@measure(variants=("low_cost", "high_cost"), uses_base=False)
def coordination_caps(runs: Runs) -> np.ndarray:
    """Markets per exporter (mean over the last year) at a low coordination cost / at a high one
    (seed 000: coordination costs limit international relationships)."""

    def markets(obs: Observation) -> float:
        return kpi_mean_last_years(obs, "markets_per_exporter", 1)

    return _paired(runs, "low_cost", "high_cost", lambda a, b: _ratio(markets(a), markets(b)))
