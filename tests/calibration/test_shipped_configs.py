"""The shipped calibration configs load, every prior contains both the schema default and the
value the shipped scenarios use (a prior that misses them cannot recover them, and a stale config
would calibrate parameters far from the model that ships), and every shipped scenario uses the
shipped calibration (calibration/calibrated.yaml through scenarios/parameters/calibrated.yaml)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from clustersim.calibration.config import load_config
from clustersim.scenario import load_scenario
from clustersim.scenario.schema import Parameters
from clustersim.shipped import resolve, shipped_dir, shipped_names

CALIBRATION = Path(__file__).resolve().parents[2] / "calibration"

# calibrated.yaml is the shipped run's output (a parameters fragment), not a config
CONFIGS = sorted(p for p in CALIBRATION.glob("*.yaml")
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
    shipped = load_scenario(resolve("baseline")).model_dump()
    schema = {"parameters": Parameters().model_dump()}
    for parameter in config.parameters:
        prior = parameter.prior
        for kind, values in (("schema default", schema), ("shipped value", shipped)):
            value = _value(values, parameter.path)
            assert prior.low <= value <= prior.high, (
                f"{path.name}: {parameter.path} {kind} {value} outside the prior "
                f"[{prior.low}, {prior.high}]")


def _flatten(tree: dict, prefix: str = "") -> dict[str, float]:
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_calibrated_yaml_is_the_shipped_posterior_of_the_default_config():
    calibrated = _flatten(yaml.safe_load((CALIBRATION / "calibrated.yaml").read_text()))
    config = load_config(CALIBRATION / "default.yaml")
    assert set(calibrated) == {p.path for p in config.parameters}
    summary = pd.read_csv(CALIBRATION / "posterior_summary.csv").set_index("parameter")
    for path, value in calibrated.items():
        assert value == pytest.approx(summary.loc[path, "calibrated_value"], rel=1e-5), path
        assert summary.loc[path, "q025"] <= value <= summary.loc[path, "q975"], path


def test_the_shipped_calibration_is_of_the_shipped_config():
    """The shipped run's manifest carries the identity of calibration/default.yaml as it
    resolves today (config, parameter order, measured scenarios, target patterns), and
    calibrated.yaml holds the particle its point estimate chose."""
    manifest = json.loads((CALIBRATION / "manifest_default.json").read_text())
    config = load_config(CALIBRATION / "default.yaml")
    assert manifest["config_sha256"] == config.identity()
    assert manifest["point_estimate"]["method"] == config.config.point_estimate.method
    if config.config.point_estimate.method == "best_particle":
        point = pd.read_csv(CALIBRATION / "point_estimate.csv")
        chosen = point.loc[point["chosen"]].iloc[0]
        calibrated = _flatten(yaml.safe_load((CALIBRATION / "calibrated.yaml").read_text()))
        for path, value in calibrated.items():
            assert value == pytest.approx(chosen[path], rel=1e-5), path


@pytest.mark.parametrize("name", shipped_names())
def test_every_shipped_scenario_uses_the_calibrated_parameters(name: str) -> None:
    assert (shipped_dir("scenarios") / "parameters" / "calibrated.yaml").resolve() == (
        CALIBRATION / "calibrated.yaml").resolve()
    calibrated = _flatten(yaml.safe_load((CALIBRATION / "calibrated.yaml").read_text()))
    scenario = load_scenario(resolve(name)).model_dump()
    for path, value in calibrated.items():
        assert _value(scenario, path) == pytest.approx(value, rel=1e-12), (name, path)
