"""The ``clustersim`` command: thin wrappers that parse options, call the package and print."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clustersim.options import ALLOW_FLAG, ScenarioFieldRange

if TYPE_CHECKING:  # the scenario package loads pydantic: only inside the commands
    from clustersim.scenario import ScenarioError

EXIT_INVALID_INPUT = 2

# Subcommands whose modules pull in heavy libraries (dask, SALib, solara) load only when used.
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "sweep": ("clustersim.experiments.cli", "sweep_command",
              "Run a parameter sweep described in an experiment file."),
    "sensitivity": ("clustersim.experiments.cli", "sensitivity_command",
                    "Sobol or Morris sensitivity indices for chosen KPIs."),
    "dashboard": ("clustersim.viz.cli", "dashboard_command",
                  "Start the interactive teaching dashboard in the browser."),
    "compare": ("clustersim.analysis.cli", "compare_command",
                "Compare funding schemes at equal public spend and write an HTML report."),
    "plot": ("clustersim.analysis.cli", "plot_command",
             "Quick plot of a KPI over time from sweep results."),
    "validate": ("clustersim.validation.cli", "validate_command",
                 "Check the model against empirical patterns; write validation.html/.json."),
    "calibrate": ("clustersim.calibration.cli", "calibrate_command",
                  "Calibrate free parameters against the patterns with ABC-SMC (pyabc)."),
}


class LazyGroup(click.Group):
    """A click group that imports some subcommands on first use (fast ``--help`` and ``run``)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, attr, _ = LAZY_COMMANDS[name]
            try:
                return getattr(importlib.import_module(module_name), attr)
            except (ImportError, AttributeError) as exc:
                raise click.ClickException(
                    f"'{name}' is unavailable: {exc}. Install the package with its extras "
                    "(pip install -e '.[all]')."
                ) from exc
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, cmd.get_short_help_str(80)) for name, cmd in sorted(self.commands.items())]
        rows += [(name, help_text) for name, (_, _, help_text) in sorted(LAZY_COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


def parse_assignment(text: str) -> tuple[str, Any]:
    """``path.to.field=value`` with the value read as YAML (numbers, booleans, lists)."""
    from clustersim.scenario.safe_yaml import YamlInputError, parse_yaml

    if "=" not in text:
        raise click.BadParameter(f"'{text}' must look like field.path=value")
    key, raw = text.split("=", 1)
    try:
        value = parse_yaml(raw)
    except YamlInputError as exc:
        raise click.BadParameter(f"value of '{key[:120]}': {exc}") from None
    return key.strip(), value


def fail_on_invalid(exc: ScenarioError) -> None:
    click.echo(f"error: {exc}", err=True)
    sys.exit(EXIT_INVALID_INPUT)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clustersim")
def main() -> None:
    """clustersim: agent-based simulation of how industrial clusters internationalise.

    Firms, cluster facilitators and foreign partners evolve trust, cooperation and export ties
    under policy scenarios (public funding schemes, language barriers, coordination costs).
    Scenarios are YAML files, or the name of a shipped one ('clustersim scenarios' lists them);
    see docs/ODD.md.
    """


@main.command("run")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: results/<scenario name>].")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet",
              show_default=True, help="File format of the tables.")
@click.option("--seed", type=ScenarioFieldRange("seed"), default=None,
              help="Random seed [default: the scenario's seed].")
@click.option("--steps", type=ScenarioFieldRange("steps"), default=None,
              help="Months to simulate [default: the scenario's steps].")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Override a scenario field by dotted path, e.g. "
                   "--set policy.funding.annual_budget=120000 (repeatable).")
@click.option("--agent-tables", is_flag=True, help="Also write a per-step firm table (slower).")
@click.option("--no-chart", is_flag=True, help="Skip the PNG chart of the main KPIs.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar while running.")
@click.option("--overwrite", is_flag=True, default=False,
              help="Replace an --out folder that holds another clustersim output.")
@click.option(ALLOW_FLAG, "allow_large", is_flag=True, default=False,
              help="Run models beyond the size limits of clustersim.limits (memory!).")
