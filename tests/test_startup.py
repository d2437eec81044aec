"""Start-up stays light: parsing the command line imports no Mesa, pandas, scipy or model code;
the model loads only Mesa's core modules (clustersim.mesa_core), the rest of Mesa on first use."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "networkx", "numpy", "pydantic",
         "clustersim.model", "clustersim.simulation", "clustersim.processes",
         "clustersim.scenario.schema",
         "importlib.metadata")  # scans the installed packages: only for --version, manifests


ROOT = Path(__file__).resolve().parent.parent

REST_OF_MESA = ("mesa.space", "mesa.discrete_space", "mesa.experimental", "mesa.batchrunner",
                "mesa.visualization", "scipy", "networkx", "solara", "multiprocessing.pool")
"""What ``import mesa`` loads (mesa/__init__.py) and the model does not use."""


def _modules_after(code: str) -> set[str]:
    probe = (f"import sys, json\n{code}\n"
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=300)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def _run_cli(*args: str) -> str:
    return ("import sys\nfrom clustersim.cli import main\n"
            f"sys.argv = ['clustersim', *{list(args)!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code")


def _heavy(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


def test_importing_the_cli_loads_no_heavy_module():
    modules = _modules_after("import clustersim.cli")
    assert "clustersim.cli" in modules
    assert "mesa" not in modules
    assert _heavy(modules) == []


def test_top_level_help_loads_no_heavy_module():
    code = ("import sys\nfrom clustersim.cli import main\n"
            "sys.argv = ['clustersim', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass")
    assert _heavy(_modules_after(code)) == []


# Showing a schema-bounded option's range (``run --steps``, ``sweep --steps``) reads the schema
# (pydantic, which loads importlib.metadata for its plugins), so help texts may load it; nothing
# heavier.
HELP_HEAVY = tuple(h for h in HEAVY
                   if h not in ("pydantic", "clustersim.scenario.schema", "importlib.metadata"))


def _commands() -> list[str]:
    import click

    from clustersim.cli import main

    return main.list_commands(click.Context(main))


def test_every_command_is_probed():
    assert {"run", "sweep", "sensitivity", "compare", "plot", "validate", "calibrate",
            "dashboard"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_help_of_every_command_loads_no_heavy_module(command):
    """``clustersim COMMAND --help`` (and so parsing its options) imports no numpy, pandas,
    scipy, Mesa or model code: heavy imports happen inside the command that runs."""
    modules = _modules_after(_run_cli(command, "--help"))  # fails if --help exits non-zero
    assert _heavy(modules, HELP_HEAVY) == []


def test_the_probe_sees_heavy_imports():
    """The check can fail: importing the package's model does load Mesa."""
    modules = _modules_after("import clustersim\nclustersim.ClusterModel")
    assert "mesa" in modules and "clustersim.model" in modules


def test_lazy_package_attributes_resolve():
    import clustersim
    from clustersim.model import ClusterModel
    from clustersim.simulation import simulate

    assert clustersim.ClusterModel is ClusterModel
    assert clustersim.simulate is simulate
    assert "load_scenario" in dir(clustersim)


@pytest.mark.parametrize("module", ["clustersim.model", "clustersim.simulation"])
def test_the_model_loads_only_mesas_core(module):
    modules = _modules_after(f"import {module}")
    assert {"mesa", "mesa.model", "mesa.agent", "mesa.datacollection"} <= modules
    assert _loaded(modules, REST_OF_MESA) == []


def test_the_probe_sees_the_rest_of_mesa():
    """The check above can fail: an ordinary ``import mesa`` loads all of it."""
    modules = _modules_after("import mesa")
    assert {"mesa.space", "mesa.batchrunner", "scipy.spatial", "networkx"} <= modules


def test_run_loads_neither_the_rest_of_mesa_nor_pyplot(tmp_path):
    """A whole ``clustersim run`` (tables, chart, manifest) never needs Mesa's __init__."""
    out = tmp_path / "run"
    modules = _modules_after(_run_cli("run", str(ROOT / "scenarios/baseline.yaml"), "--steps",
                                      "3", "--no-progress", "--out", str(out)))
    assert (out / "kpis.png").is_file() and (out / "manifest.json").is_file()
    assert _loaded(modules, (*REST_OF_MESA, "matplotlib.pyplot", "tqdm")) == []
    assert "matplotlib.figure" in modules


def test_run_without_chart_loads_no_matplotlib(tmp_path):
    out = tmp_path / "run"
    modules = _modules_after(_run_cli("run", str(ROOT / "scenarios/baseline.yaml"), "--steps",
                                      "3", "--no-progress", "--no-chart", "--out", str(out)))
    assert not (out / "kpis.png").exists()
    assert _loaded(modules, ("matplotlib", "PIL")) == []


def test_the_rest_of_mesa_loads_on_first_use():
    """After the model's light import, ``import mesa`` is the ordinary, whole package, with the
    very classes the model subclasses."""
    code = """
import clustersim.model
from clustersim import mesa_core
assert not mesa_core.is_complete()
import mesa
import mesa.agent, mesa.datacollection, mesa.model
assert mesa.__version__ == mesa_core.mesa_version()
from mesa import batch_run, space
assert mesa_core.is_complete() and callable(batch_run) and space is mesa.space
assert mesa.Model is mesa.model.Model and mesa.Agent is mesa.agent.Agent
assert mesa.DataCollector is mesa.datacollection.DataCollector
assert issubclass(clustersim.model.ClusterModel, mesa.Model)
assert {"batch_run", "space", "discrete_space", "experimental"} <= set(dir(mesa))
assert sorted(mesa.__all__) == sorted(n for n in mesa.__all__ if hasattr(mesa, n))
try:
    mesa.no_such_name
except AttributeError as exc:
    assert "no_such_name" in str(exc)
else:
    raise AssertionError("missing attribute did not raise")
"""
    modules = _modules_after(code)
    assert {"mesa.space", "mesa.batchrunner"} <= modules


def test_mesa_imported_first_is_used_as_is():
    code = """
import mesa
import clustersim.model
from clustersim import mesa_core
assert mesa_core.mesa is mesa and mesa_core.is_complete()
assert issubclass(clustersim.model.ClusterModel, mesa.Model)
"""
    assert "mesa.space" in _modules_after(code)


def test_unexpected_mesa_layout_falls_back_to_the_ordinary_import():
    code = """
from clustersim import mesa_core
mesa_core._forget_mesa()
mesa_core.CORE_MODULES = (*mesa_core.CORE_MODULES, "mesa.no_such_module")
package = mesa_core._load_core()
import mesa
assert package is mesa and mesa_core.is_complete() and mesa.batch_run
"""
    assert "mesa.batchrunner" in _modules_after(code)


def test_manifest_mesa_version_is_mesas_own():
    from clustersim.mesa_core import mesa_version

    assert mesa_version() == importlib.metadata.version("mesa")
    assert mesa_version().startswith("3.3")
