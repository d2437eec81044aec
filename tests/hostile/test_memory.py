"""The oversized inputs of the audit, run under a hard memory limit: each must be *refused*
(exit status 2, a message with the size and the limit), never attempted until MemoryError.

A child process sets ``RLIMIT_AS`` (address space) with :mod:`resource` and then runs every case
in-process, so one interpreter start serves them all. Before the fix, the first case allocated
5 GB before failing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

LIMIT_BYTES = 3 * 1024**3
"""Address-space limit of the child: enough for the interpreter with numpy, pandas and pyarrow
mapped (~1.5 GB of virtual space), far below what any oversized case would need."""

SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import yaml
    from click.testing import CliRunner
    from clustersim.cli import main

    base = Path(sys.argv[2])
    scenario = {"name": "big", "steps": 2, "clusters": [{"name": "a", "n_firms": 8}],
                "markets": {"m": {"language_barrier": 0.3}}}
    (base / "s.yaml").write_text(yaml.safe_dump(scenario))
    def exp(name, **extra):
        data = {"name": name, "scenario": "s.yaml", **extra}
        path = base / f"{name}.yaml"
        path.write_text(yaml.safe_dump(data))
        return str(path)
    three = {f"policy.{n}": {"bounds": [0, 1], "levels": 1000} for n in
             ("translation_support", "coordination_cost", "funding.match_ratio")}
    bomb = "\\n".join(["a0: &a0 [" + ", ".join(["lol"] * 9) + "]"] + [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)])
    (base / "bomb.yaml").write_text("name: big\\n" + bomb + "\\n")
    cases = {
        "grid-1e9-points": ["sweep", exp("grid", parameters=three), "--workers", "0"],
        "1e9-runs": ["sweep", exp("reps", replications=1_000_000, parameters={
            "policy.translation_support": {"bounds": [0, 1], "levels": 1000}}), "--workers", "0"],
        "sobol-50M": ["sweep", exp("sobol", design={"type": "sobol", "samples": 8_388_608},
                      parameters={"policy.translation_support": {"bounds": [0, 1]},
                                  "policy.coordination_cost": {"bounds": [0, 2]},
                                  "policy.funding.match_ratio": {"bounds": [0, 2]},
                                  "policy.funding.annual_budget": {"bounds": [0, 1e5]}}),
                      "--workers", "0"],
        "model-5e7-firms": ["run", str(base / "s.yaml"), "--set", "clusters.0.count=1000",
                            "--set", "clusters.0.n_firms=50000", "--no-progress"],
        "alias-bomb": ["validate-scenario", str(base / "bomb.yaml")],
    }
    results = {}
    for name, args in cases.items():
        args = [*args, "--out", str(base / ("out-" + name))] if args[0] != "validate-scenario" \\
            else args
        r = CliRunner().invoke(main, args)
        exc = r.exception if not isinstance(r.exception, SystemExit) else None
        results[name] = {"code": r.exit_code, "output": r.output[-600:], "exception": repr(exc)}

    from clustersim.scenario import load_scenario
    from clustersim.scenario.loader import ScenarioError
    from clustersim.viz.levers import LeverSettings, build_scenario, settings_of
    start = load_scenario(base / "s.yaml")
    for name, extra in {"dashboard-oversized": "clusters.0.count=1000; clusters.0.n_firms=50000",
                        "dashboard-alias-bomb": "steps=" + "{" + bomb.replace("\\n", ", ") + "}"
                        }.items():
        try:
            build_scenario(start, settings_of(start), extra)
            results[name] = {"code": 0, "output": "accepted", "exception": "None"}
        except ScenarioError as exc:
            results[name] = {"code": 2, "output": str(exc)[-600:], "exception": "None"}
        except BaseException as exc:
            results[name] = {"code": 1, "output": "", "exception": repr(exc)}
    print(json.dumps(results))
    """
)

EXPECTED = {
    "grid-1e9-points": "1,000,000,000 points",
    "1e9-runs": "runs",
    "sobol-50M": "points",
    "model-5e7-firms": "50,000,000 firms",
    "alias-bomb": "alias",
    "dashboard-oversized": "50,000,000 firms",
    "dashboard-alias-bomb": "alias",
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    base = tmp_path_factory.mktemp("memory")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(LIMIT_BYTES), str(base)],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", list(EXPECTED))
def test_oversized_input_is_refused_under_a_memory_limit(outcomes, case):
    outcome = outcomes[case]
    assert "MemoryError" not in outcome["exception"] + outcome["output"], outcome
    assert outcome["exception"] == "None", outcome
    assert outcome["code"] == 2, outcome
    assert EXPECTED[case] in outcome["output"], outcome
    if case not in ("alias-bomb", "dashboard-alias-bomb"):
        assert "limit" in outcome["output"], outcome
