"""Generate the "Parameters" table of docs/ODD.md from the scenario schema, so it cannot drift.

The table lists every field a scenario file may set: its path, default, allowed range, meaning
(the field's docstring in ``clustersim/scenario/schema.py``, or a short text kept here where the
schema has none) and grounding (a seed statement, a paper, or **assumption**; kept here, in
``GROUNDING``). Fields whose default is a dictionary of sub-models (firm-kind profiles, service
costs) are shown as a second, compact table with one row per key.

Usage::

    python docs/gen_parameter_table.py            # print the block
    python docs/gen_parameter_table.py --write    # rewrite the block in docs/ODD.md in place
    python docs/gen_parameter_table.py --check    # exit 1 if docs/ODD.md is stale

The block sits between ``<!-- PARAMETERS:BEGIN -->`` and ``<!-- PARAMETERS:END -->``. Fields that
have no entry in ``GROUNDING`` (e.g. new ones) are reported on stderr and marked "not documented".
"""

from __future__ import annotations

import argparse
import ast
import enum
import inspect
import itertools
import re
import sys
import textwrap
import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from clustersim.scenario import schema
from clustersim.scenario.schema import Scenario

ODD = Path(__file__).resolve().parent / "ODD.md"
BEGIN = "<!-- PARAMETERS:BEGIN -->"
END = "<!-- PARAMETERS:END -->"
ASSUMPTION = "**assumption**"

# Meanings for fields whose schema docstring is missing (the schema's docstring wins otherwise).
MEANING: dict[str, str] = {
    "name": "scenario name",
    "description": "free text",
    "seed": "seed of the run's single random generator (SeedSequence)",
    "steps": "months simulated",
    "partners_per_firm": "foreign partners created per firm (all markets together)",
    "clusters[].name": "cluster name (unique)",
    "clusters[].n_firms": "firms (members and potential members) in the cluster",
    "clusters[].firm_mix.micro": "share of micro firms",
    "clusters[].firm_mix.sme": "share of SMEs",
    "clusters[].firm_mix.large": "share of large firms",
    "clusters[].firm_mix.startup": "share of start-ups",
    "clusters[].stage": "life-cycle stage at the start",
    "clusters[].initial_member_share": "share of firms that are members at the start",
    "clusters[].initial_committed_share": "share of initial members that are committed",
    "clusters[].facilitator.role": "facilitator role: priority of its own services",
    "clusters[].facilitator.services": "service portfolio offered",
    "clusters[].facilitator.initial_budget": "cash balance at the start, EUR",
    "markets.<market>.language_barrier": "language barrier of the market",
    "markets.<market>.psychic_distance": "psychic (cultural) distance of the market",
    "policy.funding.allocation": "how the pool is split across eligible clusters",
    "policy.funding.key_clusters": "with `concentrated` allocation: clusters that share the pool",
    "policy.funding.start_month": "`project`: month the project funding starts",
    "policy.funding.voucher_eligible_kinds": "`vouchers`: firm kinds that receive vouchers",
    "parameters.trust.gain_rate": "λ⁺: trust gain rate of a good contact",
    "parameters.trust.loss_rate": "λ⁻: trust loss rate of a bad contact",
    "parameters.trust.in_person_strength": "strength of an in-person contact",
    "parameters.trust.remote_strength": "strength of a remote (e-mail, phone) contact",
    "parameters.trust.decay_per_month": "share of trust lost per month without contact",
    "parameters.trust.bad_experience_prob": "chance a contact is a bad experience",
    "parameters.trust.initial_peer_trust": "mean trust between peers at the start",
    "parameters.trust.initial_facilitator_trust": "mean member trust in the facilitator at start",
    "parameters.coordination.exponent": "γ: exponent of the coordination load (> 1: convex)",
    "parameters.network.peers_per_firm": "peer links per firm (about; half drawn by each end)",
    "parameters.network.referral_trust_threshold": "trust in the referrer needed to act on it",
    "parameters.network.knowledge_sharing": "share of the experience gap passed on when two peers "
                                            "cooperate",
    "parameters.opportunities.open_prob_per_month": "chance a partner without a need opens one",
    "parameters.opportunities.window_months": "months a need stays open",
    "parameters.export.tie_trust_threshold": "trust both ways needed for an export tie",
    "parameters.export.base_match_prob": "monthly chance a feasible match becomes a tie (× "
                                         "motivation × responsiveness)",
    "parameters.export.follow_up_min_trust": "firm's trust in a partner that triggers follow-ups",
    "parameters.membership.satisfaction_memory": "weight of last month's satisfaction",
    "parameters.membership.exit_threshold": "satisfaction below which members may leave",
    "parameters.membership.exit_prob": "monthly chance a dissatisfied member leaves",
    "parameters.membership.join_threshold": "members' mean satisfaction that attracts non-members",
    "parameters.membership.join_prob": "monthly chance a non-member joins an attractive cluster",
    "parameters.membership.commitment_threshold": "satisfaction needed to count as committed",
    "parameters.membership.initial_satisfaction": "satisfaction at start and on joining",
    "parameters.membership.benefit_event": "benefit of taking part in an event",
    "parameters.membership.benefit_new_contact": "benefit of a new foreign contact",
    "parameters.membership.benefit_new_tie": "benefit of a new export tie",
    "parameters.membership.benefit_visit": "benefit of a personal visit",
    "parameters.membership.benefit_cooperation": "benefit of a mutual cooperation with a peer",
    "parameters.lifecycle.months_to_growth": "age at which an embryonic cluster enters growth",
    "parameters.firm_kinds.<kind>": "trait means of each firm kind (table below)",
    "parameters.facilitation.services.<service>": "cost and reach of each service (table below)",
    "output.agent_tables": "also record a per-month firm table",
    # fields of the per-key tables (firm kinds, services)
    "capability": "productivity: what the firm can supply",
    "language_skill": "foreign-language ability",
    "export_motivation": "wish to export",
    "staff_days": "staff days one event takes",
    "in_person": "whether the event is a personal meeting",
}

