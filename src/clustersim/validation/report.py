"""Write a validation result: ``validation.json`` (everything, per-replication values included)
and a self-contained ``validation.html`` (Jinja2 template, figures inlined as base64 PNG).

One row per pattern: name, statement, target, source, accepted range and why, simulated mean
with its 95% interval, pass/fail, and a small figure where a distribution or a time path is the
point (N(>= k) on log-log with the -2.5 line; entrant survival by years since entry; the funding
dose-response; paths around the end of funding or of membership).
"""

from __future__ import annotations

import base64
import json
import math
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape

from clustersim.analysis.figures import OKABE_ITO, styles, to_png
from clustersim.validation.suite import PatternResult, ValidationResult

OUTPUT_FILES = ("validation.json", "validation.html")


class OutputFolderNotEmpty(ValueError):
    """The output folder holds other files and overwriting was not allowed."""


def check_output_folder(out: Path, overwrite: bool = False) -> None:
    """Refuse a folder that is a file, or that holds any file, unless ``overwrite``; then only
    ``validation.json`` and ``validation.html`` are replaced, nothing else is touched."""
    if out.exists() and not out.is_dir():
        raise OutputFolderNotEmpty(f"--out {out}: exists and is not a folder")
    if out.is_dir() and not overwrite:
        present = sorted(p.name for p in out.iterdir())
        if present:
            shown = ", ".join(present[:5]) + (" ..." if len(present) > 5 else "")
            raise OutputFolderNotEmpty(
                f"--out {out}: the folder already holds files ({shown}); choose an empty or new "
                "folder, or pass --overwrite to replace validation.json and validation.html")


