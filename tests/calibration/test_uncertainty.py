"""Probability best, ranking stability and posterior draws on hand-computed examples."""

from __future__ import annotations

import pandas as pd
import pytest

from clustersim.analysis.uncertainty import probability_best, ranking_stability
from clustersim.calibration.posterior import load_posterior, sample_posterior


def table(rows):
    return pd.DataFrame(rows, columns=["draw", "variant", "replication", "kpi"])


# draw 0: A best; draw 1: B best; draw 2: A and B tie; C always last
ROWS = [(0, "A", 0, 3), (0, "A", 1, 5), (0, "B", 0, 2), (0, "B", 1, 2), (0, "C", 0, 0),
        (0, "C", 1, 0), (1, "A", 0, 1), (1, "B", 0, 6), (1, "C", 0, 0),
        (2, "A", 0, 2), (2, "B", 0, 2), (2, "C", 0, 1)]


def test_probability_best_counts_draws_and_splits_ties():
    p = probability_best(table(ROWS), "kpi")
    assert p["A"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert p["B"] == pytest.approx((0 + 1 + 0.5) / 3)
    assert p["C"] == 0
    low = probability_best(table(ROWS), "kpi", higher_is_better=False)
    assert low["C"] == 1


def test_ranking_stability():
    s = ranking_stability(table(ROWS), "kpi")
    assert s.draws == 3
    # pooled means: A (4 + 1 + 2) / 3, B (2 + 6 + 2) / 3 -> B, A, C
    assert s.pooled_ranking == ("B", "A", "C")
    assert s.modal_share == pytest.approx(2 / 3)  # draw 0 and draw 2 (stable tie) rank A, B, C
    assert s.modal_ranking == ("A", "B", "C")
    assert s.mean_kendall_tau == pytest.approx((1 / 3 + 1 + 1 / 3) / 3)
    same = ranking_stability(table([(d, v, 0, k) for d in range(4)
                                    for v, k in (("A", 2), ("B", 1))]), "kpi")
    assert same.modal_share == 1 and same.mean_kendall_tau == 1


def test_sample_posterior_follows_the_weights(tmp_path):
    frame = pd.DataFrame({"generation": 3, "a.b": [0.1, 0.9], "n": [1.2, 3.7],
                          "weight": [0.0, 1.0], "distance": 0.0})
    frame.to_parquet(tmp_path / "posterior.parquet")
    posterior = load_posterior(tmp_path / "posterior.parquet")
    draws = sample_posterior(posterior, 5, seed=1, integer=frozenset({"n"}))
    assert draws == [{"a.b": 0.9, "n": 4}] * 5
    assert sample_posterior(posterior, 3, seed=2) == sample_posterior(posterior, 3, seed=2)
    with pytest.raises(ValueError, match="not a posterior"):
        frame.drop(columns="weight").to_parquet(tmp_path / "bad.parquet")
        load_posterior(tmp_path / "bad.parquet")
