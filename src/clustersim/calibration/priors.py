"""Priors of the free parameters and their pyabc / scipy counterparts.

Three families, all bounded (an ABC prior must be proper, and a scenario field has a range):

- ``uniform`` on [low, high]: nothing is known but a plausible range;
- ``loguniform`` on [low, high] (low > 0): the order of magnitude is unknown (rates, hazards);
- ``normal`` with ``mean`` and ``sd``, truncated to [low, high]: a published or hand-set value
  with an uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class Prior(BaseModel):
    """A bounded prior of one free parameter (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    prior: Literal["uniform", "loguniform", "normal"] = "uniform"
    low: float
    high: float
    mean: float | None = None
    sd: Annotated[float, Field(gt=0.0)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Prior:
        if not (np.isfinite(self.low) and np.isfinite(self.high)):
            raise ValueError(f"[{self.low}, {self.high}]: low and high must be finite")
        if self.low == self.high:
            raise ValueError(f"prior range [{self.low:g}, {self.high:g}] is empty: "
                             "low must be < high")
        if self.low > self.high:
            raise ValueError(f"prior range [{self.low:g}, {self.high:g}] is inverted: "
                             "low must be < high")
        if self.prior == "loguniform" and self.low <= 0:
            raise ValueError(f"loguniform needs low > 0, got {self.low:g}")
        if self.prior == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("a normal prior needs mean and sd (and low, high to truncate)")
        if self.prior != "normal" and (self.mean is not None or self.sd is not None):
            raise ValueError(f"mean and sd belong to a normal prior, not {self.prior}")
        return self

    def rv_args(self) -> tuple[str, tuple[float, ...]]:
        """scipy.stats name and positional arguments of the distribution."""
        if self.prior == "uniform":
            return "uniform", (self.low, self.high - self.low)
        if self.prior == "loguniform":
            return "loguniform", (self.low, self.high)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return "truncnorm", (a, b, self.mean, self.sd)

    def scipy(self) -> Any:
        """The frozen scipy.stats distribution (densities for plots)."""
        import scipy.stats

        name, args = self.rv_args()
        return getattr(scipy.stats, name)(*args)

    def describe(self) -> str:
        if self.prior == "normal":
            return f"normal({self.mean:g}, {self.sd:g}) on [{self.low:g}, {self.high:g}]"
        return f"{self.prior} on [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class FreeParameter:
    """A dotted scenario path with its prior; ``integer`` fields are rounded when applied."""

    path: str
    prior: Prior
    integer: bool = False

    def value(self, x: float) -> float | int:
        """The value written into the scenario for the sampled ``x``."""
        return round(float(x)) if self.integer else float(x)


def pyabc_prior(parameters: list[FreeParameter]) -> Any:
    """A ``pyabc.Distribution`` with one RV per free parameter, named by its dotted path."""
    import pyabc

    return pyabc.Distribution(**{p.path: pyabc.RV(p.prior.rv_args()[0], *p.prior.rv_args()[1])
                                 for p in parameters})
