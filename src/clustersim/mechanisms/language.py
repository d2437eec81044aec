"""Language and psychic distance as barriers to building trust abroad.

Grounding: distance, language barriers and cultural differences complicate new international
collaboration (seed 000); "language creates trust" (seed 001); facilitators provide specialised
translation for SMEs on joint trips (seed 000). Psychic distance orders markets and slows learning
(Johanson & Vahlne 1977). The multiplicative form is an assumption (parameters
``language.translation_effect``, ``language.distance_weight``).
"""

from __future__ import annotations

import numpy as np


def effective_language_barrier(market_barrier: np.ndarray, language_skill: np.ndarray,
                               translation_level: np.ndarray | float,
                               translation_effect: float) -> np.ndarray:
    """The barrier a firm faces in a market: lowered by its own skill and by translation."""
    return market_barrier * (1.0 - language_skill) * (1.0 - translation_effect * translation_level)


def contact_quality(channel: np.ndarray, barrier: np.ndarray, psychic_distance: np.ndarray,
                    distance_weight: float) -> np.ndarray:
    """Share of a contact's trust-building strength that survives language and distance."""
    return channel * (1.0 - barrier) * (1.0 - distance_weight * psychic_distance)
