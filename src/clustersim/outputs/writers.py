"""Writing a run's tables and manifest: Parquet by default, CSV on request."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from clustersim.scenario.loader import scenario_hash

TableFormat = Literal["parquet", "csv"]


def write_table(frame: pd.DataFrame, path_without_suffix: Path, fmt: TableFormat) -> Path:
    """Write ``frame`` as ``<path>.parquet`` or ``<path>.csv``; returns the file written."""
    path = path_without_suffix.with_suffix(f".{fmt}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        raise ValueError(f"unknown table format {fmt!r}; use 'parquet' or 'csv'")
    return path


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (format from the suffix)."""
    path = Path(path)
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def build_manifest(result: Any, scenario_file: str | None, files: dict[str, str]) -> dict:
    """What a reader needs to reproduce and trust a run: versions, content hash, seed, timing."""
    from clustersim import __version__
    from clustersim.mesa_core import mesa_version

    return {
        "clustersim_version": __version__,
        "mesa_version": mesa_version(),
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "scenario_name": result.scenario.name,
        "scenario_file": scenario_file,
        "scenario_sha256": scenario_hash(result.scenario),
        "seed": result.seed,
        "seed_scheme": "numpy.random.default_rng(numpy.random.SeedSequence(seed))",
        "steps": int(result.kpis["step"].iloc[-1]),
        "wall_time_s": round(result.wall_time_s, 4),
        "parameters": result.scenario.model_dump(mode="json"),
        "files": files,
    }


def write_run(result: Any, out_dir: str | Path, fmt: TableFormat = "parquet",
              scenario_file: str | None = None, chart: bool = True) -> dict[str, Path]:
    """Write every output of one run into ``out_dir``; returns the paths by role."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {"kpis": write_table(result.kpis, out / "kpis", fmt)}
    if not result.cluster_kpis.empty:
        paths["cluster_kpis"] = write_table(result.cluster_kpis, out / "cluster_kpis", fmt)
    paths["network"] = write_table(result.network, out / "network", fmt)
    if result.agent_table is not None:
        paths["agents"] = write_table(result.agent_table, out / "agents", fmt)
    if chart:  # matplotlib loads only when a chart is drawn
        from clustersim.outputs.plots import plot_kpis

        paths["chart"] = plot_kpis(result.kpis, out / "kpis.png", title=result.scenario.name)
    manifest = build_manifest(result, scenario_file,
                              {k: p.name for k, p in paths.items()} | {"manifest": "manifest.json"})
    paths["manifest"] = out / "manifest.json"
    paths["manifest"].write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return paths