def run_command(scenario_file: Path, out_dir: Path | None, fmt: str, seed: int | None,
                steps: int | None, assignments: tuple[str, ...], agent_tables: bool,
                no_chart: bool, progress: bool, overwrite: bool, allow_large: bool) -> None:
    """Run one scenario (a YAML file or a shipped scenario's name, e.g. 'baseline') and write
    its KPI tables, network, chart and manifest.

    Prints the final KPIs. Writes kpis.<format> (one row per month), cluster_kpis (with several
    clusters), network (firm-partner relations at the end), kpis.png and manifest.json.
    The folder is written whole or not at all; a folder holding another scenario's or another
    command's output is refused unless --overwrite.
    """
    # Mesa first: its logger set-up scans the loaded modules (inspect.stack), which costs less
    # before pydantic, pandas and pyarrow are loaded (see clustersim.mesa_core).
    import clustersim.mesa_core  # noqa: F401
    from clustersim.limits import check_model_size
    from clustersim.outputs.folders import OutputFolderError, staged_folder
    from clustersim.outputs.writers import write_run
    from clustersim.scenario import ScenarioError, load_scenario
    from clustersim.shipped import SCENARIOS, resolve
    from clustersim.simulation import NonFiniteKPIError, simulate

    scenario_file = resolve(scenario_file, SCENARIOS)
    overrides = dict(parse_assignment(a) for a in assignments)
    try:
        scenario = load_scenario(scenario_file, overrides=overrides or None)
        check_model_size(scenario, allow_large, source=str(scenario_file))
    except ScenarioError as exc:
        fail_on_invalid(exc)
    out = out_dir or Path("results") / scenario.name
    try:
        with staged_folder(out, "run", scenario.name, overwrite=overwrite) as stage:
            result = simulate(scenario, seed=seed, steps=steps, progress=progress,
                              collect_agent_tables=agent_tables or None)
            paths = write_run(result, stage.path, fmt=fmt,  # type: ignore[arg-type]
                              scenario_file=str(scenario_file), chart=not no_chart)
    except OutputFolderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    except NonFiniteKPIError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    paths = {role: out / p.name for role, p in paths.items()}
    click.echo(summary_table(result.final, title=f"{scenario.name}: final KPIs "
                             f"(month {int(result.kpis['step'].iloc[-1])}, seed {result.seed})"))
    click.echo(f"\nwrote {len(paths)} files to {out}/ in {result.wall_time_s:.2f} s "
               f"({', '.join(p.name for p in paths.values())})")


@main.command("validate-scenario")
@click.argument("scenario_files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option(ALLOW_FLAG, "allow_large", is_flag=True, default=False,
              help="Accept models beyond the size limits of clustersim.limits.")
def validate_command(scenario_files: tuple[Path, ...], allow_large: bool) -> None:
    """Check scenario files without running them (exit code 2 if any is invalid, or too large
    to run without --allow-large)."""
    from clustersim.limits import check_model_size
    from clustersim.scenario import ScenarioError, load_scenario
    from clustersim.shipped import SCENARIOS, resolve

    failed = False
    for path in scenario_files:
        path = resolve(path, SCENARIOS)
        try:
            scenario = load_scenario(path)
            check_model_size(scenario, allow_large, source=str(path))
        except ScenarioError as exc:
            click.echo(f"error: {exc}", err=True)
            failed = True
            continue
        click.echo(f"ok: {path} ({scenario.n_clusters} cluster(s), {scenario.n_firms} firms, "
                   f"{len(scenario.markets)} markets, {scenario.steps} months)")
    if failed:
        sys.exit(EXIT_INVALID_INPUT)


@main.command("scenarios")
@click.option("--experiments", "show_experiments", is_flag=True,
              help="List the shipped experiment and comparison files instead.")
def scenarios_command(show_experiments: bool) -> None:
    """List the shipped scenarios (or experiment files), one line each.

    Any command that takes a scenario or experiment file also takes these names, from any
    directory: 'clustersim run baseline', 'clustersim dashboard gold_label',
    'clustersim sweep quick'.
    """
    from clustersim.shipped import EXPERIMENTS, SCENARIOS, listing

    kind = EXPERIMENTS if show_experiments else SCENARIOS
    rows = listing(kind)
    width = max((len(name) for name, _ in rows), default=0)
    for name, line in rows:
        click.echo(f"{name:<{width}}  {line}")


def summary_table(final: dict[str, float], title: str) -> str:
    """The final KPIs as an aligned two-column text table with short descriptions."""
    from clustersim.outputs.kpis import KPI_DESCRIPTIONS

    width = max(len(k) for k in final)
    lines = [title, "-" * len(title)]
    for name, value in final.items():
        shown = "n/a" if value != value else (f"{value:,.0f}" if abs(value) >= 1000
                                               else f"{value:.3f}")
        lines.append(f"{name:<{width}}  {shown:>12}  {KPI_DESCRIPTIONS.get(name, '')}")
    return "\n".join(lines)


def run() -> None:
    """Console entry point: ``main`` with a plain message when an optional package is missing."""
    try:
        main()
    except ModuleNotFoundError as exc:
        click.echo(f"error: this command needs the optional package '{exc.name}', which is not "
                   "installed. Install the extras: pip install -e '.[all]' (in a checkout) or "
                   "pip install 'clustersim[all]'.", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    run()
