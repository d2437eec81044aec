"""Reading a calibration's posterior and drawing parameter sets from it (for ``compare``,
``sweep`` and ``validate`` under parameter uncertainty, and the predictive check).

``posterior.parquet`` (written by ``clustersim calibrate``) has one column per free parameter,
named by its dotted scenario path (``export.tie_hazard_new``), and a ``weight`` column; the
columns ``generation`` and ``distance`` are bookkeeping. :func:`read_posterior_draws` checks such
a file against a scenario and draws K parameter sets from it, by weight, with replacement:

    draw d picks its row with a numpy Generator seeded by
    ``SeedSequence(seed, spawn_key=(DRAW_PICK_KEY, d))``

so draw d depends on the seed and d only: not on K, the number of workers or the backend, and
asking for more draws later keeps the first ones.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

NON_PARAMETER_COLUMNS = ("generation", "weight", "distance")

DRAW_PICK_KEY = 0x706F7374
"""First spawn-key word of the generator that picks draw d's row ("post" in ASCII; run seeds of
sweeps use one-word keys, the ABC proposals 0 and the predictive check 1)."""
DRAW_RUN_KEY = 0x72756E73
"""First spawn-key word of the run seeds of draw d, replication r: ``(DRAW_RUN_KEY, d, r)``."""
MAX_DRAWS = 100_000


class PosteriorError(ValueError):
    """A posterior file that cannot be used; the message names the file and the problem."""


def load_posterior(path: str | Path) -> pd.DataFrame:
    """``posterior.parquet`` of ``clustersim calibrate``: parameter columns (dotted paths) and
    ``weight``; raises :class:`PosteriorError` (a ValueError) naming the file when it is not
    one."""
    path = Path(path)
    if not path.is_file():
        raise PosteriorError(f"{path}: no such posterior file (expected the posterior.parquet "
                             "written by 'clustersim calibrate')")
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PosteriorError(f"{path}: cannot read a posterior: {first[:200]}") from None
    if "weight" not in frame.columns or len(frame) == 0:
        raise PosteriorError(f"{path}: not a posterior of clustersim calibrate (needs rows and a "
                             "'weight' column)")
    weights = pd.to_numeric(frame["weight"], errors="coerce")
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        bad = int((~np.isfinite(weights) | (weights < 0)).sum())
        raise PosteriorError(f"{path}: column 'weight': weights must be finite and >= 0 with a "
                             f"sum > 0 ({bad} of {len(frame)} rows are not, sum = "
                             f"{float(np.nansum(weights)):g})")
    if not parameter_columns(frame):
        raise PosteriorError(f"{path}: no parameter columns (only {list(frame.columns)})")
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
    return [_row(posterior, int(i), integer) for i in rows]


def _row(posterior: pd.DataFrame, i: int, integer: frozenset[str]) -> dict[str, Any]:
    return {c: (round(float(posterior[c].iloc[i])) if c in integer
                else float(posterior[c].iloc[i])) for c in parameter_columns(posterior)}


def draw_rows(posterior: pd.DataFrame, draws: int, seed: int) -> list[int]:
    """Row of the posterior picked by each draw d (see the module docstring)."""
    if not 1 <= draws <= MAX_DRAWS:
        raise PosteriorError(f"--draws = {draws}: must be between 1 and {MAX_DRAWS}")
    weights = posterior["weight"].to_numpy(float)
    p = weights / weights.sum()
    return [int(np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DRAW_PICK_KEY, d)))
                .choice(len(posterior), p=p)) for d in range(draws)]


def draw_run_seed(seed: int, draw: int, replication: int) -> int:
    """A 63-bit run seed shared by every scheme / design point of draw ``draw`` and replication
    ``replication`` (common random numbers within a draw; other draws get other streams)."""
    state = np.random.SeedSequence(seed, spawn_key=(DRAW_RUN_KEY, draw, replication))
    return int(state.generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class PosteriorDraws:
    """K parameter sets drawn from a posterior file, and where they came from."""

    path: str
    sha256: str
    seed: int
    rows: tuple[int, ...]
    """Posterior row behind each draw."""
    sets: tuple[dict[str, Any], ...]
    """Draw d's parameter values, dotted path -> value (integer fields rounded)."""
    parameters: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.sets)

    def identity(self) -> dict[str, Any]:
        """What results depend on: the file's content, the seed and the draws."""
        return {"posterior_sha256": self.sha256, "draws": self.n, "draw_seed": self.seed}

    def describe(self) -> dict[str, Any]:
        """For manifests: file, hash, seed, how draws were made and every drawn set."""
        return {"file": self.path, "sha256": self.sha256, "seed": self.seed, "draws": self.n,
                "parameters": list(self.parameters),
                "sampling": "draw d picks one posterior row by weight with "
                            "numpy.random.default_rng(SeedSequence(seed, spawn_key="
                            f"({DRAW_PICK_KEY}, d)))",
                "sets": [{"draw": d, "row": r, **s}
                         for d, (r, s) in enumerate(zip(self.rows, self.sets, strict=True))]}

    def table(self) -> pd.DataFrame:
        """One row per draw: draw, posterior row, parameter values."""
        return pd.DataFrame([{"draw": d, "posterior_row": r, **s}
                             for d, (r, s) in enumerate(zip(self.rows, self.sets, strict=True))])


def check_parameters(posterior: pd.DataFrame, path: str | Path,
                     scenarios: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """Check that every parameter column is a numeric field of each scenario dump; returns the
    integer fields. Raises :class:`PosteriorError` listing every bad column."""
    problems = []
    integer: set[str] = set()
    for column in parameter_columns(posterior):
        values = pd.to_numeric(posterior[column], errors="coerce")
        if not np.isfinite(values).all():
            problems.append(f"column '{column}': values must be finite numbers")
            continue
        for data in scenarios:
            found, value = value_at(data, column)
            if not found:
                problems.append(f"column '{column}': not a scenario field ({value})")
                break
            if isinstance(value, bool) or not isinstance(value, int | float):
                problems.append(f"column '{column}': the scenario field is "
                                f"{type(value).__name__}, not a number")
                break
            if isinstance(value, int):
                integer.add(column)
    if problems:
        raise PosteriorError(f"{path}: " + "; ".join(problems))
    return frozenset(integer)


def read_posterior_draws(path: str | Path, draws: int, seed: int,
                         scenarios: Sequence[Mapping[str, Any]] = ()) -> PosteriorDraws:
    """Load ``path``, check its columns against the scenario dumps (``model_dump(mode="json")``;
    none: no check, for custom run functions), and draw ``draws`` parameter sets."""
    posterior = load_posterior(path)
    integer = check_parameters(posterior, path, scenarios) if scenarios else frozenset()
    rows = draw_rows(posterior, draws, seed)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return PosteriorDraws(path=str(Path(path).resolve()), sha256=digest, seed=seed,
                          rows=tuple(rows), sets=tuple(_row(posterior, i, integer) for i in rows),
                          parameters=tuple(parameter_columns(posterior)))


def value_at(data: Any, dotted: str) -> tuple[bool, Any]:
    """(True, value) at a dotted path of a scenario dump, else (False, why)."""
    node = data
    parts = dotted.split(".")
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "(top level)"
        if isinstance(node, Mapping):
            if part not in node:
                hint = difflib.get_close_matches(part, [str(k) for k in node], n=1)
                return False, (f"'{part}' does not exist in {here}"
                               + (f"; did you mean '{hint[0]}'?" if hint else ""))
            node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return False, f"'{part}' is not an index of the list {here}"
            node = node[int(part)]
        else:
            return False, f"'{here}' is a value, not a mapping"
    return True, node
