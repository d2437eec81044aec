"""ODD §3 step 13, observation: model-level indicators (KPIs), what users compare across
scenarios and policies.

Indicators come from seed 000 (export level, number of markets and partners), seed 003 (ESCA
benchmarking: personal contact, active collaboration, private budget share, commitment,
satisfaction) and policy makers' need for cost-effectiveness (public money per new tie or exporter).
All are computed from the model's arrays in one vectorised pass per step.
"""

from __future__ import annotations

import numpy as np

from clustersim.scenario.schema import FIRM_KINDS
from clustersim.world import World

KPI_DESCRIPTIONS: dict[str, str] = {
    "export_share": "share of firms with at least one export tie (0-1)",
    "export_ties": "number of active firm-partner export ties",
    "new_ties": "export ties formed this month",
    "events": "events (missions, fairs, matchmaking, trainings, ...) facilitators held this month",
    "new_ties_total": "export ties formed since the start",
    "new_exporters": "firms exporting now that did not at the start",
    "markets_per_exporter": "mean number of distinct foreign markets per exporting firm",
    "export_revenue": "export revenue this month, EUR",
    "trust_intra": "mean trust between peer firms inside clusters (0-1)",
    "trust_cross_border": "mean over firms of each firm's best two-way trust with a foreign "
                          "partner, 0 if it knows none (0-1)",
    "trust_known_relations": "mean two-way trust over all known firm-partner relations (0-1)",
    "trust_in_facilitator": "mean member trust in their facilitator (0-1)",
    "cooperation_rate": "share of peer meetings this month where both firms cooperated (0-1)",
    "esca_personal_contact_share": "members with personal contact from management, last 12 months",
    "esca_active_collaboration_share": "members with >= 2 collaboration days, last 12 months",
    "esca_private_budget_share": "private share of facilitator income, last 12 months (0-1)",
    "esca_committed_share": "committed members / members (0-1)",
    "satisfaction": "mean member satisfaction (0-1)",
    "members": "number of paying members",
    "budget_balance": "facilitators' cash balance, EUR",
    "income_public": "cumulative public income of facilitators, EUR",
    "income_fees": "cumulative membership fee income, EUR",
    "income_services": "cumulative service fee income (vouchers included), EUR",
    "income_eu": "cumulative EU project income, EUR",
    "public_spent": "cumulative public money paid out: grants, and vouchers when issued, EUR",
    "public_cost_per_new_tie": "public_spent / export ties formed since start, EUR",
    "public_cost_per_new_exporter": "public_spent / firms exporting now that did not at start, EUR",
    "vouchers_unredeemed": "voucher money held by firms and not yet spent, EUR",
    "export_share_micro": "share of micro firms exporting (0-1)",
    "export_share_sme": "share of SMEs exporting (0-1)",
    "export_share_large": "share of large firms exporting (0-1)",
    "export_share_startup": "share of start-ups exporting (0-1)",
    "open_opportunities": "partner needs open this month",
    "relations": "known firm-partner relations (sparse edges)",
}
KPI_NAMES: tuple[str, ...] = tuple(KPI_DESCRIPTIONS)

CLUSTER_KPI_NAMES: tuple[str, ...] = (
    "export_share",
    "export_ties",
    "markets_per_exporter",
    "trust_intra",
    "trust_cross_border",
    "esca_personal_contact_share",
    "esca_active_collaboration_share",
    "esca_private_budget_share",
    "esca_committed_share",
    "satisfaction",
    "members",
    "budget_balance",
    "public_spent",
    "new_ties_total",
)


def _safe_div(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray | float:
    num_arr = np.asarray(num, dtype=float)
    den_arr = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num_arr, den_arr).shape, np.nan)
    np.divide(num_arr, den_arr, out=out, where=den_arr > 0)
    return out if out.ndim else float(out)


def _per_cluster_mean(values: np.ndarray, cluster: np.ndarray, n: int, mask=None) -> np.ndarray:
    if mask is not None:
        values, cluster = values[mask], cluster[mask]
    sums = np.bincount(cluster, weights=values, minlength=n)
    counts = np.bincount(cluster, minlength=n)
    return _safe_div(sums, counts)


