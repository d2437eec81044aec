"""Public funding: schemes (strategy objects), allocation of a national pool, eligibility."""

from clustersim.policy.allocation import allocate_pool, eligible_clusters
from clustersim.policy.schemes import (
    SCHEMES,
    FundingContext,
    FundingDecision,
    FundingScheme,
    make_scheme,
    register_scheme,
)

__all__ = [
    "SCHEMES",
    "FundingContext",
    "FundingDecision",
    "FundingScheme",
    "allocate_pool",
    "eligible_clusters",
    "make_scheme",
    "register_scheme",
]
