"""The shipped calibration configs load, and every prior contains the current default: a prior
that misses the default cannot recover it, and a stale config would calibrate parameters far
from the model that ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustersim.calibration.config import load_config
from clustersim.scenario import load_scenario
from clustersim.shipped import resolve

# calibrated.yaml is the shipped run's output (a parameters fragment), not a config
CONFIGS = sorted(p for p in (Path(__file__).resolve().parents[2] / "calibration").glob("*.yaml")
                 if p.name != "calibrated.yaml")


def _value(data: dict, dotted: str) -> float:
    for key in dotted.split("."):
        data = data[key] if isinstance(data, dict) else getattr(data, key)
    return data


def test_the_shipped_configs_are_found():
    assert {p.stem for p in CONFIGS} >= {"quick", "default", "suite"}


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_config_loads_and_brackets_the_defaults(path: Path) -> None:
    config = load_config(path)
    baseline = load_scenario(resolve("baseline")).model_dump()
    for parameter in config.parameters:
        default = _value(baseline, parameter.path)
        prior = parameter.prior
        assert prior.low <= default <= prior.high, (
            f"{path.name}: {parameter.path} default {default} outside the prior "
            f"[{prior.low}, {prior.high}]")
