"""``clustersim plot`` on a sweep with many design points: --by, --where, --facet, mean band."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clustersim.analysis.quicklook import PlotRequestError, plot_sweep_kpi
from clustersim.experiments import Experiment, sweep

PNG = b"\x89PNG\r\n\x1a\n"


def walk(params, seed):
    """A toy model with a per-month table: a random walk drifting with ``rate``."""
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.normal(size=13)) + params["model.rate"] * np.arange(13)
    table = pd.DataFrame({"step": np.arange(13), "y": values})
    return {"y": float(values[-1])}, table


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """13 x 2 = 26 design points, 2 replications, a per-month table."""
    out = tmp_path_factory.mktemp("plot") / "many"
    spec = Experiment.model_validate({
        "name": "many", "seed": 5, "replications": 2,
        "parameters": {"model.rate": [i / 10 for i in range(13)], "model.scheme": ["a", "b"]},
        "design": {"type": "grid"}, "outputs": {"kpis": ["y"], "record": 1},
    })
    assert sweep(spec, out, workers=0, run_fn=walk, progress=False).ok == 52
    return out


def title_of(monkeypatch, call) -> str:
    """The figure title drawn by ``call`` (captured from the figure handed to to_png)."""
    from clustersim.analysis import figures

    titles = []
    real = figures.to_png

    def spy(fig):
        titles.append(fig._suptitle.get_text() if fig._suptitle else "")
        titles.append(len(fig.axes))
        return real(fig)

    monkeypatch.setattr(figures, "to_png", spy)
    call()
    return titles


def test_many_points_without_by_draw_the_mean_with_a_band_and_say_so(many, tmp_path,
                                                                      monkeypatch):
    out = tmp_path / "y.png"
    title, n_axes = title_of(monkeypatch, lambda: plot_sweep_kpi(many, "y", out))
    assert "mean of 26 design points" in title and "band" in title
    assert out.read_bytes()[:8] == PNG and n_axes == 1


def test_by_where_facet(many, tmp_path, monkeypatch):
    out = tmp_path / "y.png"
    title, n_axes = title_of(monkeypatch, lambda: plot_sweep_kpi(many, "y", out, by="rate"))
    assert "coloured by model.rate" in title and n_axes == 2  # the panel and its colour bar
    title, n_axes = title_of(monkeypatch, lambda: plot_sweep_kpi(
        many, "y", out, by="model.rate", facet="scheme"))
    assert n_axes == 3  # two panels, one colour bar
    title, _ = title_of(monkeypatch, lambda: plot_sweep_kpi(
        many, "y", out, where=["scheme=a", "rate=0.3"]))
    assert "95% band over replications" in title  # one point left: its own line
    title, _ = title_of(monkeypatch, lambda: plot_sweep_kpi(many, "y", out, by="scheme"))
    assert "coloured by model.scheme" in title
    title, _ = title_of(monkeypatch, lambda: plot_sweep_kpi(  # same field twice: either value
        many, "y", out, where=["rate=0.3", "rate=0.4", "rate=0.5", "rate=0.6", "rate=0.7",
                               "rate=0.8"]))
    assert "mean of 12 design points" in title


@pytest.mark.parametrize("kwargs, message", [
    ({"by": "nope"}, "--by nope: not a design field of these results; fields: model.rate, "
                     "model.scheme"),
    ({"where": ["scheme=c"]}, "model.scheme never takes the value 'c' in these results; "
                              "values: a, b"),
    ({"where": ["scheme"]}, "expected FIELD=VALUE"),
    ({"facet": "rate"}, "more than 12 panels"),
])
def test_bad_requests_name_the_field_and_what_is_allowed(many, kwargs, message):
    with pytest.raises(PlotRequestError, match=message.replace("(", r"\(")):
        plot_sweep_kpi(many, "y", many / "never.png", **kwargs)
    assert not (many / "never.png").exists()


def test_cli_exits_2_with_the_allowed_values(many, tmp_path):
    ok = subprocess.run(["clustersim", "plot", str(many), "--kpi", "y",
                         "--by", "rate", "--where", "scheme=b", "--out", str(tmp_path / "p.png")],
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "p.png").read_bytes()[:8] == PNG
    bad = subprocess.run(["clustersim", "plot", str(many), "--kpi", "y",
                          "--where", "rate=7"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "model.rate never takes the value '7'" in bad.stderr and "0.0, 0.1" in bad.stderr
    assert "Traceback" not in bad.stderr


def final_only(params, seed):
    return walk(params, seed)[0]


def test_final_values_only_plot_against_the_by_field(tmp_path, monkeypatch):
    out = tmp_path / "finals"
    spec = Experiment.model_validate({
        "name": "finals", "seed": 5, "replications": 2,
        "parameters": {"model.rate": [i / 10 for i in range(13)], "model.scheme": ["a", "b"]},
        "design": {"type": "grid"}, "outputs": {"kpis": ["y"]},
    })
    assert sweep(spec, out, workers=0, run_fn=final_only, progress=False).ok == 52
    for kwargs, n_axes in [({}, 1), ({"by": "rate"}, 1), ({"by": "scheme", "facet": "scheme"}, 2)]:
        title, drawn = title_of(monkeypatch, lambda kw=kwargs: plot_sweep_kpi(
            out, "y", tmp_path / "f.png", **kw))
        assert "(final)" in title and drawn == n_axes
        assert (tmp_path / "f.png").read_bytes()[:8] == PNG
