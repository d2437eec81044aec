"""PNG figures of a calibration: marginal and pairwise posteriors, posterior predictive check.

Plain matplotlib (Agg), so the figures are written without a display. Weighted particles are
shown as they are (histograms and scatter sized by weight) rather than through a kernel density
estimate, which with a few dozen particles mostly shows the bandwidth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from clustersim.calibration.priors import FreeParameter
from clustersim.calibration.summary import weighted_quantile


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _short(path: str, limit: int = 34) -> str:
    return path if len(path) <= limit else "..." + path[-(limit - 3):]


def plot_marginals(posterior: pd.DataFrame, parameters: Sequence[FreeParameter],
                   path: Path) -> Path:
    """One panel per parameter: weighted histogram of the posterior, the prior density, and
    the weighted median and 95% credible interval."""
    plt = _pyplot()
    n = len(parameters)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    w = posterior["weight"].to_numpy(float)
    for ax, p in zip(axes.flat, parameters, strict=False):
        x = posterior[p.path].to_numpy(float)
        bins = np.linspace(p.prior.low, p.prior.high, 21)
        if p.prior.prior == "loguniform":
            bins = np.geomspace(p.prior.low, p.prior.high, 21)
            ax.set_xscale("log")
        ax.hist(x, bins=bins, weights=w, density=True, color="#4c72b0", alpha=0.7,
                label="posterior")
        grid = (np.geomspace(p.prior.low, p.prior.high, 200) if p.prior.prior == "loguniform"
                else np.linspace(p.prior.low, p.prior.high, 200))
        ax.plot(grid, p.prior.scipy().pdf(grid), color="#444", lw=1.2, ls="--", label="prior")
        q025, q50, q975 = weighted_quantile(x, w, [0.025, 0.5, 0.975])
        ax.axvline(q50, color="#c44e52", lw=1.5, label=f"median {q50:.3g}")
        ax.axvspan(q025, q975, color="#c44e52", alpha=0.08, label="95% CrI")
        ax.set_title(_short(p.path), fontsize=9)
        ax.legend(fontsize=7, frameon=False)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("Posterior marginals (last generation, weighted)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_pairwise(posterior: pd.DataFrame, parameters: Sequence[FreeParameter],
                  path: Path) -> Path | None:
    """Scatter matrix of the particles (point area by weight), within the prior bounds; None
    with a single parameter."""
    if len(parameters) < 2:
        return None
    plt = _pyplot()
    n = len(parameters)
    fig, axes = plt.subplots(n, n, figsize=(2.4 * n + 1, 2.4 * n + 1), squeeze=False)
    w = posterior["weight"].to_numpy(float)
    sizes = 8 + 400 * w / w.max()
    for i, pi in enumerate(parameters):
        for j, pj in enumerate(parameters):
            ax = axes[i, j]
            xi = posterior[pi.path].to_numpy(float)
            xj = posterior[pj.path].to_numpy(float)
            if i == j:
                ax.hist(xi, bins=15, weights=w, color="#4c72b0", alpha=0.7,
                        range=(pi.prior.low, pi.prior.high))
            elif i > j:
                ax.scatter(xj, xi, s=sizes, alpha=0.5, color="#4c72b0", edgecolors="none")
                ax.set_xlim(pj.prior.low, pj.prior.high)
                ax.set_ylim(pi.prior.low, pi.prior.high)
            else:
                ax.axis("off")
                continue
            if i == n - 1:
                ax.set_xlabel(_short(pj.path, 24), fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(pi.path, 24), fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Pairwise posterior (point area ~ weight; axes = prior ranges)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_predictive(table: pd.DataFrame, summary: pd.DataFrame, path: Path) -> Path:
    """One panel per pattern: the draws' means, the accepted range (shaded) and the median;
    targets are titled in bold."""
    plt = _pyplot()
    n = len(summary)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.2 * rows), squeeze=False)
    jitter = np.random.default_rng(0)
    for ax, row in zip(axes.flat, summary.itertuples(), strict=False):
        values = table.loc[table.pattern == row.pattern, "value"].to_numpy(float)
        values = values[np.isfinite(values)]
        lo, hi = row.accepted_low, row.accepted_high
        finite = [v for v in (lo, hi) if math.isfinite(v)]
        span = np.concatenate([values, finite]) if values.size or finite else np.array([0.0])
        left, right = float(span.min()), float(span.max())
        pad = 0.1 * (right - left) or 0.1 * (abs(left) or 1.0)
        left, right = left - pad, right + pad
        ax.axvspan(max(lo, left), min(hi, right), color="#55a868", alpha=0.18)
        if values.size:
            ax.scatter(values, jitter.uniform(-0.3, 0.3, values.size), s=12, color="#4c72b0",
                       alpha=0.7)
            ax.axvline(row.median, color="#c44e52", lw=1.5)
        else:
            ax.text(0.5, 0.5, "undefined in every draw", ha="center", va="center",
                    transform=ax.transAxes, fontsize=8)
        ax.set_xlim(left, right)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.tick_params(labelsize=6)
        verdict = f"{row.share_inside:.0%} inside" if values.size else ""
        ax.set_title(f"{row.pattern}\n{verdict}", fontsize=7,
                     fontweight="bold" if row.target else "normal")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle("Posterior predictive check: draws' means (dots), median (red), accepted "
                 "range (green); targets in bold", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
