"""Scheme comparisons under parameter uncertainty: which scheme is best, how stable is the
ranking, across posterior draws (issue 9; ``clustersim calibrate`` supplies the draws).

Input is a long table with one row per (draw, scheme, replication) and a KPI column. Within a
draw the schemes share common random numbers, so each draw gives one ranking of the schemes by
their mean over replications. Across draws:

- ``probability_best``: the share of draws in which each scheme has the best mean (ties split
  equally) - the probability that a scheme is best given the parameter uncertainty (plus the
  sampling noise left in each draw's means);
- ``ranking_stability``: the share of draws whose full ranking equals the most frequent one,
  and the mean Kendall tau between each draw's ranking and the ranking of the pooled means
  (1 = every draw ranks as the pooled means do).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd


def draw_means(frame: pd.DataFrame, kpi: str, scheme: str = "variant",
               draw: str = "draw") -> pd.DataFrame:
    """Mean of ``kpi`` per draw (rows) and scheme (columns)."""
    missing = [c for c in (kpi, scheme, draw) if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} missing; have {sorted(frame.columns)}")
    return frame.groupby([draw, scheme])[kpi].mean().unstack(scheme)


def probability_best(frame: pd.DataFrame, kpi: str, *, higher_is_better: bool = True,
                     scheme: str = "variant", draw: str = "draw") -> pd.Series:
    """Scheme -> share of draws in which its mean ``kpi`` is best (ties split equally; draws
    where a scheme's mean is undefined are left out)."""
    means = draw_means(frame, kpi, scheme, draw).dropna()
    if means.empty:
        return pd.Series(np.nan, index=sorted(frame[scheme].unique()), name="p_best")
    values = means.to_numpy(float) if higher_is_better else -means.to_numpy(float)
    best = values == values.max(axis=1, keepdims=True)
    share = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
    return pd.Series(share, index=means.columns, name="p_best")


@dataclass(frozen=True)
class RankingStability:
    """How often the draws agree on the ranking of the schemes."""

    modal_ranking: tuple[str, ...]
    """The most frequent ranking, best first."""
    modal_share: float
    """Share of draws ranking exactly as ``modal_ranking``."""
    pooled_ranking: tuple[str, ...]
    """Ranking of the means pooled over draws, best first."""
    mean_kendall_tau: float
    """Mean Kendall tau between each draw's ranking and ``pooled_ranking``."""
    draws: int


def ranking_stability(frame: pd.DataFrame, kpi: str, *, higher_is_better: bool = True,
                      scheme: str = "variant", draw: str = "draw") -> RankingStability:
    """The ranking's stability across draws (see the module docstring)."""
    from scipy.stats import kendalltau

    means = draw_means(frame, kpi, scheme, draw).dropna()
    sign = 1.0 if higher_is_better else -1.0
    names = list(means.columns)

    def ranking(values: np.ndarray) -> tuple[str, ...]:
        order = np.argsort(-sign * values, kind="stable")
        return tuple(names[i] for i in order)

    rankings = [ranking(row) for row in means.to_numpy(float)]
    if not rankings:
        return RankingStability((), float("nan"), (), float("nan"), 0)
    modal, count = Counter(rankings).most_common(1)[0]
    pooled_values = means.mean(axis=0).to_numpy(float)
    pooled = ranking(pooled_values)
    if len(names) < 2:
        taus = [1.0] * len(rankings)
    else:
        position = {name: i for i, name in enumerate(pooled)}
        taus = []
        for r in rankings:
            tau = kendalltau([position[n] for n in names], [r.index(n) for n in names]).statistic
            taus.append(float(tau))
    return RankingStability(modal, count / len(rankings), pooled, float(np.mean(taus)),
                            len(rankings))


LOWER_IS_BETTER = frozenset({"public_cost_per_new_tie", "public_cost_per_new_exporter"})
"""KPIs where less is better (public money per outcome)."""
NOT_RANKED = frozenset({"public_spent"})
"""KPIs that are not a goal (spend is equalised by the comparison's calibration)."""


def scheme_uncertainty(runs: pd.DataFrame, order: list[str], kpis: list[str],
                       scheme: str = "variant", draw: str = "draw"
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per KPI, the probability each scheme is best and the ranking's stability across draws.

    Returns ``(p_best, stability)``: ``p_best`` is tidy (kpi, higher_is_better, variant, p_best;
    per KPI the probabilities of the ranked schemes sum to 1), ``stability`` has one row per KPI
    (draws, modal ranking and its share, pooled ranking, mean Kendall tau). Public money per
    outcome is better when lower, and only schemes that spend public money are ranked on it;
    ``public_spent`` is not ranked (the comparison equalises it)."""
    p_rows, s_rows = [], []
    spent = runs.groupby(scheme)["public_spent"].mean() if "public_spent" in runs else None
    for kpi in kpis:
        if kpi in NOT_RANKED or kpi not in runs.columns:
            continue
        higher = kpi not in LOWER_IS_BETTER
        ranked = list(order)
        if not higher and spent is not None:
            ranked = [v for v in order if spent.get(v, 0.0) > 0]
        if len(ranked) < 2:
            continue
        frame = runs[runs[scheme].isin(ranked)]
        p = probability_best(frame, kpi, higher_is_better=higher, scheme=scheme, draw=draw)
        for v in ranked:
            p_rows.append({"kpi": kpi, "higher_is_better": higher, "variant": v,
                           "p_best": float(p.get(v, np.nan))})
        s = ranking_stability(frame, kpi, higher_is_better=higher, scheme=scheme, draw=draw)
        s_rows.append({"kpi": kpi, "higher_is_better": higher, "draws": s.draws,
                       "modal_ranking": " > ".join(s.modal_ranking),
                       "modal_share": s.modal_share,
                       "pooled_ranking": " > ".join(s.pooled_ranking),
                       "mean_kendall_tau": s.mean_kendall_tau})
    return pd.DataFrame(p_rows), pd.DataFrame(s_rows)
