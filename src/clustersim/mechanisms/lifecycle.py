"""Cluster life cycle: embryonic, growth, mature (PARP, seed 000).

A cluster organisation needs at least four years to mature (seed 003); matchmaking is harder for
embryonic clusters (seed 000). The stage follows the organisation's development: months in which it
was active (staff paid, services delivered) count, inactive months set it back, and maturity needs
at least 40 members (ESCA, seed 003); the calendar-only rule is kept as an option
(``lifecycle.stage_by_state``). The effectiveness levels per stage are assumptions
(``lifecycle.embryonic_matchmaking``, growth halfway to mature).
"""

from __future__ import annotations

import numpy as np

LIFE_CYCLE_STAGES: tuple[str, ...] = ("embryonic", "growth", "mature")
DEFAULT_AGE_MONTHS: dict[str, int] = {"embryonic": 6, "growth": 36, "mature": 72}


def life_cycle_stage(age_months: np.ndarray, months_to_growth: int,
                     months_to_mature: int) -> np.ndarray:
    """Stage index into :data:`LIFE_CYCLE_STAGES` from the organisation's age."""
    age = np.asarray(age_months)
    return np.where(age >= months_to_mature, 2, np.where(age >= months_to_growth, 1, 0))


def stage_from_development(maturity: np.ndarray, members: np.ndarray, months_to_growth: int,
                           months_to_mature: int, mature_min_members: int) -> np.ndarray:
    """Stage index from months of active development; maturity also needs enough members
    (ESCA: 40 participants make a good nurturing ground, seed 003)."""
    m = np.asarray(maturity, float)
    mature = (m >= months_to_mature) & (np.asarray(members) >= mature_min_members)
    return np.where(mature, 2, np.where(m >= months_to_growth, 1, 0))


def matchmaking_effectiveness(stage: np.ndarray, embryonic_level: float) -> np.ndarray:
    """Multiplier on brokering success: ``embryonic_level`` when embryonic, 1 when mature."""
    levels = np.array([embryonic_level, (1.0 + embryonic_level) / 2.0, 1.0])
    return levels[np.asarray(stage)]
