"""ODD §3 step 2, public funding (7.13): the pool's monthly share is split across eligible
clusters, then the funding scheme pays grants to facilitators and/or vouchers to member firms.
"""

from __future__ import annotations

import numpy as np

from clustersim.policy import FundingContext, allocate_pool
from clustersim.world import World


def pay_public_funding(w: World) -> None:
    fac, f = w.facilitators, w.funding
    performance = fac.new_ties_ring.sum(axis=1) / np.maximum(w.cluster_n_firms, 1)
    stages = w.cluster_stages()
    # each replica of a batch has its own pool, split across its own clusters (a contiguous
    # block of clusters each)
    size = fac.n // w.n_replicas
    allocation = np.concatenate([
        allocate_pool(f.annual_budget / 12.0, w.eligible[b], str(f.allocation),
                      w.cluster_n_firms[b], stages[b], performance[b], f.key_clusters)
        for b in (slice(r * size, (r + 1) * size) for r in range(w.n_replicas))])
    ctx = FundingContext(
        month=w.month,
        allocation=allocation,
        private_income_last_month=fac.private_income_in(w.month - 1),
        new_ties_last_12_months=fac.new_ties_ring.sum(axis=1).astype(float),
        n_firms=w.cluster_n_firms,
    )
    decision = w.scheme.decide(ctx)
    fac.receive("public", decision.to_facilitators, w.month)
    fac.public_spent += decision.to_facilitators
    distribute_vouchers(w, decision.vouchers)


def distribute_vouchers(w: World, per_cluster: np.ndarray) -> None:
    """Vouchers go to eligible member firms in equal parts. The programme's money counts as
    spent when a voucher is issued (the budget is committed); firms spend it on services."""
    if not per_cluster.any():
        return
    f = w.firms
    holders = f.member & w.voucher_eligible
    counts = np.bincount(f.cluster[holders], minlength=w.facilitators.n)
    issued = np.where(counts > 0, per_cluster, 0.0)
    per_firm = np.divide(issued, counts, out=np.zeros_like(issued), where=counts > 0)
    f.voucher_balance[holders] += per_firm[f.cluster[holders]]
    w.facilitators.public_spent += issued
