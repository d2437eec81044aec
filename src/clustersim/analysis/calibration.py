"""Equal public spend: find, per funding variant, the annual budget that spends a target.

Schemes spend differently for the same nominal ``policy.funding.annual_budget``: matched and
performance grants pay only what private income or results earn, project money stops after
``duration_months``, and an ineligible cluster receives nothing. To compare like with like, each
funded variant's budget is searched so that the mean cumulative ``public_spent`` at the end of the
horizon equals the target.

Spend is non-decreasing in the budget, so a safeguarded root search works: a multiplicative
step ``budget * target / spend`` (exact in one step for schemes that pay a fixed share of their
allocation) until a budget that over-spends and one that under-spends are known, then false
position between the two, with bisection when a step would leave the bracket. A variant that
spends nothing, or whose spend stops growing with the budget, cannot reach the target; it is
reported as such, never hidden.

Every round of evaluations is one small sweep through the experiments runner (same executors,
resumable): all still-open variants at once, ``calibration_replications`` replications each,
with the main runs' seeds of the first replications. With ``calibration_replications`` equal to
the main replications, the main runs therefore spend what the calibration measured.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SPEND_TOLERANCE = 0.02
"""Default: calibration stops when the mean spend is within 2% of the target."""
MAX_ROUNDS = 8
MAX_BUDGET_FACTOR = 50.0
"""Give up above 50 times the budget that would spend the target if paid out in full."""
SATURATION_GAIN = 0.02
"""Doubling the budget or more raised spend by less than 2%: the scheme cannot absorb more."""


@dataclass
class Calibration:
    """The outcome of one variant's search (one row of ``calibration.csv``)."""

    variant: str
    annual_budget: float
    achieved_spend: float
    target_spend: float
    reached: bool
    iterations: int
    reason: str = ""
    history: list[tuple[float, float]] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("history")
        return data


def next_budget(history: Sequence[tuple[float, float]], target: float,
                full_payout_budget: float,
                tolerance: float = SPEND_TOLERANCE) -> tuple[float | None, str]:
    """Given the (budget, mean spend) pairs evaluated so far, the next budget to try.

    Returns ``(None, reason)`` when the search is over: ``reason`` is empty when the last
    evaluation is within tolerance, otherwise it says why the target cannot be reached.
    """
    budget, spend = history[-1]
    if abs(spend - target) <= tolerance * target:
        return None, ""
    if spend <= 0:
        return None, (f"spends nothing at an annual budget of {budget:,.0f} EUR (the cluster is "
                      "not eligible, or the scheme never pays)")
    under = [b for b, s in history if s < target]
    over = [b for b, s in history if s > target]
    low = max(under) if under else 0.0
    high = min(over) if over else float("inf")
    if under and not over:
        # saturation: a much larger budget barely raised spend
        best_b = max(under)
        best_s = dict(history)[best_b]
        for b, s in history:
            if b <= best_b / 2 and best_s < s * (1 + SATURATION_GAIN):
                return None, (f"spend levels off at about {best_s:,.0f} EUR whatever the budget "
                              "(the scheme cannot absorb more money)")
    spends = dict(history)
    if under and over:  # bracketed: interpolate between the tightest pair (false position)
        s_low, s_high = spends[low], spends[high]
        proposal = low + (target - s_low) * (high - low) / (s_high - s_low)
    else:
        proposal = budget * target / spend
    if not low < proposal < high:
        proposal = (low + high) / 2 if np.isfinite(high) else 2 * low
    if proposal > MAX_BUDGET_FACTOR * full_payout_budget:
        return None, (f"would need more than {MAX_BUDGET_FACTOR:g} times the full-payout budget "
                      f"(spend {spend:,.0f} EUR at {budget:,.0f} EUR a year)")
    return proposal, ""


