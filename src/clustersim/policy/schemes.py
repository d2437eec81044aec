"""Funding schemes as strategy objects behind one small interface.

A scheme decides, each month, how much of the public money allocated to each cluster goes to the
facilitator as a grant and how much to member firms as vouchers. To add a scheme, subclass
:class:`FundingScheme`, give it a ``name`` and decorate it with :func:`register_scheme`; the model
never needs to change.

Grounding (see docs/ODD.md and docs/policy.md): activity is limited by low public financing (000);
gold-label clusters rely on stable long-term public money (003) but should raise >20% privately
(003), which matched funding rewards; fixed-term project money stops when the project ends (004);
vouchers to firms and performance-based grants are the usual alternatives in cluster policy
(assumption on their exact rules).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from clustersim.scenario.schema import REGISTERED_SCHEMES, FundingConfig


@dataclass(frozen=True)
class FundingContext:
    """What a scheme may look at when it decides this month's payments (per cluster arrays)."""

    month: int
    allocation: np.ndarray  # EUR this month allotted to each cluster by the pool rule
    private_income_last_month: np.ndarray  # EUR of fees and service fees
    new_ties_last_12_months: np.ndarray
    n_firms: np.ndarray


@dataclass(frozen=True)
class FundingDecision:
    """Payments this month (EUR per cluster): grants to facilitators, vouchers to firms."""

    to_facilitators: np.ndarray
    vouchers: np.ndarray


class FundingScheme(ABC):
    """One public funding scheme. Subclasses implement :meth:`decide`."""

    name: ClassVar[str]

    def __init__(self, config: FundingConfig):
        self.config = config

    @abstractmethod
    def decide(self, ctx: FundingContext) -> FundingDecision:
        """This month's grants and vouchers, given the pool's allocation to each cluster."""

    @staticmethod
    def _zeros(ctx: FundingContext) -> np.ndarray:
        return np.zeros_like(ctx.allocation)


SCHEMES: dict[str, type[FundingScheme]] = REGISTERED_SCHEMES  # one registry, kept by the schema


def register_scheme(cls: type[FundingScheme]) -> type[FundingScheme]:
    """Class decorator: make a scheme available under ``cls.name`` in scenario files."""
    SCHEMES[cls.name] = cls
    return cls


def make_scheme(config: FundingConfig) -> FundingScheme:
    try:
        return SCHEMES[str(config.scheme)](config)
    except KeyError:
        raise ValueError(
            f"unknown funding scheme {config.scheme!r}; known: {sorted(SCHEMES)}"
        ) from None


@register_scheme
class NoFunding(FundingScheme):
    """No public money: the facilitator lives on fees and EU projects."""

    name = "none"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        return FundingDecision(self._zeros(ctx), self._zeros(ctx))


@register_scheme
class LumpSumGrant(FundingScheme):
    """A stable grant to the facilitator, paid monthly whatever it does (seed 003: gold-label
    clusters rely on stable long-term public funding)."""

    name = "lump_sum"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        return FundingDecision(ctx.allocation.copy(), self._zeros(ctx))


@register_scheme
class MatchedFunding(FundingScheme):
    """Public money matches private income (fees, service fees) at ``match_ratio``, up to the
    allocation: rewards the >20% private share ESCA asks for (seed 003)."""

    name = "matched"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        private = ctx.private_income_last_month
        matched = np.minimum(ctx.allocation, self.config.match_ratio * private)
        return FundingDecision(matched, self._zeros(ctx))


@register_scheme
class FirmVouchers(FundingScheme):
    """Money goes to eligible member firms as vouchers they spend on the facilitator's services."""

    name = "vouchers"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        return FundingDecision(self._zeros(ctx), ctx.allocation.copy())


@register_scheme
class FixedTermProject(FundingScheme):
    """Project funding for ``duration_months`` from ``start_month``, then nothing (seed 004)."""

    name = "project"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        start = self.config.start_month
        running = start <= ctx.month - 1 < start + self.config.duration_months
        grant = ctx.allocation.copy() if running else self._zeros(ctx)
        return FundingDecision(grant, self._zeros(ctx))


@register_scheme
class PerformanceGrant(FundingScheme):
    """A base share paid always; the rest in proportion to new export ties per firm over the
    last 12 months, reaching the full allocation at ``performance_target`` ties per firm a year."""

    name = "performance"

    def decide(self, ctx: FundingContext) -> FundingDecision:
        base = self.config.performance_base_share
        rate = ctx.new_ties_last_12_months / np.maximum(ctx.n_firms, 1)
        attainment = np.minimum(1.0, rate / self.config.performance_target)
        grant = ctx.allocation * (base + (1.0 - base) * attainment)
        return FundingDecision(grant, self._zeros(ctx))
