"""Partner needs open as short-lived opportunities; both sides must need the match.

Grounding: "mutual interest [must] meet in a rather tiny time window of few months", otherwise the
company finds its solution elsewhere (seed 002); collaboration needs both parties to have a need
(seed 001: German clusters needed sub-suppliers, the Danes wanted exports). The monthly opening
probability is an assumption (``opportunities.open_prob_per_month``); the window length follows
seed 002 ("a few months", default 4).
"""

from __future__ import annotations

import numpy as np


def is_live(open_need: np.ndarray, need_expires: np.ndarray, month: int) -> np.ndarray:
    """An opportunity can become a tie only while it is open and not past its window."""
    return open_need & (need_expires >= month)


def refresh_needs(open_need: np.ndarray, need_expires: np.ndarray, need_level: np.ndarray,
                  month: int, open_prob: float, window_months: int,
                  rng: np.random.Generator, level_min: float = 0.1,
                  level_max: float = 0.9) -> None:
    """Close expired needs, then open new ones in place (new needs last ``window_months``)."""
    expired = open_need & (need_expires < month)
    open_need[expired] = False
    opening = ~open_need & (rng.random(open_need.shape[0]) < open_prob)
    open_need[opening] = True
    need_expires[opening] = month + window_months - 1
    need_level[opening] = rng.uniform(level_min, level_max, int(opening.sum()))


def capability_fits(firm_capability: np.ndarray, need_level: np.ndarray,
                    tolerance: float = 0.15) -> np.ndarray:
    """A firm can meet a need that asks no more than its capability plus a small tolerance."""
    return firm_capability + tolerance >= need_level
