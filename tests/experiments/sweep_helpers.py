"""Small run functions and experiment builders shared by the experiments tests.

The functions live in a module (not in a test file) so worker processes can import them by name.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from clustersim.experiments import Experiment

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
# Tiny real-model runs: 10 firms, 12 months (a few tens of milliseconds each).
TINY = {"clusters.0.n_firms": 10, "steps": 12}


def noisy(params: dict[str, Any], seed: int) -> dict[str, float]:
    """A stochastic toy model: the result depends on the parameters and on the seed only."""
    rng = np.random.default_rng(seed)
    return {"y": params["a"] * 10 + params["b"] + rng.normal(), "u": float(rng.random())}


def noisy_with_steps(params: dict[str, Any], seed: int):
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.normal(size=25)) + params["a"]
    table = pd.DataFrame({"step": np.arange(25), "y": values, "u": rng.random(25)})
    return {"y": float(values[-1]), "u": float(table["u"].iloc[-1])}, table


def slow_noisy(params: dict[str, Any], seed: int) -> dict[str, float]:
    time.sleep(0.04)
    return noisy(params, seed)


def raises_at_a_3(params: dict[str, Any], seed: int) -> dict[str, float]:
    if params["a"] == 3:
        raise ValueError(f"model blew up at a={params['a']}")
    return noisy(params, seed)


def fails_while_flag_exists(params: dict[str, Any], seed: int) -> dict[str, float]:
    """Fails for points whose ``flag`` file exists: lets a test 'fix' the model between runs."""
    if params["flag"] and os.path.exists(params["flag"]):
        raise RuntimeError("flag file present")
    return {"y": float(np.random.default_rng(seed).random())}


def kills_worker_at_a_2(params: dict[str, Any], seed: int) -> dict[str, float]:
    if params["a"] == 2:
        os._exit(17)  # the worker process dies, as with a segfault or the OOM killer
    return noisy(params, seed)


def ishigami(params: dict[str, Any], seed: int) -> dict[str, float]:
    """Ishigami function (a=7, b=0.1); known Sobol' indices (Ishigami & Homma 1990)."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": float(np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1))}


def linear(params: dict[str, Any], seed: int) -> dict[str, float]:
    return {"y": 2.0 * params["x1"] - 0.5 * params["x2"] + 0.0 * params["x3"]}


def grid_spec(**changes: Any) -> Experiment:
    data: dict[str, Any] = {
        "name": "toy",
        "seed": 11,
        "replications": 3,
        "parameters": {"a": [1, 2, 3], "b": [0.0, 0.5]},
        "design": {"type": "grid"},
        "outputs": {"kpis": ["y", "u"]},
    }
    data.update(changes)
    return Experiment.model_validate(data)


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def tiny_model_experiment(path: Path, **changes: Any) -> Path:
    """An experiment file on the real model: baseline shrunk to 10 firms and 12 months."""
    data: dict[str, Any] = {
        "name": "tiny",
        "scenario": str(BASELINE),
        "overrides": dict(TINY),
        "seed": 5,
        "replications": 2,
        "parameters": {
            "policy.funding.annual_budget": [0, 100000],
            "markets.germany.language_barrier": [0.2, 0.8],
        },
        "design": {"type": "grid"},
        "outputs": {"kpis": ["export_share", "export_ties", "trust_cross_border"]},
    }
    data.update(changes)
    return write_yaml(path, data)


STABLE_COLUMNS_DROP = ["wall_time_s", "finished_at", "worker"]


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs table without columns that legitimately differ between executions."""
    return runs.drop(columns=STABLE_COLUMNS_DROP).reset_index(drop=True)
