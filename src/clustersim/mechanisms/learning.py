"""Incremental internationalisation: experience lowers the cost of the next market.

Grounding: internationalisation is a long process from simple to complex forms (seed 000), a
"journey" ending with an office abroad (seed 003); the Uppsala model: knowledge and commitment grow
step by step and psychic distance orders markets (Johanson & Vahlne 1977, 2009). No quantitative
ABM form exists: the exponential learning curve is an assumption (``export.learning_rate``).
"""

from __future__ import annotations

import numpy as np

STAGES: tuple[str, ...] = ("domestic", "contacting", "first_market", "multi_market", "global")


def market_entry_cost(base_cost: float, psychic_distance: np.ndarray, experience: np.ndarray,
                      learning_rate: float) -> np.ndarray:
    """Resources needed to enter a new market: higher for distant markets, lower with experience."""
    return base_cost * (0.5 + psychic_distance) * np.exp(-learning_rate * experience)


def accumulate_experience(experience: np.ndarray, markets_served: np.ndarray,
                          depreciation: float) -> np.ndarray:
    """Experience after one month: it depreciates (sunk investments lose value, two thirds after
    a year out, Bernard & Wagner 2001) and grows with the markets served this month."""
    return experience * (1.0 - depreciation) + experience_gain(markets_served)


def experience_gain(markets_served: np.ndarray) -> np.ndarray:
    """Export experience earned in one month, in market-years (each market served adds 1/12)."""
    return markets_served / 12.0


def internationalisation_stage(has_contacts: np.ndarray, markets: np.ndarray) -> np.ndarray:
    """Stage index into :data:`STAGES`: contacts, then one market, several, four or more."""
    stage = np.where(has_contacts, 1, 0)
    stage = np.where(markets >= 1, 2, stage)
    stage = np.where(markets >= 2, 3, stage)
    return np.where(markets >= 4, 4, stage)
