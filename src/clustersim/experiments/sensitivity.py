"""Sobol' and Morris sensitivity indices of a finished sweep, computed by SALib.

The design is rebuilt from the experiment recorded in the manifest (it is deterministic given the
experiment seed), the model output of each design point is the mean of the KPI over the point's
successful replications, and SALib's ``sobol.analyze`` (first and total order, optionally second
order, with bootstrap confidence intervals) or ``morris.analyze`` does the rest. Averaging the
replications removes part of the model's own noise from the variance being decomposed; with one
replication the indices include it.

Sobol' estimates from too few base samples are noise: confidence intervals wider than the
indices, first-order indices above 1 or below 0. :func:`reliability_warnings` names the parameters
where that happens; the warnings go to stderr, into a ``note`` column of ``indices.csv`` and under
the plot, so nobody reads such an index as a finding.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from clustersim.experiments.designs import Design, build_design, design_seed
from clustersim.experiments.spec import Experiment
from clustersim.experiments.storage import load_runs, read_manifest

SENSITIVITY_DIR = "sensitivity"
# Confidence half-widths below this are not flagged even when the index is smaller still: an
# index of 0.00 +- 0.02 says "no effect", which is a finding, not noise.
CONF_FLOOR = 0.05


class SensitivityError(ValueError):
    """The sweep cannot be analysed (wrong design, missing runs, unknown KPI)."""


@dataclass(frozen=True)
class SensitivityResult:
    method: str
    table: pd.DataFrame
    second_order: pd.DataFrame | None
    table_path: Path | None
    plot_path: Path | None
    warnings: tuple[str, ...] = ()


def _row_problems(row: pd.Series) -> list[str]:
    """What is wrong with one Sobol' row (empty when nothing)."""
    problems = []
    for index in ("S1", "ST"):
        value, conf = row[index], row[f"{index}_conf"]
        if not (np.isfinite(value) and np.isfinite(conf)):
            problems.append(f"{index} is not a number")
            continue
        if conf > abs(value) and conf >= CONF_FLOOR:
            problems.append(f"{index} = {value:.2f} +- {conf:.2f}: interval wider than the index")
        if value - conf > 1:
            problems.append(f"{index} = {value:.2f} +- {conf:.2f} > 1 beyond its interval")
        if value + conf < 0:
            problems.append(f"{index} = {value:.2f} +- {conf:.2f} < 0 beyond its interval")
    return problems


def reliability_notes(table: pd.DataFrame) -> pd.Series:
    """Per row of a Sobol' table, the problems found ("" when none), for the ``note`` column."""
    if table.empty or "S1_conf" not in table.columns:
        return pd.Series([""] * len(table), index=table.index, dtype=object)
    return table.apply(lambda row: "; ".join(_row_problems(row)), axis=1).astype(object)


def reliability_warnings(table: pd.DataFrame, samples: int | None = None) -> list[str]:
    """One warning per KPI whose Sobol' indices are unreliable (confidence interval wider than
    the index beyond :data:`CONF_FLOOR`, or an index outside [0, 1] beyond its interval), naming
    the parameters and suggesting a larger base sample (intervals shrink as 1/sqrt(N))."""
    notes = reliability_notes(table)
    if not notes.any():
        return []
    more = (f"raise design.samples from {samples} to {4 * samples} (4x the base samples "
            "halves the intervals)" if samples else "use more base samples (design.samples)")
    out = []
    for kpi, part in table.assign(note=notes).groupby("kpi", sort=False):
        bad = part[part["note"] != ""]
        if bad.empty:
            continue
        names = ", ".join(short_label(p) for p in bad["parameter"])
        out.append(f"warning: {kpi}: Sobol' indices of {names} are not reliable (interval wider "
                   f"than the index, or an index outside [0, 1] beyond its interval); {more}")
    return out


