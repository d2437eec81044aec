"""Confidence intervals and paired comparisons match direct computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clustersim.analysis.stats import mean_ci, paired_difference, summarise


def test_mean_ci_matches_student_t_interval():
    rng = np.random.default_rng(3)
    x = rng.normal(10, 2, 17)
    ci = mean_ci(x)
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert ci.mean == pytest.approx(x.mean())
    assert (ci.low, ci.high) == pytest.approx((low, high))
    assert ci.n == 17


def test_mean_ci_by_hand_small_sample():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    half = 3.182446305284263 * np.std(x, ddof=1) / 2  # t(0.975, 3) * s / sqrt(4)
    ci = mean_ci(x)
    assert (ci.low, ci.high) == pytest.approx((2.5 - half, 2.5 + half))


def test_mean_ci_ignores_nan_and_handles_tiny_samples():
    assert mean_ci([np.nan, 1.0, 3.0]).n == 2
    single = mean_ci([5.0])
    assert single.mean == 5.0 and np.isnan(single.low)
    assert np.isnan(mean_ci([]).mean)


def test_paired_difference_matches_ttest_rel():
    rng = np.random.default_rng(5)
    a = pd.Series(rng.normal(1.0, 1, 12))
    b = pd.Series(a.to_numpy() - rng.normal(0.4, 0.3, 12))
    result = paired_difference(a, b)
    assert result.p_value == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert result.mean_difference == pytest.approx((a - b).mean())
    assert result.distinguishable


def test_paired_difference_of_identical_series_is_not_distinguishable():
    a = pd.Series([1.0, 2.0, 3.0])
    assert not paired_difference(a, a.copy()).distinguishable


def test_summarise_gives_one_row_per_group_and_kpi():
    frame = pd.DataFrame({"variant": ["a", "a", "b", "b"], "x": [1, 3, 5, 7], "y": [0, 0, 1, 1]})
    table = summarise(frame, "variant", ["x", "y"])
    assert len(table) == 4
    row = table[(table["variant"] == "b") & (table["kpi"] == "x")].iloc[0]
    assert row["mean"] == 6 and row["n"] == 2 and row["ci_low"] < 6 < row["ci_high"]


def test_paired_difference_interval_matches_scipy():
    rng = np.random.default_rng(8)
    a = pd.Series(rng.normal(2.0, 1, 9))
    b = pd.Series(rng.normal(1.5, 1, 9))
    result = paired_difference(a, b)
    ci = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert (result.low, result.high) == pytest.approx((ci.low, ci.high))


def test_paired_difference_matches_by_replication_not_by_position():
    a = pd.Series([1.0, 2.0, 3.0], index=[0, 1, 2])
    b = pd.Series([3.0, 1.0, 2.0], index=[2, 0, 1])  # same values, shuffled index
    result = paired_difference(a, b)
    assert result.mean_difference == 0 and not result.distinguishable
