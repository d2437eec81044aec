"""Calibration and parameter uncertainty: ABC-SMC (pyabc) of free model parameters against the
validation patterns (``clustersim calibrate``, docs/calibration.md).

From Python::

    from clustersim.calibration import calibrate, load_config
    result = calibrate("calibration/quick.yaml", "results/cal_quick")
    result.posterior            # parameters (dotted paths), weight, distance
    result.summary              # medians, 95% credible intervals, identified?
    result.predictive           # posterior predictive check of every pattern

The ABC core takes any simulator ``f(overrides, seed) -> {statistic: value}``::

    from clustersim.calibration import AbcBudget, FreeParameter, Prior, Target, run_abc
    from clustersim.calibration.simulator import toy_simulator
    run_abc([FreeParameter("theta", Prior(low=0, high=2))], [Target("y", 0.65, 0.75)],
            toy_simulator, AbcBudget(population_size=50, max_generations=5), seed=1,
            out="/tmp/toy")
"""

from __future__ import annotations

import importlib
from typing import Any

# Names -> modules, imported on first use: simulation workers import submodules of this package
# (clustersim.calibration.simulator, .predictive) and should not pay for pyabc, which only the
# process running the inference needs.
_EXPORTS = {
    "CalibrationConfig": "config", "CalibrationConfigError": "config",
    "ResolvedConfig": "config", "load_config": "config", "resolve_config": "config",
    "Target": "distance", "range_distance": "distance",
    "FreeParameter": "priors", "Prior": "priors",
    "CalibrationResult": "run", "calibrate": "run",
    "AbcBudget": "smc", "AbcResult": "smc", "RangeDistance": "smc", "read_result": "smc",
    "run_abc": "smc",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'clustersim.calibration' has no attribute {name!r}")
    return getattr(importlib.import_module(f"clustersim.calibration.{module}"), name)
