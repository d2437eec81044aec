"""Size limits: estimate how big a model or an experiment design is *before* building it.

A scenario with ``count: 1000`` clusters of ``n_firms: 50000`` is schema-valid (each number is in
range) but would need hundreds of gigabytes; a 10^9-point grid or a Sobol' design of 50 million
points fills memory long before the first run. These checks are arithmetic on the validated
specification, so they cost nothing, and they refuse with a message that says the size, the limit
and how to override it.

The command line overrides the limits with ``--allow-large`` (for a machine that can take it);
the dashboard never does (a class server must survive whatever is typed into it).

Documented limits (measured on the baseline model, see ``benchmarks/``): a model of 20,000 firms
builds in 0.6 s and runs a month in ~0.03 s in ~200 MB; the limits below allow 5x that.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clustersim.options import ALLOW_FLAG, field_range  # noqa: F401  (re-exported)
from clustersim.scenario.loader import ScenarioError

if TYPE_CHECKING:
    from clustersim.experiments.spec import Experiment
    from clustersim.scenario.schema import Scenario

MAX_FIRMS = 100_000
"""Firms in one model (all clusters, ``count`` included): ~1 GB of memory at most."""
MAX_CLUSTERS = 2_000
"""Cluster organisations (facilitators) in one model."""
MAX_PARTNERS = 1_000_000
"""Foreign partners in one model (``partners_per_firm`` x firms)."""
MAX_PEER_LINKS = 2_000_000
"""Peer links between firms (``peers_per_firm`` x firms / 2)."""
MAX_DESIGN_POINTS = 100_000
"""Design points of one experiment (the design is built in memory before any run)."""
MAX_RUNS = 1_000_000
"""Runs of one experiment (design points x replications)."""


class SizeLimitError(ScenarioError):
    """A model or design larger than the documented limits."""

    what = "size"


@dataclass(frozen=True)
class ModelSize:
    """What a scenario would build: counts of the biggest structures."""

    clusters: int
    firms: int
    partners: int
    peer_links: int

    def problems(self) -> list[str]:
        checks = (("clusters", self.clusters, MAX_CLUSTERS, "sum of count over clusters"),
                  ("firms", self.firms, MAX_FIRMS, "sum of count x n_firms over clusters"),
                  ("foreign partners", self.partners, MAX_PARTNERS,
                   "partners_per_firm x firms"),
                  ("peer links", self.peer_links, MAX_PEER_LINKS,
                   "parameters.network.peers_per_firm x firms / 2"))
        return [f"the model would have {value:,} {what} ({how}), more than the limit of "
                f"{limit:,}" for what, value, limit, how in checks if value > limit]


def model_size(scenario: Scenario) -> ModelSize:
    """Counts a scenario would build, from its validated fields (nothing is allocated)."""
    firms = sum(c.count * c.n_firms for c in scenario.clusters)
    partners = max(len(scenario.markets), round(scenario.partners_per_firm * firms))
    peers = scenario.parameters.network.peers_per_firm * firms // 2
    return ModelSize(sum(c.count for c in scenario.clusters), firms, partners, peers)


def check_model_size(scenario: Scenario, allow_large: bool = False,
                     source: str | None = None) -> ModelSize:
    """Refuse a scenario whose model exceeds the limits (unless ``allow_large``)."""
    size = model_size(scenario)
    problems = size.problems()
    if problems and not allow_large:
        raise SizeLimitError(source or f"scenario '{scenario.name}'", [
            *problems, f"make the model smaller, or pass {ALLOW_FLAG} on the command line if "
            "this machine has the memory (limits: clustersim.limits)"])
    return size


def check_dashboard_scenario(scenario: Scenario) -> Scenario:
    """The dashboard's check: the size limits, never overridable (a class server must survive
    anything typed into the settings box)."""
    check_model_size(scenario, allow_large=False, source="dashboard settings")
    return scenario


def port_in_use(host: str, port: int) -> str | None:
    """Why the dashboard cannot listen on ``host:port`` (e.g. already in use), or None; checked
    before the server starts so no misleading "open http://..." line is printed first."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"cannot resolve host {host!r}: {exc.strerror or exc}"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            return (f"cannot listen on {host}:{port} ({exc.strerror or exc}); another program "
                    "(perhaps another dashboard) uses the port: choose another with --port")
    return None


def design_points(spec: Experiment) -> int:
    """Number of design points ``spec`` would build, computed without building it."""
    design = spec.design
    names = spec.parameter_names()
    d = len(names)
    if design.type == "explicit":
        return len(design.points or [])
    if design.type == "grid":
        total = 1
        for name in names:
            param = spec.parameters[name]
            if param.values is not None:
                levels = len(param.values)
            else:
                levels = param.levels or 1
                if param.integer and param.bounds is not None:
                    levels = min(levels, int(param.bounds[1] - param.bounds[0]) + 1)
            total *= levels
        return total
    if design.type == "lhs":
        return int(design.samples or 0)
    if design.type == "sobol":
        return int(design.samples or 0) * ((2 * d + 2) if design.second_order else (d + 2))
    return int(design.trajectories or 0) * (d + 1)  # morris


def check_design_size(spec: Experiment, source: str, allow_large: bool = False) -> int:
    """Refuse a design or run count beyond the limits (unless ``allow_large``); returns the
    number of design points."""
    from clustersim.experiments.spec import ExperimentError

    points = design_points(spec)
    runs = points * spec.replications
    problems = []
    if points > MAX_DESIGN_POINTS:
        problems.append(f"design: {spec.design.type} design of {_big(points)} points, more than "
                        f"the limit of {MAX_DESIGN_POINTS:,}")
    if runs > MAX_RUNS:
        problems.append(f"replications: {_big(points)} points x {spec.replications:,} "
                        f"replications = {_big(runs)} runs, more than the limit of {MAX_RUNS:,}")
    if problems and not allow_large:
        raise ExperimentError(source, [*problems, f"make the design smaller, or pass "
                                       f"{ALLOW_FLAG} if you mean it (limits: clustersim.limits)"])
    return points


def _big(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"about 10^{math.floor(math.log10(n))}"


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_workers(workers: Any, what: str = "--workers", force: bool = False) -> None:
    """Refuse more local worker processes than cores (each takes a core and a model's memory),
    unless ``force``."""
    cores = cpu_count()
    if workers is not None and workers > cores and not force:
        raise ValueError(f"{what} {workers}: this machine has {cores} cores; more worker "
                         "processes than cores only add memory and switching. Use at most "
                         f"{cores}, or pass --force-workers")