def search_budget(variant: str, spend_at: Callable[[float], float], target: float,
                  horizon_months: int, tolerance: float = SPEND_TOLERANCE) -> Calibration:
    """Search one variant's budget with ``spend_at(budget) -> mean spend`` (sequentially).

    :func:`calibrate_variants` runs the same search for many variants in lock-step rounds; this
    form is for tests and for callers with their own spend function.
    """
    searches = {variant: _Search(variant, target, horizon_months, tolerance)}
    while (todo := {n: s.budget for n, s in searches.items() if not s.done}):
        for name, budget in todo.items():
            searches[name].record(budget, spend_at(budget))
    return searches[variant].result()


class _Search:
    """One variant's search state."""

    def __init__(self, variant: str, target: float, horizon_months: int, tolerance: float):
        self.variant = variant
        self.target = target
        self.tolerance = tolerance
        self.full_payout = target / (horizon_months / 12.0)
        self.budget = self.full_payout
        self.history: list[tuple[float, float]] = []
        self.done = False
        self.reason = ""

    def record(self, budget: float, spend: float) -> None:
        self.history.append((budget, spend))
        proposal, reason = next_budget(self.history, self.target, self.full_payout,
                                       self.tolerance)
        if proposal is None or len(self.history) >= MAX_ROUNDS:
            self.done = True
            self.reason = reason if proposal is None else (
                f"not within {self.tolerance:.0%} after {MAX_ROUNDS} rounds (with few "
                "replications, spend can jump with the budget)")
        else:
            self.budget = proposal

    def result(self) -> Calibration:
        # the evaluated budget closest to the target (what the main runs use)
        budget, spend = min(self.history, key=lambda h: abs(h[1] - self.target))
        reached = abs(spend - self.target) <= self.tolerance * self.target
        return Calibration(self.variant, budget, spend, self.target, reached,
                           len(self.history), "" if reached else self.reason,
                           list(self.history))


def calibration_key(payload: dict[str, Any]) -> str:
    """A short hash naming a calibration's folder: changed inputs give a fresh search."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def calibrate_variants(variants: dict[str, dict[str, Any]], target: float, horizon: int,
                       run_round: Callable[[int, dict[str, dict[str, Any]]], dict[str, float]],
                       tolerance: float = SPEND_TOLERANCE) -> list[Calibration]:
    """Calibrate several variants in rounds.

    ``variants`` maps a name to its overrides; ``run_round(round, {name: overrides with
    budget})`` evaluates one round (all open variants together, e.g. as one sweep) and returns
    the mean spend per name.
    """
    searches = {name: _Search(name, target, horizon, tolerance) for name in variants}
    round_no = 0
    while (todo := [n for n, s in searches.items() if not s.done]):
        round_no += 1
        points = {n: {**variants[n], "policy.funding.annual_budget": searches[n].budget}
                  for n in todo}
        spends = run_round(round_no, points)
        for name in todo:
            searches[name].record(points[name]["policy.funding.annual_budget"], spends[name])
    return [searches[n].result() for n in variants]


def calibration_table(calibrations: list[Calibration], runs: pd.DataFrame) -> pd.DataFrame:
    """Calibrated budgets next to the spend the main runs actually achieved."""
    table = pd.DataFrame([c.row() for c in calibrations])
    spent = runs.groupby("variant")["public_spent"].mean()
    table["main_run_spend"] = table["variant"].map(spent)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["main_run_deviation"] = np.where(
            table["target_spend"] > 0, table["main_run_spend"] / table["target_spend"] - 1.0,
            np.nan)
    return table


def history_table(calibrations: list[Calibration]) -> pd.DataFrame:
    """Every evaluated (budget, spend) pair, for ``calibration_history.csv``."""
    return pd.DataFrame([{"variant": c.variant, "round": i + 1, "annual_budget": b,
                          "mean_spend": s} for c in calibrations
                         for i, (b, s) in enumerate(c.history)])


def save(path: Path, calibrations: list[Calibration]) -> None:
    path.write_text(json.dumps([{**c.row(), "history": c.history} for c in calibrations],
                               indent=1))


def load(path: Path) -> list[Calibration] | None:
    if not path.is_file():
        return None
    rows = json.loads(path.read_text())
    return [Calibration(**{**r, "history": [tuple(h) for h in r["history"]]}) for r in rows]
