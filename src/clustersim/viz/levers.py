"""The dashboard's levers: what a trainer can change, and how a setting becomes a scenario.

This module knows nothing about Solara: it maps the handful of values the sliders and selectors
produce (funding scheme and level, language barrier, coordination cost, translation support,
facilitator role, number of firms, seed, free ``field=value`` settings) onto dotted scenario
overrides, and lets :func:`clustersim.scenario.scenario_with_overrides` validate the result. Any
value the schema refuses comes back as a :class:`~clustersim.scenario.ScenarioError` whose message
the dashboard shows instead of a stack trace. Keeping it UI-free makes it testable without a
browser and reusable from notebooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from clustersim.limits import check_dashboard_scenario
from clustersim.policy import SCHEMES as REGISTERED_SCHEMES
from clustersim.scenario import Scenario, ScenarioError, scenario_with_overrides
from clustersim.scenario.safe_yaml import YamlInputError, excerpt, parse_yaml
from clustersim.scenario.schema import FacilitatorRole

SCHEMES: tuple[str, ...] = tuple(REGISTERED_SCHEMES)  # built-in and registered before import
ROLES: tuple[str, ...] = tuple(r.value for r in FacilitatorRole)


@dataclass(frozen=True)
class LeverSettings:
    """One setting of the dashboard's main levers (the values its widgets hold).

    ``language_barrier`` is the mean barrier over the scenario's markets: changing it shifts every
    market by the same amount (kept within 0..1), so differences between markets survive.
    ``n_firms`` is the total number of firms: multi-cluster scenarios scale every cluster entry in
    proportion. Scheme and role apply to the whole pool and every facilitator.
    """

    funding_scheme: str
    annual_budget: float
    language_barrier: float
    coordination_cost: float
    translation_support: float
    facilitator_role: str
    n_firms: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def mean_language_barrier(scenario: Scenario) -> float:
    values = [m.language_barrier for m in scenario.markets.values()]
    return sum(values) / len(values)


def settings_of(scenario: Scenario) -> LeverSettings:
    """The lever values a scenario file starts with (what the widgets show at first)."""
    return LeverSettings(
        funding_scheme=str(scenario.policy.funding.scheme),
        annual_budget=float(scenario.policy.funding.annual_budget),
        language_barrier=round(mean_language_barrier(scenario), 2),
        coordination_cost=float(scenario.policy.coordination_cost),
        translation_support=float(scenario.policy.translation_support),
        facilitator_role=scenario.clusters[0].facilitator.role.value,
        n_firms=int(scenario.n_firms),
    )


def lever_overrides(base: Scenario, settings: LeverSettings) -> dict[str, Any]:
    """Dotted overrides that turn ``base`` into a scenario with ``settings``.

    Only levers that differ from the base file are written, so a scenario's own per-cluster
    details (roles, sizes) stay untouched until a trainer moves the lever.
    """
    start = settings_of(base)
    out: dict[str, Any] = {}
    if settings.funding_scheme != start.funding_scheme:
        out["policy.funding.scheme"] = settings.funding_scheme
    if settings.annual_budget != start.annual_budget:
        out["policy.funding.annual_budget"] = settings.annual_budget
    if settings.coordination_cost != start.coordination_cost:
        out["policy.coordination_cost"] = settings.coordination_cost
    if settings.translation_support != start.translation_support:
        out["policy.translation_support"] = settings.translation_support
    if settings.language_barrier != start.language_barrier:
        shift = settings.language_barrier - mean_language_barrier(base)
        for name, market in base.markets.items():
            value = min(1.0, max(0.0, market.language_barrier + shift))
            out[f"markets.{name}.language_barrier"] = round(value, 4)
    if settings.facilitator_role != start.facilitator_role:
        for i in range(len(base.clusters)):
            out[f"clusters.{i}.facilitator.role"] = settings.facilitator_role
    if settings.n_firms != start.n_firms:
        out.update(_firm_count_overrides(base, settings.n_firms))
    return out


def _firm_count_overrides(base: Scenario, total: int) -> dict[str, Any]:
    if len(base.clusters) == 1 and base.clusters[0].count == 1:
        return {"clusters.0.n_firms": int(total)}
    factor = total / base.n_firms
    return {f"clusters.{i}.n_firms": max(2, round(c.n_firms * factor))
            for i, c in enumerate(base.clusters)}


def parse_assignments(text: str) -> dict[str, Any]:
    """``field.path=value`` pairs separated by ``;`` or new lines; values are read as YAML.

    Raises :class:`ScenarioError` with a readable message for anything malformed.
    """
    out: dict[str, Any] = {}
    problems = []
    for raw in text.replace("\n", ";").split(";"):
        item = raw.strip()
        if not item:
            continue
        if "=" not in item:
            problems.append(f"'{item}': write settings as field.path=value")
            continue
        key, value_text = (part.strip() for part in item.split("=", 1))
        if not key:
            problems.append(f"'{item}': the field name is missing")
            continue
        try:
            out[key] = parse_yaml(value_text) if value_text else None
        except YamlInputError as exc:
            problems.append(f"{excerpt(item)}: the value is not a number, word or list ({exc})")
    if problems:
        raise ScenarioError("dashboard settings", problems)
    return out


def parse_seed(text: str | int | None, default: int) -> int:
    """The seed typed into the dashboard; empty means the scenario's own seed."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return default
    try:
        seed = int(str(text).strip())
    except ValueError:
        raise ScenarioError("dashboard settings",
                            [f"seed = {text!r}: must be a whole number >= 0"]) from None
    if seed < 0:
        raise ScenarioError("dashboard settings", [f"seed = {seed}: must be >= 0"])
    return seed


