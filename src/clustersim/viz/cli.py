"""``clustersim dashboard``: check the scenario, then serve the Solara app on a local port.

The scenario file is validated here first, so a bad file stops with the usual readable error
instead of a broken web page. The command then becomes ``solara run`` (production mode: no
auto-reload, no tracebacks in the browser; on POSIX via ``exec``, so signals reach the server),
which receives the scenario path in ``$CLUSTERSIM_SCENARIO``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import click

from clustersim.shipped import SCENARIOS, resolve

APP = "clustersim.viz.app"
EXIT_INVALID_INPUT = 2


def solara_command(host: str, port: int, open_browser: bool) -> list[str]:
    """The ``solara run`` command line that serves the dashboard app."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open",
            "--log-level", "warning"]


@click.command("dashboard")
@click.argument("scenario_file", required=False,
                type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 serves the whole network: only on a trusted "
                   "classroom network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port to listen on.")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open the dashboard in the default web browser.")
def dashboard_command(scenario_file: Path | None, host: str, port: int,
                      open_browser: bool) -> None:
    """Start the interactive teaching dashboard in the browser.

    Serves a web app at http://HOST:PORT with sliders for the main policy levers, play / step /
    reset controls, the firm-partner network, live KPI charts, a side-by-side mode that runs two
    settings with the same seed, and an "About this model" page. SCENARIO_FILE is a YAML file
    or a shipped scenario's name ('clustersim scenarios' lists them); it defaults to the shipped
    baseline. Stop it with Ctrl+C.
    """
    # the dashboard's model loads Mesa and the schema: only when the command runs, not for --help
    from clustersim.limits import check_dashboard_scenario, port_in_use
    from clustersim.scenario import ScenarioError, load_scenario
    from clustersim.viz.dashboard_model import DEFAULT_SCENARIO, SCENARIO_ENV

    path = resolve(scenario_file or DEFAULT_SCENARIO, SCENARIOS).resolve()
    try:
        scenario = check_dashboard_scenario(load_scenario(path))
    except ScenarioError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    port_problem = port_in_use(host, port)
    if port_problem:
        click.echo(f"error: {port_problem}", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    # no usage statistics sent from a classroom laptop (solara's default is on); a user may
    # still switch them on by setting the variable
    env = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **os.environ, SCENARIO_ENV: str(path)}
    click.echo(f"clustersim dashboard: scenario '{scenario.name}' ({path})")
    if importlib.util.find_spec("solara_assets") is None:
        click.echo("warning: the 'solara-assets' package is not installed, so the browser loads "
                   "the page's scripts from cdn.jsdelivr.net (needs internet); "
                   "pip install -e '.[dashboard]' for offline use", err=True)
    click.echo(f"open http://{host}:{port} in a browser; Ctrl+C stops the server")
    command = solara_command(host, port, open_browser)
    if os.name == "posix":
        # become the server process, so Ctrl+C and a signal to this pid reach it directly
        os.execve(command[0], command, env)
    try:  # pragma: no cover - Windows has no exec that keeps the pid
        completed = subprocess.run(command, env=env, check=False)
    except KeyboardInterrupt:
        return
    sys.exit(completed.returncode)
