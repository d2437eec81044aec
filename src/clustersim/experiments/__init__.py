"""Experiments: parameter sweeps, replications and sensitivity analysis of clustersim.

An experiment file (YAML) names a base scenario, the fields to vary, a design (grid, Latin
hypercube, Sobol', Morris or an explicit list) and the replications; :func:`run_experiment` runs it
on local processes, a Dask cluster or MPI, streaming a Parquet dataset to an output folder that it
can resume; :func:`load_runs` / :func:`load_results` read it back as pandas DataFrames. See
``docs/experiments.md``.
"""

from typing import TYPE_CHECKING

from clustersim.lazy import lazy_dir, lazy_exports

if TYPE_CHECKING:
    from clustersim.experiments.api import (
        Results,
        executor_options,
        load_results,
        run_experiment,
        sweep,
    )
    from clustersim.experiments.designs import Design, build_design
    from clustersim.experiments.executors import BACKENDS, ExecutorOptions
    from clustersim.experiments.plan import Plan, prepare_plan, run_seed
    from clustersim.experiments.runner import SweepSummary, run_plan
    from clustersim.experiments.spec import Experiment, ExperimentError, read_experiment_file
    from clustersim.experiments.storage import (
        OutputFolderError,
        load_runs,
        load_steps,
        read_manifest,
    )

# the names load on first use: the command line's option parsing and --help import this package
# without pandas and the model
_MODULES = {
    "clustersim.experiments.api": ("Results", "executor_options", "load_results",
                                   "run_experiment", "sweep"),
    "clustersim.experiments.designs": ("Design", "build_design"),
    "clustersim.experiments.executors": ("BACKENDS", "ExecutorOptions"),
    "clustersim.experiments.plan": ("Plan", "prepare_plan", "run_seed"),
    "clustersim.experiments.runner": ("SweepSummary", "run_plan"),
    "clustersim.experiments.spec": ("Experiment", "ExperimentError", "read_experiment_file"),
    "clustersim.experiments.storage": ("OutputFolderError", "load_runs", "load_steps",
                                       "read_manifest"),
}
__getattr__ = lazy_exports(__name__, _MODULES)
__dir__ = lazy_dir(__name__, _MODULES)

__all__ = [
    "BACKENDS",
    "Design",
    "ExecutorOptions",
    "Experiment",
    "ExperimentError",
    "OutputFolderError",
    "Plan",
    "Results",
    "SweepSummary",
    "build_design",
    "executor_options",
    "load_results",
    "load_runs",
    "load_steps",
    "prepare_plan",
    "read_experiment_file",
    "read_manifest",
    "run_experiment",
    "run_plan",
    "run_seed",
    "sweep",
]
