"""Synthetic observations with known answers for the measure tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from clustersim.validation.observe import Observation


def observation(ties: np.ndarray, *, markets: np.ndarray | None = None,
                revenue: np.ndarray | None = None, kind: np.ndarray | None = None,
                member: np.ndarray | None = None, kpis: dict[str, Any] | None = None,
                **meta: Any) -> Observation:
    """An Observation from (T + 1, n) arrays; missing fields get neutral defaults."""
    ties = np.asarray(ties)
    shape = ties.shape
    firms = {
        "ties": ties,
        "markets": np.minimum(ties, 1) if markets is None else np.asarray(markets),
        "revenue": np.zeros(shape) if revenue is None else np.asarray(revenue, float),
        "kind": np.zeros(shape, np.int8) if kind is None else np.broadcast_to(kind, shape),
        "cluster": np.zeros(shape, np.int64),
        "member": np.ones(shape, bool) if member is None else np.asarray(member),
    }
    kpi_arrays = {k: np.broadcast_to(np.asarray(v, float), (shape[0],)).copy()
                  for k, v in (kpis or {}).items()}
    base_meta = {"annual_budget": 0.0, "funding_start_month": 0, "funding_duration_months": 24}
    return Observation(kpis=kpi_arrays, firms=firms, meta={**base_meta, **meta})


def from_years(exported: list[list[int]] | np.ndarray, *, last_month: bool = False,
               **kwargs: Any) -> Observation:
    """Ties from a (n_firms, n_years) 0/1 matrix: one tie in one month of each exporting year
    (the first month of the year, or the last with ``last_month``), none otherwise."""
    e = np.asarray(exported, bool).T  # (years, firms)
    years, n = e.shape
    ties = np.zeros((12 * years + 1, n), np.int64)
    for y in range(years):
        month = 12 * y + (12 if last_month else 1)
        ties[month] = e[y]
    return observation(ties, **kwargs)