def compute_kpis(model: World) -> tuple[dict[str, float], list[dict[str, float]]]:
    """All model-level KPIs and one row of per-cluster KPIs per cluster, for the current step
    (of a world of one replica; :func:`replica_kpis` gives every replica's)."""
    if model.n_replicas != 1:
        raise ValueError(f"a batch of {model.n_replicas} replicas has KPIs per replica; "
                         "use replica_kpis")
    return replica_kpis(model)[0]


def replica_kpis(model: World) -> list[tuple[dict[str, float], list[dict[str, float]]]]:
    """Per replica: all model-level KPIs and one row of per-cluster KPIs per cluster.

    Replicas are contiguous blocks of firms and clusters, so each replica's KPIs are the same
    expressions over its slices (with one replica, over the whole arrays). What relations, peer
    links and partners a replica owns is read from their firms or markets; this month's counts
    come from :meth:`World.tally`.
    """
    f, rel, fac, peers = model.firms, model.relations, model.facilitators, model.peers
    n_r = model.n_replicas
    ties_per_firm = rel.ties_per_firm(f.n)
    markets_per_firm = rel.markets_per_firm(f.n, model.partners.market)
    exporting = ties_per_firm > 0
    best_foreign_trust = rel.best_trust_per_firm(f.n)
    member = f.member
    personal = member & (model.month - f.last_personal_contact < 12)
    active = member & (f.collaboration_days_12m() >= 2)
    committed = member & f.committed
    new_exporter = exporting & ~f.exported_at_start
    recent_private, recent_total = fac.income_last_12_months()
    rows = _cluster_rows(model, ties_per_firm, markets_per_firm, exporting, best_foreign_trust,
                         personal, active, committed, recent_private, recent_total)
    if n_r == 1:
        scopes = [(slice(None), slice(None), slice(None))]
    else:
        scopes = model.replica_blocks()
        rel_replica = model.replica_of_cluster[f.cluster[rel.view("firm")]]
        peer_replica = model.replica_of_cluster[f.cluster[peers.src]]
    out = []
    for r, (fs, cs, ps) in enumerate(scopes):
        if n_r == 1:
            n_ties, n_relations, known_trust = float(rel.n_ties), float(rel.n), rel.mean_trust()
            peer_trust = peers.trust
            new_ties, events = model.new_ties_this_step, model.events_held_this_month
            revenue, cooperation = model.export_revenue_this_step, model.cooperation_rate_this_step
        else:
            mine = rel_replica == r
            n_ties, n_relations = float(ties_per_firm[fs].sum()), float(mine.sum())
            known_trust = (float((rel.view("trust_fp")[mine].mean()
                                  + rel.view("trust_pf")[mine].mean()) / 2)
                           if mine.any() else float("nan"))
            peer_trust = peers.trust[peer_replica == r]
            new_ties, events = model.tallied("new_ties")[r], model.tallied("events")[r]
            revenue = model.tallied("export_revenue")[r]
            cooperation = _safe_div(model.tallied("mutual_cooperation")[r],
                                    model.tallied("peer_meetings")[r])
        mem, exp, kind = member[fs], exporting[fs], f.kind[fs]
        members_n = int(mem.sum())
        public_spent = float(fac.public_spent[cs].sum())
        new_exporters = int(new_exporter[fs].sum())
        new_ties_total = int(fac.new_ties_total[cs].sum())
        kpis = {
            "export_share": float(exp.mean()),
            "export_ties": n_ties,
            "new_ties": float(new_ties),
            "events": float(events),
            "new_ties_total": float(new_ties_total),
            "new_exporters": float(new_exporters),
            "markets_per_exporter": float(markets_per_firm[fs][exp].mean()) if exp.any()
            else 0.0,
            "export_revenue": float(revenue),
            "trust_intra": float(peer_trust.mean()) if peer_trust.size else float("nan"),
            "trust_cross_border": float(best_foreign_trust[fs].mean()),
            "trust_known_relations": known_trust,
            "trust_in_facilitator": float(f.trust_in_facilitator[fs][mem].mean()) if members_n
            else float("nan"),
            "cooperation_rate": float(cooperation),
            "esca_personal_contact_share": _safe_div(personal[fs].sum(), members_n),
            "esca_active_collaboration_share": _safe_div(active[fs].sum(), members_n),
            "esca_private_budget_share": _safe_div(recent_private[cs].sum(),
                                                   recent_total[cs].sum()),
            "esca_committed_share": _safe_div(committed[fs].sum(), members_n),
            "satisfaction": float(f.satisfaction[fs][mem].mean()) if members_n
            else float("nan"),
            "members": float(members_n),
            "budget_balance": float(fac.balance[cs].sum()),
            "income_public": float(fac.income_total["public"][cs].sum()),
            "income_fees": float(fac.income_total["fees"][cs].sum()),
            "income_services": float(fac.income_total["services"][cs].sum()),
            "income_eu": float(fac.income_total["eu"][cs].sum()),
            "public_spent": public_spent,
            "public_cost_per_new_tie": _safe_div(public_spent, new_ties_total),
            "public_cost_per_new_exporter": _safe_div(public_spent, new_exporters),
            "vouchers_unredeemed": float(f.voucher_balance[fs].sum()),
            **{f"export_share_{name}": _safe_div(exp[kind == i].sum(), (kind == i).sum())
               for i, name in enumerate(FIRM_KINDS)},
            "open_opportunities": float(model.partners.open_need[ps].sum()),
            "relations": n_relations,
        }
        out.append((kpis, rows[cs]))
    return out


