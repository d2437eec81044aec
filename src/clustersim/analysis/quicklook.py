"""Quick plots of any sweep's results (``clustersim plot``).

A sweep can have hundreds of design points, so one line (and one legend entry) per point is only
drawn for a few points. Otherwise the caller chooses: ``by`` colours the lines by one design field
(a colour bar for numeric fields, a legend outside the axes for categorical ones), ``where``
keeps the points with given field values (all fields must match; a field given twice matches
either value), ``facet`` draws one panel per value of a field; with
none of these and more than :data:`MAX_LINES` points, the mean over the design points is drawn
with a band, and the title says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from clustersim.analysis import figures
from clustersim.analysis.labels import kpi_label
from clustersim.analysis.stats import summarise
from clustersim.experiments import load_results

META_COLUMNS = {"run_index", "point_id", "replication", "seed", "status", "attempt",
                "wall_time_s", "error", "traceback", "worker", "finished_at"}
MAX_LINES = 10
MAX_FACETS = 12
BAND = (5, 95)  # percentiles of the design points' means shown around the mean


class PlotRequestError(ValueError):
    """A ``--by``/``--where``/``--facet`` request that does not fit the sweep."""


@dataclass(frozen=True)
class Selection:
    """Which design points to draw and how: parsed and checked ``by``/``where``/``facet``."""

    by: str | None = None
    where: tuple[tuple[str, object], ...] = ()
    facet: str | None = None


def design_fields(runs: pd.DataFrame, kpis: set[str]) -> list[str]:
    """The design (parameter) columns of a runs table."""
    return [c for c in runs.columns if c not in META_COLUMNS and c not in kpis]


def point_labels(runs: pd.DataFrame, kpis: set[str]) -> dict[int, str]:
    """A short label per design point from its parameter values."""
    params = design_fields(runs, kpis)
    labels = {}
    for point, group in runs.groupby("point_id"):
        first = group.iloc[0]
        labels[int(point)] = ", ".join(f"{p.rsplit('.', 1)[-1]}={first[p]}" for p in params) \
            or f"point {point}"
    return labels


def resolve_field(name: str, fields: list[str], option: str) -> str:
    """The design field ``name`` refers to: its full dotted name or an unambiguous last part."""
    if name in fields:
        return name
    matches = [f for f in fields if f.rsplit(".", 1)[-1] == name]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(fields) or "none (the sweep has a single design point)"
    if matches:
        raise PlotRequestError(f"{option} {name}: ambiguous, it could be {', '.join(matches)}")
    raise PlotRequestError(f"{option} {name}: not a design field of these results; "
                           f"fields: {listed}")


def _shown(values: list[object], limit: int = 20) -> str:
    text = ", ".join(str(v) for v in values[:limit])
    return text + (f", ... ({len(values)} values)" if len(values) > limit else "")


def parse_where(item: str, runs: pd.DataFrame, fields: list[str]) -> tuple[str, object]:
    """``FIELD=VALUE`` -> (field, the matching value of the column), checked against the sweep."""
    if "=" not in item:
        raise PlotRequestError(f"--where {item}: expected FIELD=VALUE; fields: {', '.join(fields)}")
    name, text = (part.strip() for part in item.split("=", 1))
    field = resolve_field(name, fields, "--where")
    values = sorted(runs[field].dropna().unique().tolist(), key=_sort_key)
    for value in values:
        if str(value) == text:
            return field, value
        try:
            if isinstance(value, int | float) and not isinstance(value, bool) \
                    and float(text) == float(value):
                return field, value
        except ValueError:
            pass
    raise PlotRequestError(f"--where {item}: {field} never takes the value '{text}' in these "
                           f"results; values: {_shown(values)}")


def _sort_key(value: object) -> tuple[int, object]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def is_numeric(series: pd.Series) -> bool:
    """Numeric design fields get a colour bar; booleans and strings a legend."""
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def plot_sweep_kpi(results_dir: str | Path, kpi: str, out: str | Path | None = None, *,
                   by: str | None = None, where: tuple[str, ...] | list[str] = (),
                   facet: str | None = None) -> Path:
    """Plot ``kpi`` of the sweep in ``results_dir`` to a PNG and return its path.

    ``by``, ``where`` (``FIELD=VALUE`` strings) and ``facet`` name design fields by their full
    dotted name or last part; wrong names or values raise :class:`PlotRequestError` listing the
    fields or values there are.
    """
    results = load_results(results_dir)
    runs = results.runs[results.runs["status"] == "ok"]
    if kpi not in runs.columns:
        known = sorted(c for c in runs.columns if c not in META_COLUMNS)
        raise KeyError(f"'{kpi}' is not in these results; available: {', '.join(known)}")
    kpis = set(results.manifest.get("kpis", [])) | {kpi}
    fields = design_fields(runs, kpis)
    selection = Selection(
        by=resolve_field(by, fields, "--by") if by else None,
        where=tuple(parse_where(w, runs, fields) for w in where),
        facet=resolve_field(facet, fields, "--facet") if facet else None,
    )
    wanted: dict[str, list[object]] = {}
    for field, value in selection.where:  # one field given twice: either value
        wanted.setdefault(field, []).append(value)
    for field, values in wanted.items():
        runs = runs[runs[field].isin(values)]
    if runs.empty:
        raise PlotRequestError(f"{results_dir}: no successful run"
                               + (" with " + " and ".join(where) if where else ""))
    points = runs.drop_duplicates("point_id").set_index("point_id")
    out = Path(out) if out else Path(results_dir) / f"{kpi}.png"
    panels = _panels(points, selection.facet)
    steps = results.steps
    if steps is not None and kpi in steps.columns:
        steps = steps[steps["point_id"].isin(points.index)]
        png = _time_series(steps, points, kpi, selection, panels, point_labels(runs, kpis))
    else:
        png = _finals(runs, points, kpi, selection, panels, point_labels(runs, kpis))
    out.write_bytes(png)
    return out


def _panels(points: pd.DataFrame, facet: str | None) -> list[tuple[str, pd.Index]]:
    """(panel title, design points) per facet value, or one untitled panel."""
    if facet is None:
        return [("", points.index)]
    values = sorted(points[facet].unique().tolist(), key=_sort_key)
    if len(values) > MAX_FACETS:
        raise PlotRequestError(f"--facet {facet}: {len(values)} values, more than {MAX_FACETS} "
                               "panels; pick one with fewer values or narrow it with --where")
    short = facet.rsplit(".", 1)[-1]
    return [(f"{short} = {v}", points.index[points[facet] == v]) for v in values]


def _grid(n: int) -> tuple[plt.Figure, list[plt.Axes]]:
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.5 * cols, 3.6 * rows), squeeze=False,
                             sharey=True, layout="constrained")
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.axis("off")
    return fig, flat[:n]


def _point_means(steps: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Mean over replications per design point and month: rows months, columns points."""
    return steps.groupby(["step", "point_id"])[kpi].mean().unstack("point_id")


