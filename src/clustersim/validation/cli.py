"""``clustersim validate``: run the pattern suite and write validation.html and validation.json.

Exit status: 0 when every pattern passes (or with ``--no-fail``), 1 when some fail, 2 for bad
input (unknown scenario, invalid pattern file or override, output folder not empty).
"""

from __future__ import annotations

import math
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clustersim.experiments.cli import BATCH_SIZE
from clustersim.validation.defaults import FULL_REPLICATIONS, QUICK_REPLICATIONS, SEQUENTIAL_FACTOR

if TYPE_CHECKING:  # the suite loads numpy, scipy and the model: only inside the command
    from clustersim.validation.suite import ValidationResult

EXIT_FAILED = 1
EXIT_INVALID_INPUT = 2


def _bad_input(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_INVALID_INPUT)


def summary_lines(result: ValidationResult) -> list[str]:
    """One aligned text line per pattern: range, mean [95% CI], pass/fail."""
    def show(x: float) -> str:
        return "n/a" if math.isnan(x) else f"{x:.3f}"

    width = max((len(r.name) for r in result.results), default=7)
    lines = [f"{'pattern':<{width}}  {'accepted':>16}  {'mean':>8}  {'95% CI':>19}  result"]
    for r in result.results:
        ci = "" if math.isnan(r.ci_low) else f"[{show(r.ci_low)}, {show(r.ci_high)}]"
        lines.append(f"{r.name:<{width}}  {r.pattern.range_text():>16}  {show(r.mean):>8}  "
                     f"{ci:>19}  {'pass' if r.passed else 'FAIL'}"
                     + (f"  (defined in {r.n} of {len(r.values)} replications)"
                        if r.n_undefined and r.n else "")
                     + (f"  ({r.replications} replications: near a bound)"
                        if result.posterior is None and r.replications > result.replications
                        else "")
                     + ("  (undecided: the interval contains a bound)" if r.undecided else "")
                     + (f"  ({r.error})" if r.error else ""))
    return lines


@click.command("validate")
@click.argument("scenarios", nargs=-1)
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output folder for validation.html and validation.json (new or empty).")
@click.option("--replications", "-r", type=click.IntRange(min=2), default=None,
              help=f"Replications per scenario and variant [default: {FULL_REPLICATIONS}, "
                   f"{QUICK_REPLICATIONS} with --quick].")
@click.option("--max-replications", type=click.IntRange(min=2), default=None, metavar="N",
              help="Sequential replications: a pattern whose 95% interval contains a bound of "
                   "its accepted range is re-run with twice its replications, up to N "
                   f"[default: {SEQUENTIAL_FACTOR} x --replications; = --replications turns it "
                   "off; not with --posterior].")
@click.option("--quick", is_flag=True, help=f"Reduced configuration: {QUICK_REPLICATIONS} "
              "replications (intervals about twice as wide).")
@click.option("--no-fail", is_flag=True, help="Exit 0 even when patterns fail (report only).")
@click.option("--workers", "-w", type=click.IntRange(min=0), default=None,
              help="Worker processes (default: all cores; 0 or 1 = in this process). "
                   "Results do not depend on it.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Base seed of the common random numbers [default: 2024].")