def _clean(value: Any) -> Any:
    """JSON-safe: NaN -> null, +-inf -> "inf"/"-inf", numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return value


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def result_json(result: ValidationResult) -> str:
    data = {"created": datetime.now(UTC).isoformat(timespec="seconds"), **result.to_dict()}
    return json.dumps(_clean(data), indent=2, allow_nan=False)


def write_validation(result: ValidationResult, out: str | Path,
                     overwrite: bool = False) -> dict[str, Path]:
    """Write ``validation.json`` and ``validation.html`` into ``out`` (created if missing)."""
    out = Path(out)
    check_output_folder(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in OUTPUT_FILES}
    _atomic_write(paths["validation.json"], result_json(result))
    _atomic_write(paths["validation.html"], render_html(result))
    return paths


# -- html ----------------------------------------------------------------------------------------
def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3f}"


def _row(r: PatternResult) -> dict[str, Any]:
    interval = ("" if math.isnan(r.ci_low) else f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]")
    figure = figure_png(r)
    return {
        "name": r.name, "statement": r.pattern.statement, "target": r.pattern.target,
        "source": r.pattern.source, "range": r.pattern.range_text(), "why": r.pattern.why,
        "scenario": r.pattern.scenario, "variants": r.pattern.variants,
        "mean": _fmt(r.mean), "interval": interval, "n": r.n, "n_reps": len(r.values),
        "undecided": r.undecided,
        "passed": r.passed, "error": r.error, "bootstrap": r.interval == "bootstrap",
        "figure": base64.b64encode(figure).decode() if figure else None,
    }


def render_html(result: ValidationResult) -> str:
    """The self-contained report page (no external scripts, styles or images)."""
    env = Environment(loader=PackageLoader("clustersim.validation", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    template = env.get_template("validation.html.j2")
    return template.render(
        result=result, rows=[_row(r) for r in result.results],
        n_passed=sum(r.passed for r in result.results),
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        run_time=f"{result.run_time_s:.1f} s",
    )


# -- figures -------------------------------------------------------------------------------------
def figure_png(r: PatternResult) -> bytes | None:
    """A small PNG for patterns whose detail is a distribution or a path, else None."""
    if not r.detail:
        return None
    kind = r.detail.get("figure")
    draw = {"tail": _tail_figure, "survival": _survival_figure, "dose": _dose_figure,
            "paths": _paths_figure}.get(kind)
    if draw is None:
        return None
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.6, 2.5))
    draw(ax, r.detail)
    ax.tick_params(labelsize=7)
    ax.xaxis.label.set_size(8)
    ax.yaxis.label.set_size(8)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6, frameon=False)
    fig.tight_layout()
    return to_png(fig)


def _tail_figure(ax, detail: dict[str, Any]) -> None:
    series = detail["n_at_least_by_replication"]
    width = max((len(s) for s in series), default=0)
    if width == 0:
        ax.text(0.5, 0.5, "no exporters", ha="center", transform=ax.transAxes)
        return
    pooled = np.zeros(width)
    for s in series:
        pooled[: len(s)] += s
    k = np.arange(1, width + 1)
    keep = pooled > 0
    ax.loglog(k[keep], pooled[keep], "o-", color=OKABE_ITO[5], label="model (all replications)")
    slope = detail["reference_slope"]
    ax.loglog(k, pooled[0] * k.astype(float) ** slope, "--", color=OKABE_ITO[6],
              label=f"slope {slope} (EKK 2004)")
    ax.set_xticks(k, [str(x) for x in k])
    ax.minorticks_off()
    ax.set_xlabel("k markets")
    ax.set_ylabel("firm-months with >= k markets")


def _survival_figure(ax, detail: dict[str, Any]) -> None:
    years = np.array(detail["years_since_entry"])
    curves = np.array(detail["share_by_replication"], float)
    for curve in curves:
        ax.plot(years, curve, color="#bbbbbb", lw=0.8)
    ax.plot(years, np.nanmean(curves, axis=0), "o-", color=OKABE_ITO[5], label="model mean")
    ax.axhspan(0.30, 0.40, color=OKABE_ITO[3], alpha=0.2, label="Wagner 2010: 30-40% at 5 years")
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("years since entry")
    ax.set_ylabel("share exporting every year")


def _dose_figure(ax, detail: dict[str, Any]) -> None:
    budgets = np.array([p["budget"] for p in detail["points"]]) / 1000
    exports = np.array([np.mean(p["exports"]) for p in detail["points"]])
    share = np.array([np.mean(p["export_share"]) for p in detail["points"]])
    if detail.get("outcome") == "ties":
        ax.plot(budgets, exports, "o-", color=OKABE_ITO[5], label="export ties")
        ax.set_ylabel(f"export ties, mean of the last {detail['years']} years")
    else:
        ax.plot(budgets, exports / 1e6, "o-", color=OKABE_ITO[5], label="export revenue")
        ax.set_ylabel(f"revenue, last {detail['years']} years, M EUR")
    ax.set_xlabel("public budget, thousand EUR a year")
    twin = ax.twinx()
    twin.plot(budgets, share, "s--", color=OKABE_ITO[6], label="export share")
    twin.set_ylim(0, 1)
    twin.set_ylabel("export share", fontsize=8)
    twin.tick_params(labelsize=7)
    twin.legend(fontsize=6, frameon=False, loc="lower right")


def _paths_figure(ax, detail: dict[str, Any]) -> None:
    for (name, values), (colour, style, _) in zip(detail["series"].items(),
                                                  styles(len(detail["series"])), strict=True):
        values = np.asarray(values, float)
        months = np.arange(values.size)
        if name == "new_ties" and values.size > 12:  # noisy monthly counts: trailing 12-month mean
            values = np.convolve(values[1:], np.ones(12) / 12, mode="valid")
            months = np.arange(12, 12 + values.size)
            name = "new ties / month (mean of the last 12)"
        ax.plot(months, values, color=colour, linestyle=style, label=name)
    ax.axvline(detail["marker"], color="#888888", lw=0.8)
    ax.text(detail["marker"], ax.get_ylim()[1], f" {detail['marker_label']}", fontsize=6,
            va="top")
    ax.set_xlabel("month")
