"""Design points: grid, Latin hypercube, Sobol' (Saltelli), Morris and explicit lists.

Sampling is SALib's (``SALib.sample.latin``, ``.sobol``, ``.morris``), seeded from the experiment
seed so a design is the same every time it is built: the sensitivity analysis rebuilds it from the
experiment file instead of storing the sample matrix. Categorical parameters (``values`` in a
sampled design) are sampled on ``[0, n)`` and mapped to the ``floor``-th choice; integer parameters
on ``[low, high + 1)`` and floored, so every whole value is equally likely.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from clustersim.experiments.spec import SAMPLED_DESIGNS, Experiment, ParameterSpec

# SALib's samplers take an int seed; derive it from the experiment seed, apart from run seeds.
_DESIGN_SEED_KEY = 2**31 - 1


@dataclass(frozen=True)
class Design:
    """The design points of an experiment, column-wise.

    ``columns[name][i]`` is the value of parameter ``name`` at point ``i``. For sampled designs
    ``problem`` is the SALib problem and ``X`` the raw sample matrix (one row per point), which
    SALib's analysers need.
    """

    kind: str
    names: tuple[str, ...]
    columns: dict[str, list[Any]]
    problem: dict[str, Any] | None = None
    X: np.ndarray | None = None

    @property
    def n_points(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def point(self, i: int) -> dict[str, Any]:
        return {name: self.columns[name][i] for name in self.names}


def design_seed(experiment_seed: int) -> int:
    """A 32-bit sampler seed derived from the experiment seed (independent of run seeds)."""
    ss = np.random.SeedSequence(experiment_seed, spawn_key=(_DESIGN_SEED_KEY,))
    return int(ss.generate_state(1, np.uint32)[0])


def build_design(spec: Experiment) -> Design:
    """Build the design points described by ``spec.design`` and ``spec.parameters``."""
    kind = spec.design.type
    if kind == "explicit":
        return _explicit(spec)
    if kind == "grid":
        return _grid(spec)
    return _sampled(spec)


def _explicit(spec: Experiment) -> Design:
    points = spec.design.points or []
    names = tuple(points[0])
    columns = {name: [_plain(p[name]) for p in points] for name in names}
    return Design("explicit", names, columns)


def grid_levels(param: ParameterSpec) -> list[Any]:
    """The levels one parameter takes in a grid."""
    if param.values is not None:
        return [_plain(v) for v in param.values]
    assert param.bounds is not None and param.levels is not None
    levels = np.linspace(param.bounds[0], param.bounds[1], param.levels)
    if param.integer:
        return sorted({round(x) for x in levels})
    return [float(x) for x in levels]


def _grid(spec: Experiment) -> Design:
    names = tuple(spec.parameters)
    levels = [grid_levels(spec.parameters[n]) for n in names]
    columns: dict[str, list[Any]] = {n: [] for n in names}
    for combo in itertools.product(*levels):  # first parameter varies slowest
        for name, value in zip(names, combo, strict=True):
            columns[name].append(value)
    return Design("grid", names, columns)


def salib_problem(spec: Experiment) -> dict[str, Any]:
    """The SALib problem: one dimension per parameter, on the sampling range described above."""
    names = list(spec.parameters)
    bounds = []
    for name in names:
        param = spec.parameters[name]
        if param.values is not None:
            bounds.append([0.0, float(len(param.values))])
        else:
            assert param.bounds is not None
            low, high = param.bounds
            bounds.append([low, high + 1.0] if param.integer else [low, high])
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _sampled(spec: Experiment) -> Design:
    from SALib.sample import latin, morris, sobol

    kind = spec.design.type
    assert kind in SAMPLED_DESIGNS
    problem = salib_problem(spec)
    seed = design_seed(spec.seed)
    if kind == "lhs":
        X = latin.sample(problem, spec.design.samples, seed=seed)
    elif kind == "sobol":
        X = sobol.sample(
            problem,
            spec.design.samples,
            calc_second_order=spec.design.second_order,
            scramble=True,
            seed=seed,
        )
    else:
        X = morris.sample(
            problem, spec.design.trajectories, num_levels=spec.design.levels, seed=seed
        )
    X = np.asarray(X, dtype=float)
    names = tuple(problem["names"])
    columns = {
        name: map_column(spec.parameters[name], X[:, j]) for j, name in enumerate(names)
    }
    return Design(kind, names, columns, problem=problem, X=X)


def map_column(param: ParameterSpec, x: np.ndarray) -> list[Any]:
    """Map raw sampled numbers to parameter values (categorical choice, whole number or float)."""
    if param.values is not None:
        idx = np.clip(np.floor(x).astype(int), 0, len(param.values) - 1)
        return [_plain(param.values[i]) for i in idx]
    if param.integer:
        assert param.bounds is not None
        high = int(param.bounds[1])
        return [int(v) for v in np.minimum(np.floor(x), high)]
    return [float(v) for v in x]


def _plain(value: Any) -> Any:
    """numpy scalars to Python scalars (YAML-, JSON- and Arrow-friendly)."""
    return value.item() if isinstance(value, np.generic) else value