# Where each field comes from: seed (file 000-004 in shared/seeds), paper, or assumption.
GROUNDING: dict[str, str] = {
    "name": "—",
    "description": "—",
    "seed": "— (reproducibility)",
    "steps": "— (one step = one month)",
    "partners_per_firm": ASSUMPTION,
    "clusters[].name": "—",
    "clusters[].count": "seed 000 (PARP 2015: 5 embryonic, 58 growth, 1 mature clusters)",
    "clusters[].n_firms": "seed 000 (Metalika: 45 members); seed 003 (two thirds < 40)",
    "clusters[].firm_mix.micro": f"seed 002 (kinds); shares {ASSUMPTION}",
    "clusters[].firm_mix.sme": f"seed 002 (kinds); shares {ASSUMPTION}",
    "clusters[].firm_mix.large": f"seed 002 (kinds); shares {ASSUMPTION}",
    "clusters[].firm_mix.startup": f"seed 002 (kinds); shares {ASSUMPTION}",
    "clusters[].regions": "seed 000 (regional programmes exclude multi-region clusters)",
    "clusters[].stage": "seed 000 (PARP life-cycle stages)",
    "clusters[].age_months": "seed 003 (at least four years to mature)",
    "clusters[].initial_member_share": ASSUMPTION,
    "clusters[].initial_committed_share": f"seed 003 (ESCA: ≥ 80% committed); value {ASSUMPTION}",
    "clusters[].initial_exporter_share": "EIM (2010); Flash Eurobarometer 421 (2015)",
    "clusters[].agreements": "seed 000 (Metalika's memorandum with the Brandenburg cluster)",
    "clusters[].networked_with": "seed 002 (networking the cluster managers)",
    "clusters[].facilitator.role": "seed 000 (roles after Ingstrup & Damgaard)",
    "clusters[].facilitator.staff": "seed 003 (gold label 10–12; ISIM 2)",
    "clusters[].facilitator.staff_days_per_month": ASSUMPTION,
    "clusters[].facilitator.monthly_cost_per_staff": ASSUMPTION,
    "clusters[].facilitator.manager_skill": "seed 002 (key persons' professionalism)",
    "clusters[].facilitator.services": "seed 000 (PARP standards); seed 003 (portfolios)",
    "clusters[].facilitator.membership_fee": "seed 003 (Hamburg: membership 3–4% of budget)",
    "clusters[].facilitator.service_fee_share": ASSUMPTION,
    "clusters[].facilitator.initial_budget": ASSUMPTION,
    "clusters[].facilitator.eu_project_income": "seed 003 (Hamburg: EU projects ~20%)",
    "clusters[].facilitator.eu_project_months": "seed 004 (project funding ends, project stops)",
    "clusters[].facilitator.survey_interval_months": "seed 003 (surveys at least bi-annually)",
    "markets.<market>.language_barrier": "seed 000 (language barriers); seed 001",
    "markets.<market>.psychic_distance": "seed 000 (distance, culture); Johanson & Vahlne 1977",
    "markets.<market>.size": f"data; {ASSUMPTION} in shipped scenarios",
    "markets.<market>.partner_cluster": "seed 000 (memorandum); validation only",
    "policy.funding.scheme": f"seeds 000, 003, 004; voucher/performance rules {ASSUMPTION}",
    "policy.funding.annual_budget": "seed 000 (activity limited by low public financing)",
    "policy.funding.allocation": f"seed 000 (Key National Clusters); `competitive` {ASSUMPTION}",
    "policy.funding.key_clusters": "seed 000 (Key National Clusters)",
    "policy.funding.max_regions": "seed 000 (regional programmes, one voivodship)",
    "policy.funding.match_ratio": f"seed 003 (> 20% private); form {ASSUMPTION}",
    "policy.funding.start_month": "seed 004",
    "policy.funding.duration_months": "seed 004",
    "policy.funding.performance_base_share": ASSUMPTION,
    "policy.funding.performance_target": ASSUMPTION,
    "policy.funding.voucher_eligible_kinds": f"seeds 000, 002 (SMEs lack resources); {ASSUMPTION}",
    "policy.translation_support": "seed 000 (specialised translation on joint trips)",
    "policy.coordination_cost": "seed 000 (coordination costs)",
    "parameters.trust.gain_rate": "Pant & Yu 2025 (preprint; λ⁺ = 0.10)",
    "parameters.trust.loss_rate": "Pant & Yu 2025 (preprint; λ⁻ = 0.30)",
    "parameters.trust.in_person_strength": f"seed 001 (personal meeting); size {ASSUMPTION}",
    "parameters.trust.remote_strength": f"seed 001 (not just an e-mail); size {ASSUMPTION}",
    "parameters.trust.decay_per_month": ASSUMPTION,
    "parameters.trust.bad_experience_prob": ASSUMPTION,
    "parameters.trust.initial_peer_trust": ASSUMPTION,
    "parameters.trust.initial_facilitator_trust": ASSUMPTION,
    "parameters.trust.initial_partner_trust": ASSUMPTION,
    "parameters.trust.reputation_spillover": f"seed 000 (networks, credibility); {ASSUMPTION}",
    "parameters.trust.forget_below": f"{ASSUMPTION} (memory bound)",
    "parameters.language.translation_effect": f"seed 000 (translation); size {ASSUMPTION}",
    "parameters.language.distance_weight": f"seed 000; Johanson & Vahlne 1977; {ASSUMPTION}",
    "parameters.coordination.exponent": f"seed 000 (coordination costs); form {ASSUMPTION}",
    "parameters.coordination.firm_cost_per_tie": f"seed 000; size {ASSUMPTION}",
    "parameters.coordination.facilitator_days_per_relation": f"seed 000; size {ASSUMPTION}",
    "parameters.coordination.responsiveness_halving": f"seed 000 (respond quickly); {ASSUMPTION}",
    "parameters.network.peers_per_firm": ASSUMPTION,
    "parameters.network.cross_cluster_peer_share": f"seed 002 (met other clusters' firms); "
                                                   f"{ASSUMPTION}",
    "parameters.network.referral_prob": f"seed 000 (networks establish contacts); {ASSUMPTION}",
    "parameters.network.referral_trust_threshold": ASSUMPTION,
    "parameters.network.interaction_prob": f"seed 004 (co-opetition); {ASSUMPTION}",
    "parameters.network.competition_fear": "seed 002 (SMEs worried about competition)",
    "parameters.network.knowledge_sharing": f"seed 000 (forwarding knowledge); {ASSUMPTION}",
    "parameters.network.cooperation_propensity": ASSUMPTION,
    "parameters.opportunities.open_prob_per_month": ASSUMPTION,
    "parameters.opportunities.window_months": "seed 002 (a tiny time window of few months)",
    "parameters.export.tie_trust_threshold": f"seeds 001, 004 (trust first); {ASSUMPTION}",
    "parameters.export.base_match_prob": ASSUMPTION,
    "parameters.export.own_search_prob": ASSUMPTION,
    "parameters.export.follow_up_prob": ASSUMPTION,
    "parameters.export.follow_up_min_trust": ASSUMPTION,
    "parameters.export.facilitation_entry_support": f"seeds 000, 002; size {ASSUMPTION}",
    "parameters.export.entry_cost": ASSUMPTION,
    "parameters.export.learning_rate": f"Johanson & Vahlne 1977, 2009; form {ASSUMPTION}",
    "parameters.export.tie_hazard_new": "Eaton, Eslava, Kugler & Tybout 2007 (churn)",
    "parameters.export.tie_hazard_established": "Roberts & Tybout 1997 (recalled)",
    "parameters.export.revenue_per_tie": ASSUMPTION,
    "parameters.export.own_search_in_person": ASSUMPTION,
    "parameters.export.known_market_focus": f"Johanson & Vahlne 1977 (incremental); size "
                                            f"{ASSUMPTION}",
    "parameters.coordination.scale_elasticity": f"seed 000 (coordination costs); form "
                                                f"{ASSUMPTION}",
    "parameters.export.firm_exit_hazard_new": "Eaton et al. 2007 (most new exporters stop); "
                                              "Wagner 2010 (30-40% survive 5 years)",
    "parameters.export.firm_exit_hazard_established": "Roberts & Tybout 1997; Bernard & Jensen "
                                                      "2004 (recalled: persistence 0.85-0.90)",
    "parameters.export.shock_months": ASSUMPTION,
    "parameters.export.young_tie_months": ASSUMPTION,
    "parameters.export.tie_upkeep_prob": f"seed 000 (coordination, responsiveness); "
                                         f"{ASSUMPTION}",
    "parameters.export.break_trust_retained": ASSUMPTION,
    "parameters.export.experience_depreciation": "Bernard & Wagner 2001 (two thirds lost after "
                                                 "a year out)",
    "parameters.export.entry_language_weight": f"seed 000 (language barriers); size {ASSUMPTION}",
    "parameters.export.search_language_weight": f"seed 000, 001 (language); size {ASSUMPTION}",
    "parameters.export.capability_tolerance": ASSUMPTION,
    "parameters.export.max_new_ties_per_month": ASSUMPTION,
    "parameters.export.scale_dispersion": f"Bernard et al. 2007 (concentration); form "
                                          f"{ASSUMPTION}",
    "parameters.export.initial_tie_trust": ASSUMPTION,
    "parameters.export.initial_experience": ASSUMPTION,
    "parameters.membership.passive_counts_as_collaboration": "seed 003 (no passive attendance)",
    "parameters.membership.value_drives_facilitator_trust": f"seed 004 (lack of trust); "
                                                            f"{ASSUMPTION}",
    "parameters.lifecycle.stage_by_state": "seed 000 (PARP stages); seed 003 (four years, 40 "
                                           "participants)",
    "parameters.lifecycle.mature_min_members": "seed 003 (40 participants)",
    "parameters.lifecycle.active_min_staff_share": ASSUMPTION,
    "parameters.lifecycle.regression_per_inactive_month": ASSUMPTION,
    "parameters.facilitation.readiness_selection": "Munch & Schaur 2018; Bernard & Jensen 2004 "
                                                   "(self-selection, deadweight)",
    "parameters.facilitation.max_events_per_month": ASSUMPTION,
    "parameters.facilitation.fee_adaptation": f"seed 004 (mobilise own resources); "
                                              f"{ASSUMPTION}",
    "parameters.facilitation.max_service_fee_share": ASSUMPTION,
    "parameters.facilitation.price_sensitivity": ASSUMPTION,
    "parameters.facilitation.trip_agreement_weight": f"seed 000 (memorandum); {ASSUMPTION}",
    "parameters.facilitation.facilitator_responsiveness_halving": f"seed 000 (respond "
                                                                  f"quickly); {ASSUMPTION}",
    "parameters.traits.trait_concentration": ASSUMPTION,
    "parameters.traits.need_level_min": ASSUMPTION,
    "parameters.traits.need_level_max": ASSUMPTION,
    "parameters.membership.satisfaction_memory": ASSUMPTION,
    "parameters.membership.exit_threshold": f"seed 004 (members lose interest); {ASSUMPTION}",
    "parameters.membership.exit_prob": f"seed 004; {ASSUMPTION}",
    "parameters.membership.join_threshold": ASSUMPTION,
    "parameters.membership.join_prob": ASSUMPTION,
    "parameters.membership.commitment_threshold": f"seed 003 (committed); {ASSUMPTION}",
    "parameters.membership.initial_satisfaction": ASSUMPTION,
    "parameters.membership.neutral_satisfaction": ASSUMPTION,
    "parameters.membership.fee_sensitivity": ASSUMPTION,
    "parameters.membership.benefit_event": f"seed 004 (quick results); {ASSUMPTION}",
    "parameters.membership.benefit_new_contact": ASSUMPTION,
    "parameters.membership.benefit_new_tie": ASSUMPTION,
    "parameters.membership.benefit_visit": f"seed 003 (personal contact); {ASSUMPTION}",
    "parameters.membership.benefit_cooperation": ASSUMPTION,
    "parameters.lifecycle.months_to_growth": ASSUMPTION,
    "parameters.lifecycle.months_to_mature": "seed 003 (at least four years)",
    "parameters.lifecycle.embryonic_matchmaking": f"seed 000 (harder when embryonic); "
                                                  f"{ASSUMPTION}",
    "parameters.facilitation.role_focus": f"seed 000 (roles); {ASSUMPTION}",
    "parameters.facilitation.reserve_months": ASSUMPTION,
    "parameters.facilitation.visits_per_staff": f"seed 003 (personal contact > 40%); "
                                                f"{ASSUMPTION}",
    "parameters.facilitation.manager_effect": f"seed 002 (key persons); {ASSUMPTION}",
    "parameters.facilitation.training_gain": ASSUMPTION,
    "parameters.facilitation.intelligence_gain": ASSUMPTION,
    "parameters.facilitation.services.<service>": f"seeds 000, 003 (services); numbers "
                                                  f"{ASSUMPTION}",
    "parameters.firm_kinds.<kind>": f"seeds 000, 002 (direction); numbers {ASSUMPTION}",
    "output.agent_tables": "— (observation)",
}


