"""Drawing the firm-facilitator-partner network with matplotlib, fast enough for every step.

The layout is computed once per run and reused, so a step only redraws edges and node colours:
facilitators sit in the centre, member firms on an inner ring grouped by cluster and kind,
foreign partners on an outer ring grouped by market (labelled). Known firm-partner relations are
thin lines and export ties thick lines, both coloured by trust (mean of both directions) with
the colour-blind-safe ``cividis`` map. Only :class:`matplotlib.figure.Figure` is used (no pyplot
state), so drawing is safe from the server's worker threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from clustersim.scenario.schema import FIRM_KINDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from clustersim.model import ClusterModel

TRUST_CMAP = colormaps["cividis"]
TRUST_NORM = Normalize(0.0, 1.0)
# Okabe-Ito colours for firm kinds; partners alternate two greys by market, labelled by name.
KIND_COLOURS = {"micro": "#E69F00", "sme": "#56B4E9", "large": "#009E73", "startup": "#CC79A7"}
MARKET_COLOURS = ["#555555", "#aaaaaa"]
FACILITATOR_COLOUR = "#D55E00"
LARGE_NETWORK = 600  # above this many firms, draw ties only and smaller markers


@dataclass(frozen=True)
class NetworkLayout:
    """Fixed node positions of one run (firms and partners never change identity)."""

    firm_xy: np.ndarray
    partner_xy: np.ndarray
    facilitator_xy: np.ndarray
    market_label_xy: np.ndarray


def _ring(n: int, radius: float, start: float = np.pi / 2) -> np.ndarray:
    angles = start - 2 * np.pi * np.arange(n) / max(n, 1)
    return np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])


def compute_layout(model: ClusterModel) -> NetworkLayout:
    """Rings ordered by (cluster, kind) for firms and by market for partners."""
    firms, partners = model.firms, model.partners
    firm_order = np.lexsort((firms.kind, firms.cluster))
    firm_xy = np.empty((firms.n, 2))
    firm_xy[firm_order] = _ring(firms.n, 0.55)
    partner_order = np.argsort(partners.market, kind="stable")
    partner_xy = np.empty((partners.n, 2))
    partner_xy[partner_order] = _ring(partners.n, 1.0)
    n_fac = model.facilitators.n
    facilitator_xy = np.zeros((1, 2)) if n_fac == 1 else _ring(n_fac, 0.18)
    labels = []
    for m in range(len(model.market_names)):
        pts = partner_xy[partners.market == m]
        centre = pts.mean(axis=0) if len(pts) else np.zeros(2)
        norm = np.linalg.norm(centre)
        labels.append(centre / norm * 1.16 if norm > 1e-9 else np.array([0.0, 1.16]))
    return NetworkLayout(firm_xy, partner_xy, facilitator_xy, np.array(labels))


def layout_of(cache: dict, model: ClusterModel) -> NetworkLayout:
    """The run's layout, computed on first use and kept in ``cache``."""
    if cache.get("layout_model") is not model:
        cache["layout"] = compute_layout(model)
        cache["layout_model"] = model
    return cache["layout"]


def draw_network(ax: Axes, model: ClusterModel, layout: NetworkLayout, title: str = "") -> None:
    """Draw the current state of ``model`` on ``ax``."""
    firms, rel = model.firms, model.relations
    large = firms.n > LARGE_NETWORK
    n = rel.n
    f_idx, p_idx = rel.firm[:n], rel.partner[:n]
    trust = (rel.trust_fp[:n] + rel.trust_pf[:n]) / 2
    tie = rel.tie[:n]

    member = firms.member
    fac_of_member = layout.facilitator_xy[firms.cluster[member]]
    ax.add_collection(LineCollection(
        np.stack([fac_of_member, layout.firm_xy[member]], axis=1),
        colors="#bbbbbb", linewidths=0.4, alpha=0.5, zorder=1))
    if not large:
        known = ~tie
        ax.add_collection(LineCollection(
            np.stack([layout.firm_xy[f_idx[known]], layout.partner_xy[p_idx[known]]], axis=1),
            colors=TRUST_CMAP(TRUST_NORM(trust[known])), linewidths=0.4, alpha=0.25, zorder=2))
    ax.add_collection(LineCollection(
        np.stack([layout.firm_xy[f_idx[tie]], layout.partner_xy[p_idx[tie]]], axis=1),
        colors=TRUST_CMAP(TRUST_NORM(trust[tie])), linewidths=0.8 if large else 1.8,
        alpha=0.95, zorder=3))

    exporting = rel.ties_per_firm(firms.n) > 0
    kinds = np.array(FIRM_KINDS)[firms.kind]
    colours = [KIND_COLOURS[k] for k in kinds]
    size = 8 if large else 36
    ax.scatter(*layout.firm_xy[member].T, s=size, c=np.array(colours)[member],
               edgecolors=np.where(exporting[member], "black", "white"), linewidths=0.9,
               zorder=4)
    ax.scatter(*layout.firm_xy[~member].T, s=size, facecolors="none",
               edgecolors=np.array(colours)[~member], linewidths=0.9, zorder=4)
    market_colours = np.array([MARKET_COLOURS[m % len(MARKET_COLOURS)]
                               for m in model.partners.market])
    ax.scatter(*layout.partner_xy.T, s=size * 0.6, marker="s", c=market_colours,
               edgecolors="none", zorder=4)
    ax.scatter(*layout.facilitator_xy.T, s=220 if model.facilitators.n == 1 else 60,
               marker="*", c=FACILITATOR_COLOUR, edgecolors="black", linewidths=0.6, zorder=5)
    for name, (x, y) in zip(model.market_names, layout.market_label_xy, strict=True):
        ax.text(x, y, name, ha="center", va="center", fontsize=8)
    ax.set_xlim(-1.35, 1.35)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)


def legend_handles() -> list[Line2D]:
    handles = [Line2D([], [], marker="*", ls="", color=FACILITATOR_COLOUR, markersize=11,
                      markeredgecolor="black", label="facilitator")]
    handles += [Line2D([], [], marker="o", ls="", color=c, markersize=6, label=k)
                for k, c in KIND_COLOURS.items()]
    handles += [
        Line2D([], [], marker="o", ls="", markerfacecolor="white", markeredgecolor="grey",
               markersize=6, label="not a member"),
        Line2D([], [], marker="o", ls="", markerfacecolor="#dddddd", markeredgecolor="black",
               markersize=6, label="exporter (black rim)"),
        Line2D([], [], marker="s", ls="", color="#777777", markersize=5,
               label="foreign partner (grey by market)"),
        Line2D([], [], color=TRUST_CMAP(0.8), lw=1.8, label="export tie"),
        Line2D([], [], color=TRUST_CMAP(0.8), lw=0.5, alpha=0.5, label="known contact"),
    ]
    return handles


def network_figure(panels: list[tuple[ClusterModel, NetworkLayout, str]]) -> Figure:
    """One network panel per run (side by side), a shared legend and a trust colour bar."""
    fig = Figure(figsize=(5.0 * len(panels) + 0.8, 5.2), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (model, layout, title) in zip(axes, panels, strict=True):
        draw_network(ax, model, layout, title)
    fig.legend(handles=legend_handles(), loc="outside lower center", ncol=3 * len(panels),
               fontsize=7, frameon=False)
    fig.colorbar(ScalarMappable(norm=TRUST_NORM, cmap=TRUST_CMAP), ax=list(axes), shrink=0.6,
                 label="trust firm-partner (mean of both ways)")
    return fig
