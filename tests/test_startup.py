"""Start-up stays light: parsing the command line imports no Mesa, pandas, scipy or model code."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "networkx", "numpy", "pydantic",
         "clustersim.model", "clustersim.simulation", "clustersim.processes",
         "clustersim.scenario.schema")


def _modules_after(code: str) -> set[str]:
    probe = (f"import sys, json\n{code}\n"
             "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


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