def _colours(points: pd.DataFrame, by: str):
    """A function point_id -> colour, and what to draw as key: ("bar", mappable) or
    ("legend", [(label, colour, style)])."""
    values = points[by]
    if is_numeric(values):
        norm = plt.Normalize(float(values.min()), float(values.max()))
        cmap = plt.get_cmap("viridis")
        mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
        return (lambda p: (cmap(norm(float(values[p]))), "-")), ("bar", mappable)
    cats = sorted(values.unique().tolist(), key=_sort_key)
    style = dict(zip(cats, [(c, ls) for c, ls, _ in figures.styles(len(cats))], strict=True))
    return (lambda p: style[values[p]]), ("legend", [(str(c), *style[c]) for c in cats])


def _key(fig: plt.Figure, axes: list[plt.Axes], key, by: str) -> None:
    short = by.rsplit(".", 1)[-1]
    kind, what = key
    if kind == "bar":
        fig.colorbar(what, ax=axes, label=short, shrink=0.9)
    else:
        handles = [plt.Line2D([], [], color=c, linestyle=ls, linewidth=1.8) for _, c, ls in what]
        fig.legend(handles, [label for label, _, _ in what], title=short,
                   loc="outside right center", frameon=False, fontsize=8)


def _time_series(steps: pd.DataFrame, points: pd.DataFrame, kpi: str, selection: Selection,
                 panels: list[tuple[str, pd.Index]], labels: dict[int, str]) -> bytes:
    fig, axes = _grid(len(panels))
    means = _point_means(steps, kpi)
    unit = figures.UNITS.get(kpi, kpi)
    few = max(len(ids) for _, ids in panels) <= MAX_LINES
    if selection.by:
        colour, key = _colours(points, selection.by)
        for ax, (title, ids) in zip(axes, panels, strict=True):
            for p in ids:
                c, ls = colour(p)
                ax.plot(means.index, means[p], color=c, linestyle=ls, linewidth=1.2, alpha=0.85)
            ax.set_title(title, fontsize=9)
        _key(fig, axes, key, selection.by)
        how = f"mean over replications per design point, coloured by {selection.by}"
    elif few:
        order = [labels[int(p)] for p in points.index]
        with_label = steps.assign(point=[labels[int(p)] for p in steps["point_id"]])
        for ax, (title, ids) in zip(axes, panels, strict=True):
            figures.band_plot(ax, with_label[with_label["point_id"].isin(ids)], kpi, "point",
                              order)
            ax.set_title(title, fontsize=9)
        handles, names = axes[0].get_legend_handles_labels()
        if len(panels) > 1:  # every point in its own panel: collect all handles
            seen = {}
            for ax in axes:
                for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
                    seen.setdefault(n, h)
            handles, names = list(seen.values()), list(seen)
        fig.legend(handles, names, loc="outside right center", frameon=False, fontsize=8)
        how = "mean and 95% band over replications"
    else:
        for ax, (title, ids) in zip(axes, panels, strict=True):
            sub = means[list(ids)]
            low, high = np.nanpercentile(sub, BAND, axis=1)
            ax.plot(sub.index, sub.mean(axis=1), color=figures.OKABE_ITO[4], linewidth=2,
                    label="mean of design points")
            ax.fill_between(sub.index, low, high, color=figures.OKABE_ITO[4], alpha=0.2,
                            linewidth=0, label=f"{BAND[0]}-{BAND[1]}% of design points")
            ax.set_title(f"{title} ({len(ids)} points)" if title else "", fontsize=9)
        axes[0].legend(fontsize=8, frameon=False, loc="best")
        how = (f"mean of {len(points)} design points with a {BAND[0]}-{BAND[1]}% band\n"
               "(too many for one line each; use --by, --where or --facet)")
    for ax in axes:
        ax.set_xlabel("month")
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{kpi_label(kpi, unit=False)}: {how}", fontsize=10)
    return figures.to_png(fig)