def _cluster_rows(model: World, ties_per_firm: np.ndarray, markets_per_firm: np.ndarray,
                  exporting: np.ndarray, best_foreign_trust: np.ndarray, personal: np.ndarray,
                  active: np.ndarray, committed: np.ndarray, recent_private: np.ndarray,
                  recent_total: np.ndarray) -> list[dict[str, float]]:
    """One row of KPIs per cluster (none for a single cluster, unless asked for)."""
    f, fac, peers = model.firms, model.facilitators, model.peers
    n_c = fac.n
    if not (n_c // model.n_replicas > 1 or model.collect_cluster_tables):
        return []
    c, member = f.cluster, f.member
    export_share_c = _per_cluster_mean(exporting.astype(float), c, n_c)
    markets_c = _per_cluster_mean(markets_per_firm.astype(float), c, n_c, mask=exporting)
    members_c = np.bincount(c[member], minlength=n_c)
    personal_c = np.bincount(c[personal], minlength=n_c)
    active_c = np.bincount(c[active], minlength=n_c)
    committed_c = np.bincount(c[committed], minlength=n_c)
    satisfaction_c = _per_cluster_mean(f.satisfaction, c, n_c, mask=member)
    ties_c = np.bincount(c, weights=ties_per_firm, minlength=n_c)
    trust_intra_c = peers.mean_trust_per_cluster(c, n_c)
    trust_cross_c = _per_cluster_mean(best_foreign_trust, c, n_c)
    # whole columns at once, then one dict per cluster (the same values as scalar division)
    columns = {
        "export_share": export_share_c,
        "export_ties": ties_c,
        "markets_per_exporter": np.nan_to_num(markets_c),
        "trust_intra": trust_intra_c,
        "trust_cross_border": trust_cross_c,
        "esca_personal_contact_share": _safe_div(personal_c, members_c),
        "esca_active_collaboration_share": _safe_div(active_c, members_c),
        "esca_private_budget_share": _safe_div(recent_private, recent_total),
        "esca_committed_share": _safe_div(committed_c, members_c),
        "satisfaction": satisfaction_c,
        "members": members_c,
        "budget_balance": fac.balance,
        "public_spent": fac.public_spent,
        "new_ties_total": fac.new_ties_total,
    }
    lists = {name: np.asarray(values, dtype=float).tolist() for name, values in columns.items()}
    return [{"cluster": fac.names[i], **{name: lists[name][i] for name in lists}}
            for i in range(n_c)]


def firm_rows(w: World) -> dict[str, np.ndarray]:
    """One row per firm for the agent table, from the arrays in one pass (ties counted by a
    single bincount over the relation table, not a scan of it per firm)."""
    f = w.firms
    return {
        "firm": np.arange(f.n, dtype=np.int64),
        "cluster": np.asarray(w.facilitators.names, dtype=object)[f.cluster],
        "kind": np.asarray(FIRM_KINDS, dtype=object)[f.kind],
        "member": f.member.astype(bool, copy=True),
        "committed": f.committed.astype(bool, copy=True),
        "satisfaction": f.satisfaction.astype(float, copy=True),
        "trust_in_facilitator": f.trust_in_facilitator.astype(float, copy=True),
        "experience": f.experience.astype(float, copy=True),
        "n_ties": w.relations.ties_per_firm(f.n).astype(np.int64),
    }
