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

from clustersim.calibration.config import (
    CalibrationConfig,
    CalibrationConfigError,
    ResolvedConfig,
    load_config,
    resolve_config,
)
from clustersim.calibration.distance import RangeDistance, Target, range_distance
from clustersim.calibration.priors import FreeParameter, Prior
from clustersim.calibration.run import CalibrationResult, calibrate
from clustersim.calibration.smc import AbcBudget, AbcResult, read_result, run_abc

__all__ = [
    "AbcBudget",
    "AbcResult",
    "CalibrationConfig",
    "CalibrationConfigError",
    "CalibrationResult",
    "FreeParameter",
    "Prior",
    "RangeDistance",
    "ResolvedConfig",
    "Target",
    "calibrate",
    "load_config",
    "range_distance",
    "read_result",
    "resolve_config",
    "run_abc",
]