def _finals(runs: pd.DataFrame, points: pd.DataFrame, kpi: str, selection: Selection,
            panels: list[tuple[str, pd.Index]], labels: dict[int, str]) -> bytes:
    """Final values (no per-month table): bars for a few points, else point means against the
    ``by`` field (or a box of all point means)."""
    if not selection.by and not selection.facet and len(points) <= MAX_LINES:
        order = [labels[p] for p in sorted(labels)]
        table = summarise(runs.assign(variant=[labels[int(p)] for p in runs["point_id"]]),
                          "variant", [kpi])
        return figures.bar_figure(table, [(kpi, f"{kpi} (final)")], order)
    finals = runs.groupby("point_id")[kpi].mean()
    fig, axes = _grid(len(panels))
    for ax, (title, ids) in zip(axes, panels, strict=True):
        y = finals.reindex(ids)
        if selection.by and is_numeric(points[selection.by]):
            ax.scatter(points.loc[ids, selection.by], y, s=14, color=figures.OKABE_ITO[4])
            ax.set_xlabel(selection.by.rsplit(".", 1)[-1])
        elif selection.by:
            cats = sorted(points[selection.by].unique().tolist(), key=_sort_key)
            groups = [y[points.loc[ids, selection.by] == c].dropna() for c in cats]
            ax.boxplot(groups, tick_labels=[str(c) for c in cats])
            ax.set_xlabel(selection.by.rsplit(".", 1)[-1])
        else:
            ax.boxplot([y.dropna()], tick_labels=[f"{len(ids)} design points"])
        ax.set_ylabel(figures.UNITS.get(kpi, kpi))
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{kpi_label(kpi, unit=False)} (final): mean over replications per design "
                 "point", fontsize=10)
    return figures.to_png(fig)
