"""Quick plots of any sweep's results (``clustersim plot``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from clustersim.analysis import figures
from clustersim.analysis.stats import summarise
from clustersim.experiments import load_results

META_COLUMNS = {"run_index", "point_id", "replication", "seed", "status", "attempt",
                "wall_time_s", "error", "traceback", "worker", "finished_at"}


def point_labels(runs: pd.DataFrame, kpis: set[str]) -> dict[int, str]:
    """A short label per design point from its parameter values."""
    params = [c for c in runs.columns if c not in META_COLUMNS and c not in kpis]
    labels = {}
    for point, group in runs.groupby("point_id"):
        first = group.iloc[0]
        labels[int(point)] = ", ".join(f"{p.rsplit('.', 1)[-1]}={first[p]}" for p in params) \
            or f"point {point}"
    return labels


def plot_sweep_kpi(results_dir: str | Path, kpi: str, out: str | Path | None = None) -> Path:
    results = load_results(results_dir)
    runs = results.runs[results.runs["status"] == "ok"]
    if kpi not in runs.columns:
        known = sorted(c for c in runs.columns if c not in META_COLUMNS)
        raise KeyError(f"'{kpi}' is not in these results; available: {', '.join(known)}")
    kpis = set(results.manifest.get("kpis", [])) | {kpi}
    labels = point_labels(runs, kpis)
    order = [labels[p] for p in sorted(labels)]
    out = Path(out) if out else Path(results_dir) / f"{kpi}.png"
    if results.steps is not None and kpi in results.steps.columns:
        steps = results.steps.assign(point=[labels[int(p)] for p in results.steps["point_id"]])
        fig, ax = plt.subplots(figsize=(8, 4.5))
        figures.band_plot(ax, steps, kpi, "point", order)
        ax.set_title(f"{kpi}: mean and 95% band over replications")
        ax.legend(fontsize=7, frameon=False)
        out.write_bytes(figures.to_png(fig))
    else:
        table = summarise(runs.assign(variant=[labels[int(p)] for p in runs["point_id"]]),
                          "variant", [kpi])
        out.write_bytes(figures.bar_figure(table, [(kpi, f"{kpi} (final)")], order))
    return out