def point_means(runs: pd.DataFrame, kpis: list[str], n_points: int) -> pd.DataFrame:
    """Mean of each KPI over the successful replications of every design point, in point order."""
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point_id")[kpis].mean().reindex(range(n_points))
    missing = int(means.isna().all(axis=1).sum())
    if missing:
        raise SensitivityError(
            f"{missing} of {n_points} design points have no successful run (failed or not run "
            "yet); finish the sweep (re-run it, with --retry-failed for failed runs)"
        )
    return means


def compute_indices(
    spec: Experiment, design: Design, Y: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """SALib indices for every KPI column of ``Y`` (one row per design point)."""
    from SALib.analyze import morris, sobol

    if design.problem is None or design.kind not in ("sobol", "morris"):
        raise SensitivityError(
            f"sensitivity analysis needs a sobol or morris design, this experiment has "
            f"'{design.kind}'"
        )
    opts = spec.sensitivity
    rows: list[dict] = []
    second: list[dict] = []
    names = design.problem["names"]
    for kpi in Y.columns:
        y = Y[kpi].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            bad = int((~np.isfinite(y)).sum())
            warnings.warn(f"{kpi}: {bad} design points give NaN/inf; KPI skipped", stacklevel=2)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # constant outputs: 0/0 -> NaN
            if design.kind == "sobol":
                si = sobol.analyze(
                    design.problem,
                    y,
                    calc_second_order=spec.design.second_order,
                    num_resamples=opts.num_resamples,
                    conf_level=opts.conf_level,
                    seed=design_seed(spec.seed),
                )
            else:
                si = morris.analyze(
                    design.problem,
                    design.X,
                    y,
                    num_resamples=opts.num_resamples,
                    conf_level=opts.conf_level,
                    num_levels=spec.design.levels,
                    seed=design_seed(spec.seed),
                )
        for j, name in enumerate(names):
            if design.kind == "sobol":
                rows.append({"kpi": kpi, "parameter": name, "S1": si["S1"][j],
                             "S1_conf": si["S1_conf"][j], "ST": si["ST"][j],
                             "ST_conf": si["ST_conf"][j]})
            else:
                rows.append({"kpi": kpi, "parameter": name, "mu": si["mu"][j],
                             "mu_star": si["mu_star"][j], "mu_star_conf": si["mu_star_conf"][j],
                             "sigma": si["sigma"][j]})
        if design.kind == "sobol" and spec.design.second_order:
            for j, a in enumerate(names):
                for k in range(j + 1, len(names)):
                    second.append({"kpi": kpi, "parameter_1": a, "parameter_2": names[k],
                                   "S2": si["S2"][j, k], "S2_conf": si["S2_conf"][j, k]})
    table = pd.DataFrame(rows)
    return table, (pd.DataFrame(second) if second else None)


def check_request(experiment: str | Path, kpis: list[str] | None = None) -> None:
    """Refuse, before any run, an experiment that cannot be analysed: a design other than
    sobol/morris, or ``--kpi`` names the sweep will not keep."""
    import difflib

    from clustersim.experiments.spec import read_experiment_file
    from clustersim.outputs.kpis import KPI_NAMES

    spec, _ = read_experiment_file(experiment)
    if spec.design.type not in ("sobol", "morris"):
        raise SensitivityError(
            f"{experiment}: sensitivity analysis needs a sobol or morris design, this "
            f"experiment has design.type = '{spec.design.type}'; nothing was run")
    kept = list(KPI_NAMES) if spec.outputs.kpis == "all" else list(spec.outputs.kpis)
    unknown = [k for k in kpis or () if k not in kept]
    if unknown:
        hints = [difflib.get_close_matches(k, kept, n=1) for k in unknown]
        guess = "; ".join(f"did you mean '{h[0]}' for '{k}'?" for k, h in zip(unknown, hints,
                                                                             strict=True) if h)
        raise SensitivityError(
            f"--kpi {', '.join(unknown)}: not kept by {experiment} (outputs.kpis: "
            f"{', '.join(kept)}){'; ' + guess if guess else ''}; nothing was run")


def analyze_folder(
    out: str | Path, kpis: list[str] | None = None, *, write: bool = True
) -> SensitivityResult:
    """Analyse the sweep in ``out``; writes ``sensitivity/indices.csv`` and ``indices.png``."""
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None or "experiment" not in manifest:
        raise SensitivityError(f"{out}: no sweep manifest.json; run the sweep first")
    posterior = manifest.get("posterior")
    if posterior and posterior.get("draws", 1) > 1:
        raise SensitivityError(
            f"{out}: this sweep ran under {posterior['draws']} posterior draws (--posterior); "
            "Sobol'/Morris indices need the design alone: sweep without --posterior (or with "
            "--draws 1) into another folder")
    spec = Experiment.model_validate(manifest["experiment"]["spec"])
    design = build_design(spec)
    if design.n_points != manifest["design"]["n_points"]:
        raise SensitivityError(f"{out}: the rebuilt design does not match the manifest")
    kept = list(manifest["kpis"])
    kpis = kpis or spec.sensitivity.kpis or kept
    unknown = [k for k in kpis if k not in kept]
    if unknown:
        raise SensitivityError(f"KPIs {unknown} were not kept by this sweep; kept: {kept}")
    runs = load_runs(out, ["point_id", "status", *kpis])
    table, second = compute_indices(spec, design, point_means(runs, kpis, design.n_points))
    notes: list[str] = []
    if design.kind == "sobol":
        notes = reliability_warnings(table, spec.design.samples)
        table = table.assign(note=reliability_notes(table))
    table_path = plot_path = None
    if write:
        folder = out / SENSITIVITY_DIR
        folder.mkdir(exist_ok=True)
        table_path = folder / "indices.csv"
        table.to_csv(table_path, index=False)
        if second is not None:
            second.to_csv(folder / "indices_second_order.csv", index=False)
        plot_path = folder / "indices.png"
        plot_indices(table, design.kind, plot_path, title=spec.name, notes=notes)
    return SensitivityResult(design.kind, table, second, table_path, plot_path, tuple(notes))


def plot_indices(table: pd.DataFrame, method: str, path: Path, title: str = "",
                 notes: list[str] | None = None) -> None:
    """One panel per KPI: S1 and ST with confidence bars (Sobol'), or mu* and sigma (Morris);
    ``notes`` (reliability warnings) are printed under the panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kpis = list(dict.fromkeys(table["kpi"])) if not table.empty else []
    n = max(1, len(kpis))
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 0.5 + 0.45 * rows *
                             max(3, table["parameter"].nunique() if not table.empty else 3)),
                             squeeze=False)
    for ax in axes.flat[len(kpis):]:
        ax.axis("off")
    for ax, kpi in zip(axes.flat, kpis, strict=False):
        part = table[table["kpi"] == kpi]
        y = np.arange(len(part))
        if method == "sobol":
            ax.barh(y - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="S1 (first order)")
            ax.barh(y + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="ST (total)")
            ax.set_xlabel("Sobol' index")
        else:
            ax.barh(y - 0.2, part["mu_star"], 0.4, xerr=part["mu_star_conf"], label="mu*")
            ax.barh(y + 0.2, part["sigma"], 0.4, label="sigma")
            ax.set_xlabel("Morris elementary effects")
        ax.set_yticks(y, [short_label(p) for p in part["parameter"]], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(kpi, fontsize=10)
    if kpis:
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper right", fontsize=8, ncols=len(labels))
    if title:
        fig.suptitle(title, x=0.02, ha="left")
    bottom = 0.0
    if notes:  # grow the figure by the notes' height and keep the panels' size
        import textwrap

        text = "\n".join(textwrap.fill(n, 40 * cols + 40) for n in notes)
        extra = 0.15 * (text.count("\n") + 1) + 0.2
        height = fig.get_figheight()
        fig.set_figheight(height + extra)
        bottom = extra / (height + extra)
        fig.text(0.01, 0.01, text, fontsize=7, color="#D55E00", va="bottom", ha="left")
    fig.tight_layout(rect=(0, bottom, 1, 0.95))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def short_label(path: str) -> str:
    """The last two parts of a dotted path (``trust.gain_rate``), enough to tell them apart."""
    return ".".join(path.split(".")[-2:])
