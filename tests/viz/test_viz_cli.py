"""``clustersim dashboard``: options, the server command it becomes, and bad scenario files."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from clustersim.cli import main
from clustersim.viz import cli as viz_cli
from clustersim.viz.dashboard_model import SCENARIO_ENV


class Exec(Exception):
    """Raised instead of replacing the test process with the server."""


@pytest.fixture
def captured_exec(monkeypatch):
    calls = []

    def fake_execve(path, argv, env):
        calls.append((path, argv, env))
        raise Exec

    monkeypatch.setattr(viz_cli.os, "execve", fake_execve)
    monkeypatch.setattr(viz_cli.os, "name", "posix")
    return calls


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["dashboard", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "SCENARIO_FILE", "127.0.0.1"):
        assert option in result.output


def test_default_is_localhost_and_the_baseline(captured_exec, repo_root, monkeypatch):
    monkeypatch.chdir(repo_root)
    result = CliRunner().invoke(main, ["dashboard"])
    assert isinstance(result.exception, Exec)
    _, argv, env = captured_exec[0]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"
    assert argv[argv.index("--port") + 1] == "8765"
    assert "clustersim.viz.app" in argv and "--production" in argv and "--no-open" in argv
    assert env[SCENARIO_ENV] == str(repo_root / "scenarios" / "baseline.yaml")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"


def test_scenario_host_and_port_are_passed_on(captured_exec, repo_root):
    embryonic = repo_root / "scenarios" / "embryonic.yaml"
    result = CliRunner().invoke(main, ["dashboard", str(embryonic), "--host", "0.0.0.0",
                                       "--port", "9001"])
    assert isinstance(result.exception, Exec)
    _, argv, env = captured_exec[0]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "9001"
    assert env[SCENARIO_ENV] == str(embryonic)
    assert "embryonic" in result.output


def test_invalid_scenario_stops_before_the_server(captured_exec, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nclusters: [{name: a, n_firm: 3}]\nmarkets: {de: {}}\n")
    result = CliRunner().invoke(main, ["dashboard", str(bad)])
    assert result.exit_code == 2
    assert "did you mean 'n_firms'" in result.output
    assert captured_exec == []


def test_missing_scenario_file_is_reported(captured_exec, tmp_path):
    result = CliRunner().invoke(main, ["dashboard", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.output
    assert captured_exec == []


def test_port_out_of_range_is_refused(captured_exec):
    result = CliRunner().invoke(main, ["dashboard", "--port", "70000"])
    assert result.exit_code == 2
    assert captured_exec == []
