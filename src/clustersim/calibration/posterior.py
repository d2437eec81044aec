"""Reading a calibration's posterior and drawing parameter sets from it (for ``compare``,
``sweep`` and ``validate`` under parameter uncertainty, and the predictive check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NON_PARAMETER_COLUMNS = ("generation", "weight", "distance")


def load_posterior(path: str | Path) -> pd.DataFrame:
    """``posterior.parquet`` of ``clustersim calibrate``: parameter columns (dotted paths) and
    ``weight``; raises ValueError naming the file when it is not one."""
    path = Path(path)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read a posterior: {exc}") from None
    if "weight" not in frame.columns or len(frame) == 0:
        raise ValueError(f"{path}: not a posterior of clustersim calibrate (needs rows and a "
                         "'weight' column)")
    if not np.isfinite(frame["weight"]).all() or (frame["weight"] < 0).any() \
            or frame["weight"].sum() <= 0:
        raise ValueError(f"{path}: weights must be finite, >= 0 and not all 0")
    return frame


def parameter_columns(posterior: pd.DataFrame) -> list[str]:
    return [c for c in posterior.columns if c not in NON_PARAMETER_COLUMNS]


def sample_posterior(posterior: pd.DataFrame, draws: int, seed: int | np.random.SeedSequence,
                     integer: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """``draws`` parameter sets (dotted path -> value) drawn with replacement by weight, from
    a numpy Generator seeded by ``seed``; paths in ``integer`` are rounded."""
    if draws < 1:
        raise ValueError(f"draws = {draws}: must be >= 1")
    rng = np.random.default_rng(seed)
    weights = posterior["weight"].to_numpy(float)
    rows = rng.choice(len(posterior), size=draws, p=weights / weights.sum())
    columns = parameter_columns(posterior)
    return [{c: (round(float(posterior[c].iloc[int(i)])) if c in integer
                 else float(posterior[c].iloc[int(i)])) for c in columns} for i in rows]