def build_scenario(base: Scenario, settings: LeverSettings, extra: str = "") -> Scenario:
    """``base`` with the levers and free ``field=value`` settings applied, validated.

    Raises :class:`ScenarioError` (a user-facing message) when the schema refuses a value.
    """
    overrides = lever_overrides(base, settings)
    if settings.funding_scheme not in SCHEMES:
        raise ScenarioError("dashboard settings", [
            f"funding scheme = {settings.funding_scheme!r}: choose one of {', '.join(SCHEMES)}"])
    overrides.update(parse_assignments(extra))
    if not overrides:
        return base
    return check_dashboard_scenario(scenario_with_overrides(base, overrides))


# -- side-by-side presets: each changes one lever of the A setting -----------------------------


@dataclass(frozen=True)
class Comparison:
    """A named change from setting A to setting B (one lever, so the class sees its effect)."""

    label: str
    change: Callable[[LeverSettings], tuple[LeverSettings, str]]


def _same(s: LeverSettings) -> tuple[LeverSettings, str]:
    return s, ""


COMPARISONS: dict[str, Comparison] = {
    "off": Comparison("off (one run)", _same),
    "no funding": Comparison("B: no public funding",
                             lambda s: (replace(s, funding_scheme="none"), "")),
    "project stops after 2 years": Comparison(
        "B: project funding that stops after 24 months",
        lambda s: (replace(s, funding_scheme="project"),
                   "policy.funding.start_month=0; policy.funding.duration_months=24")),
    "double budget": Comparison("B: twice the annual budget",
                                lambda s: (replace(s, annual_budget=2 * s.annual_budget), "")),
    "vouchers": Comparison("B: same budget as vouchers for firms",
                           lambda s: (replace(s, funding_scheme="vouchers"), "")),
    "full translation": Comparison("B: full translation support",
                                   lambda s: (replace(s, translation_support=1.0), "")),
    "no translation": Comparison("B: no translation support",
                                 lambda s: (replace(s, translation_support=0.0), "")),
    "higher language barrier": Comparison(
        "B: language barrier +0.3",
        lambda s: (replace(s, language_barrier=round(min(1.0, s.language_barrier + 0.3), 2)), "")),
    "double coordination cost": Comparison(
        "B: coordination cost x2",
        lambda s: (replace(s, coordination_cost=min(10.0, 2 * s.coordination_cost)), "")),
    "project facilitator": Comparison("B: facilitator in the project role",
                                      lambda s: (replace(s, facilitator_role="project"), "")),
    "framework facilitator": Comparison("B: facilitator in the framework role",
                                        lambda s: (replace(s, facilitator_role="framework"), "")),
    "custom": Comparison("B: A plus the 'B settings' below", _same),
}


def comparison_setting(name: str, settings: LeverSettings, extra: str,
                       b_extra: str) -> tuple[LeverSettings, str]:
    """Setting B for comparison ``name``: the changed levers and free settings to apply."""
    if name not in COMPARISONS:
        raise ScenarioError("dashboard settings", [
            f"compare = {name!r}: choose one of {', '.join(COMPARISONS)}"])
    changed, preset_extra = COMPARISONS[name].change(settings)
    parts = [extra, preset_extra, b_extra if name == "custom" else ""]
    return changed, "; ".join(p for p in parts if p.strip())


def describe_difference(a: LeverSettings, b: LeverSettings, b_extra: str,
                        a_extra: str = "") -> str:
    """A short human text of what B changes relative to A."""
    diffs = [f"{k} {v_a} -> {v_b}" for (k, v_a), v_b in zip(a.as_dict().items(),
                                                            b.as_dict().values(), strict=True)
             if v_a != v_b]
    extra_a = parse_assignments(a_extra) if a_extra else {}
    extra_b = parse_assignments(b_extra) if b_extra else {}
    missing = object()
    diffs += [f"{k} = {v}" for k, v in extra_b.items() if extra_a.get(k, missing) != v]
    return "; ".join(diffs) or "nothing (same as A)"


def lever_ranges(start: LeverSettings) -> Mapping[str, tuple[float, float, float]]:
    """(min, max, step) of each slider, wide enough for the scenario it starts from.

    Steps are chosen so the scenario's own value lies on the slider's grid: a slider snaps its
    value to the grid, which would otherwise change the setting before anyone touched it.
    """
    budget_max = max(300_000.0, 2 * start.annual_budget)
    budget_step = 5_000.0 if budget_max <= 600_000 else round(budget_max / 100, -3)
    firms_max = max(200, 2 * start.n_firms)
    return {
        "annual_budget": (0.0, budget_max, on_grid(start.annual_budget, budget_step)),
        "language_barrier": (0.0, 1.0, on_grid(start.language_barrier, 0.05)),
        "coordination_cost": (0.0, max(5.0, start.coordination_cost),
                              on_grid(start.coordination_cost, 0.1)),
        "translation_support": (0.0, 1.0, on_grid(start.translation_support, 0.05)),
        "n_firms": (2, firms_max, 1),
    }


def on_grid(value: float, step: float) -> float:
    """``step``, or the first of step/2, /5, /10, ... that has ``value`` on its grid."""
    for divisor in (1, 2, 5, 10, 20, 50, 100, 1000, 10_000):
        candidate = step / divisor
        ratio = value / candidate
        if abs(ratio - round(ratio)) < 1e-6:
            return candidate
    return step / 10_000