# -- reading the schema --------------------------------------------------------------------------
def attribute_docstrings(cls: type) -> dict[str, str]:
    """Docstrings written right below a field in a class body (PEP 257 attribute docstrings)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for prev, node in itertools.pairwise(body):
        if (isinstance(prev, ast.AnnAssign) and isinstance(prev.target, ast.Name)
                and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            docs[prev.target.id] = to_markdown(" ".join(node.value.value.split()))
    return docs


def to_markdown(text: str) -> str:
    """reST inline markup of the schema docstrings as Markdown: ``x`` and :role:`x` become `x`."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _constraints(field: FieldInfo) -> list[object]:
    found = list(field.metadata)
    for arg in typing.get_args(field.annotation):
        if typing.get_origin(arg) is typing.Annotated:
            for meta in typing.get_args(arg)[1:]:
                found.extend(meta.metadata if isinstance(meta, FieldInfo) else [meta])
    return found


def _fmt_number(x: object) -> str:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, float):
        return f"{x:,.0f}" if x >= 1000 and x.is_integer() else f"{x:g}"
    if isinstance(x, int) and x >= 10**6:
        return f"2^{x.bit_length()} − 1" if (x + 1) & x == 0 else f"{x:,}"
    return str(x)


def _enum_of(annotation: object) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    for arg in typing.get_args(annotation):
        found = _enum_of(arg)
        if found is not None:
            return found
    return None