@click.option("--patterns", "patterns_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="A pattern file instead of the shipped suite.")
@click.option("--set", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="Override a field of every scenario and variant by dotted path, e.g. "
                   "--set parameters.trust.remote_strength=1.0 (repeatable).")
@click.option("--posterior", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="posterior.parquet of 'clustersim calibrate': run the suite "
              "under --draws parameter sets drawn from it, so means and intervals include "
              "parameter uncertainty.")
@click.option("--draws", type=click.IntRange(min=1, max=100_000), default=None, metavar="K",
              help="Posterior draws (default 20; needs --posterior). Runs: K x replications.")
@click.option("--batch-size", type=BATCH_SIZE, default=1, metavar="N|auto",
              help="Replications of a scenario simulated together as one vectorised model "
                   "(faster for small scenarios; distributed as, not equal to, single runs) "
                   "[default: 1, one by one, the runs of docs/validation.md].")
@click.option("--overwrite", is_flag=True,
              help="Allow an --out folder that holds files; replaces validation.html/json only.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def validate_command(scenarios: tuple[str, ...], out_dir: Path, replications: int | None,
                     max_replications: int | None, quick: bool, no_fail: bool,
                     workers: int | None, seed: int | None,
                     patterns_file: Path | None, assignments: tuple[str, ...],
                     posterior: Path | None, draws: int | None, batch_size: int | str,
                     overwrite: bool, no_progress: bool) -> None:
    """Check the model against empirical patterns (export persistence, entry and survival,
    markets per exporter, concentration, funding effects, ESCA indicators, ...).

    SCENARIOS (shipped scenario names such as baseline, or scenario files) restrict the suite to
    the patterns measured on them; a file replaces the shipped scenario of the same name.
    Writes validation.html and validation.json to --out. Exit status 0 only if every pattern
    passes (unless --no-fail), 1 if some fail, 2 for bad input. With --posterior FILE --draws K
    the suite runs under K parameter sets drawn from a calibration's posterior.
    """
    from clustersim.cli import parse_assignment
    from clustersim.experiments.cli import terminate_like_ctrl_c
    from clustersim.experiments.executors import default_workers
    from clustersim.scenario.loader import InputFileError
    from clustersim.validation.patterns import load_patterns
    from clustersim.validation.report import (
        OutputFolderNotEmpty,
        check_output_folder,
        write_validation,
    )
    from clustersim.validation.suite import DEFAULT_SEED, run_validation

    try:
        overrides = dict(parse_assignment(a) for a in assignments)
    except click.BadParameter as exc:
        _bad_input(f"--set: {exc.message}")
    try:
        check_output_folder(out_dir, overwrite)
        patterns = load_patterns(patterns_file)
    except (OutputFolderNotEmpty, InputFileError) as exc:
        _bad_input(str(exc))
    reps = replications or (QUICK_REPLICATIONS if quick else FULL_REPLICATIONS)
    if max_replications is None and posterior is None:  # run_validation checks a given one
        max_replications = SEQUENTIAL_FACTOR * reps
    previous = signal.signal(signal.SIGTERM, terminate_like_ctrl_c)
    try:
        result = run_validation(
            patterns, scenarios=list(scenarios) or None, replications=replications, quick=quick,
            workers=default_workers() if workers is None else workers, overrides=overrides,
            seed=DEFAULT_SEED if seed is None else seed, progress=not no_progress,
            posterior=posterior, draws=draws, max_replications=max_replications,
            batch_size=batch_size)
    except (InputFileError, ValueError) as exc:
        _bad_input(str(exc))
    except KeyboardInterrupt:
        click.echo("\nInterrupted; nothing written.", err=True)
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    paths = write_validation(result, out_dir, overwrite=True)  # the folder was checked above
    click.echo("\n".join(summary_lines(result)))
    n_pass = sum(r.passed for r in result.results)
    extended = (0 if result.posterior is not None else
                sum(r.replications > result.replications for r in result.results))
    n_undecided = sum(r.undecided for r in result.results)
    undecided_text = (f"; {n_undecided} undecided: the interval still contains a bound"
                      if n_undecided else "")
    runs = (f"{result.replications} replications"
            + (f", {extended} patterns near a bound up to {result.max_replications}"
               if extended else "")
            if result.posterior is None else
            f"{result.posterior['draws']} posterior draws x {result.replications} replications")
    click.echo(f"\n{n_pass} of {len(result.results)} patterns pass{undecided_text} ({runs}, "
               f"seed {result.seed}, {result.run_time_s:.1f} s); wrote "
               f"{', '.join(str(p) for p in paths.values())}")
    if not result.passed and not no_fail:
        sys.exit(EXIT_FAILED)