def _is_optional(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    return (origin is typing.Union or origin is types.UnionType) and type(None) in typing.get_args(
        annotation)


def value_range(field: FieldInfo) -> str:
    """Allowed values, from the field's type and its ge/gt/le/lt constraints."""
    low = high = None
    low_open = high_open = False
    min_len = None
    for c in _constraints(field):
        if hasattr(c, "ge"):
            low = c.ge
        elif hasattr(c, "gt"):
            low, low_open = c.gt, True
        if hasattr(c, "le"):
            high = c.le
        elif hasattr(c, "lt"):
            high, high_open = c.lt, True
        if hasattr(c, "min_length"):
            min_len = c.min_length
    annotation = field.annotation
    enum_cls = _enum_of(annotation)
    origin = typing.get_origin(annotation)
    if origin is list and enum_cls is not None:
        text = "subset of " + ", ".join(f"`{e.value}`" for e in enum_cls)
    elif enum_cls is not None:
        text = ", ".join(f"`{e.value}`" for e in enum_cls)
    elif low is not None or high is not None:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        text = f"{left}{_fmt_number(low) if low is not None else '−∞'}, "
        text += f"{_fmt_number(high)}{right}" if high is not None else "∞)"
    elif annotation is bool:
        text = "true, false"
    elif annotation is str or (min_len is not None and origin is None):
        text = "text" if min_len is None else f"text, {min_len}+ chars"
    elif origin in (list, dict):
        text = "list" if origin is list else "mapping"
    else:
        text = "text" if _is_optional(annotation) else "—"
    if annotation is str and min_len is not None:
        text = f"text, {min_len}+ chars"
    if _is_optional(annotation):
        text += ", or null"
    return text


def default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "null"
    if isinstance(value, enum.Enum):
        return f"`{value.value}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '""'
    if isinstance(value, list):
        if len(value) > 4:
            return f"all {len(value)}" if all(isinstance(v, enum.Enum) for v in value) and len(
                value) == len(type(value[0])) else f"{len(value)} items"
        return "[" + ", ".join(str(getattr(v, "value", v)) for v in value) + "]"
    return _fmt_number(value)


def _model_of(annotation: object) -> tuple[str, type[BaseModel] | None]:
    """('', M) for a sub-model field, ('[]', M) for a list of models, ('.<key>', M) for a
    mapping of string keys to models, else ('', None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "", annotation
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return "[]", args[0]
    if (origin is dict and len(args) == 2 and isinstance(args[1], type)
            and issubclass(args[1], BaseModel)):
        return ".<key>", args[1]
    return "", None


# Mappings of a key to a sub-model, and the placeholder written for the key in a path.
KEY_PLACEHOLDER = {"markets": "<market>", "firm_kinds": "<kind>", "services": "<service>"}


def walk(model: type[BaseModel], prefix: str = "") -> list[dict[str, str]]:
    """One row per leaf field; mappings with a default dict become a single summary row."""
    rows: list[dict[str, str]] = []
    docs = attribute_docstrings(model)
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        kind, sub = _model_of(field.annotation)
        if sub is not None and kind == ".<key>":
            path = f"{path}.{KEY_PLACEHOLDER.get(name, '<key>')}"
            if field.is_required():  # markets: user-supplied keys, document the sub-fields
                rows.extend(walk(sub, path + "."))
            else:  # a default mapping (firm kinds, services): summarised in its own table
                rows.append(row(path, field, docs.get(name), default="see table below",
                                allowed=f"any subset of keys; fields of `{sub.__name__}`"))
            continue
        if sub is not None:
            rows.extend(walk(sub, f"{path}{kind}."))
            continue
        rows.append(row(path, field, docs.get(name)))
    return rows


def row(path: str, field: FieldInfo, doc: str | None, default: str | None = None,
        allowed: str | None = None) -> dict[str, str]:
    if path == "policy.funding.scheme":  # validated against the registry, not an enum
        from clustersim.policy import SCHEMES

        allowed = "registered: " + ", ".join(f"`{name}`" for name in SCHEMES)
    return {
        "path": path,
        "default": default if default is not None else default_text(field),
        "range": allowed if allowed is not None else value_range(field),
        "meaning": doc or MEANING.get(path, "not documented"),
        "grounding": GROUNDING.get(path, "not documented"),
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def dict_table(title: str, model: type[BaseModel], defaults: dict) -> list[str]:
    names = list(model.model_fields)
    docs = attribute_docstrings(model)
    lines = [title, "", "| key | " + " | ".join(f"`{n}`" for n in names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for key, value in defaults.items():
        cells = [_fmt_number(getattr(value, n)) for n in names]
        lines.append(f"| `{getattr(key, 'value', key)}` | " + " | ".join(cells) + " |")
    lines.append("")
    for n in names:
        field = model.model_fields[n]
        meaning = docs.get(n) or MEANING.get(n, "")
        bits = [f"range {value_range(field)}"] + ([meaning] if meaning else [])
        lines.append(f"- `{n}`: " + "; ".join(bits))
    return lines


def render() -> str:
    rows = walk(Scenario)
    missing = [r["path"] for r in rows if "not documented" in (r["meaning"] + r["grounding"])]
    if missing:
        print("gen_parameter_table: no meaning or grounding for: " + ", ".join(missing),
              file=sys.stderr)
    lines = [
        "<!-- generated by docs/gen_parameter_table.py from clustersim.scenario.schema.Scenario;"
        " edit the schema or the script, then run it with --write -->",
        "",
        f"{len(rows)} scenario fields. Paths: `clusters[]` is each entry of the `clusters` list,"
        " `markets.<market>` each market. Ranges are those the schema validates.",
        "",
        "| field path | default | range | meaning | grounding |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| `{r['path']}` | {_cell(r['default'])} | {_cell(r['range'])} | "
                     f"{_cell(r['meaning'])} | {_cell(r['grounding'])} |")
    lines.append("")
    lines += dict_table(
        "**`parameters.firm_kinds.<kind>`** (means of the Beta-distributed traits; "
        "`competition_fear` is used as is). Grounding: "
        + GROUNDING["parameters.firm_kinds.<kind>"] + ".",
        schema.KindProfile, schema._default_kind_profiles())
    lines.append("")
    lines += dict_table(
        "**`parameters.facilitation.services.<service>`** (one event of each service). "
        "Grounding: " + GROUNDING["parameters.facilitation.services.<service>"] + ".",
        schema.ServiceParams, schema._default_services())
    return "\n".join(lines) + "\n"


def replace_block(text: str, block: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{ODD}: markers {BEGIN} ... {END} not found")
    return text[: start + len(BEGIN)] + "\n" + block + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the block in docs/ODD.md")
    mode.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is stale")
    args = parser.parse_args(argv)
    block = render()
    if not (args.write or args.check):
        sys.stdout.write(block)
        return 0
    text = ODD.read_text(encoding="utf-8")
    updated = replace_block(text, block)
    if args.check:
        if updated != text:
            print(f"{ODD} parameter table is stale: run python docs/gen_parameter_table.py "
                  "--write", file=sys.stderr)
            return 1
        print(f"{ODD} parameter table is up to date")
        return 0
    if updated != text:
        ODD.write_text(updated, encoding="utf-8")
        print(f"rewrote the parameter table in {ODD}")
    else:
        print(f"{ODD} parameter table already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
