"""Hostile experiment and comparison files, and commands pointed at the wrong output folder.

``sweep``, ``sensitivity``, ``compare`` and ``plot``: every refusal comes before any work (no run
starts, the output folder is not created or is left byte for byte as it was), with exit status 2
and one short paragraph naming the file and the field or folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_hostile_scenarios import ALIAS_BOMB

from clustersim.outputs.folders import claim_folder
from conftest import TINY_SCENARIO, assert_refused, invoke, snapshot, write_yaml

TINY_COMPARISON = os.path.join(os.path.dirname(__file__), "..", "..", "experiments",
                               "funding_schemes_tiny.yaml")

BASE_EXPERIMENT = {
    "name": "hostile", "scenario": "tiny.yaml", "seed": 1, "replications": 2,
    "parameters": {"policy.translation_support": [0.0, 1.0]},
    "outputs": {"kpis": ["export_share", "members"]},
}


@pytest.fixture
def folder(tmp_path):
    write_yaml(tmp_path / "tiny.yaml", TINY_SCENARIO)
    return tmp_path


def experiment(folder, **changes):
    data = {**BASE_EXPERIMENT, **changes}
    return write_yaml(folder / "exp.yaml", data)


EXPERIMENT_CASES = [
    ("phantom-market-parameter", {"parameters": {"markets.germny.language_barrier": [0.1, 0.5]}},
     ["germny", "did you mean 'germany'"]),
    ("phantom-market-override", {"overrides": {"markets.germny.language_barrier": 0.2}},
     ["germny"]),
    ("bool-replications", {"replications": True}, ["replications", "true/false"]),
    ("nan-bounds", {"design": {"type": "lhs", "samples": 4},
                    "parameters": {"policy.translation_support": {"bounds": [0, float("nan")]}}},
     ["bounds"]),
    ("inf-value", {"parameters": {"policy.funding.annual_budget": [0, float("inf")]}},
     ["annual_budget"]),
    ("negative-replications", {"replications": -3}, ["replications"]),
    ("grid-bomb", {"replications": 1, "parameters": {
        f"policy.{name}": {"bounds": [0, 1], "levels": 1000}
        for name in ("translation_support", "coordination_cost", "funding.match_ratio")}},
     ["1,000,000,000 points", "limit", "--allow-large"]),
    ("replication-bomb", {"replications": 1_000_000, "parameters": {
        "policy.translation_support": {"bounds": [0, 1], "levels": 1000}}},
     ["runs", "limit"]),
    ("sobol-bomb", {"design": {"type": "sobol", "samples": 8_388_608}, "parameters": {
        "policy.translation_support": {"bounds": [0, 1]},
        "policy.coordination_cost": {"bounds": [0, 2]}}}, ["sobol", "points", "limit"]),
    ("oversized-model-parameter", {"parameters": {"clusters.0.count": [1, 1000],
                                                  "clusters.0.n_firms": [8, 50000]}},
     ["firms", "limit"]),
    ("unknown-kpi", {"outputs": {"kpis": ["export_shar"]}}, ["export_shar", "export_share"]),
    ("missing-scenario", {"scenario": "gone.yaml"}, ["gone.yaml"]),
    ("typo-and-field-errors", {"replicatons": 2, "parameters": {
        "policy.funding.annual_budgt": [1, 2]}}, ["replicatons", "annual_budgt"]),
    ("name-traversal", {"name": "../../x"}, ["name"]),
]


@pytest.mark.parametrize(("case", "changes", "words"), EXPERIMENT_CASES,
                         ids=[c[0] for c in EXPERIMENT_CASES])
def test_hostile_experiment(folder, sweep_folder, copy_of, case, changes, words):
    path = experiment(folder, **changes)
    new_out = folder / "new-out"
    assert_refused(invoke("sweep", path, "--out", new_out, "--workers", "0", "--no-progress"),
                   str(path), *words)
    assert not new_out.exists()
    existing = copy_of(sweep_folder)
    before = snapshot(existing)
    assert_refused(invoke("sweep", path, "--out", existing, "--workers", "0", "--no-progress"),
                   *words)
    assert snapshot(existing) == before


EXPERIMENT_TEXT_CASES = [
    ("alias-bomb", ALIAS_BOMB, ["alias"]),
    ("duplicate-key", "name: a\nscenario: tiny.yaml\nname: b\n", ["duplicate key 'name'"]),
    ("python-tag", "name: !!python/object/apply:os.getcwd []\n", ["not allowed"]),
    ("non-mapping", "[1, 2, 3]\n", ["mapping"]),
    ("empty", "", ["mapping", "empty"]),
]


@pytest.mark.parametrize(("case", "text", "words"), EXPERIMENT_TEXT_CASES,
                         ids=[c[0] for c in EXPERIMENT_TEXT_CASES])
@pytest.mark.parametrize("command", ["sweep", "sensitivity", "compare"])
def test_hostile_yaml_in_every_input_file(folder, command, case, text, words):
    path = folder / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    out = folder / "out"
    assert_refused(invoke(command, path, "--out", out, "--workers", "0", "--no-progress"),
                   str(path), *words)
    assert not out.exists()


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "compare"])
def test_non_utf8_input_file(folder, command):
    path = folder / "latin.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert_refused(invoke(command, path, "--out", folder / "out", "--no-progress"), str(path),
                   "UTF-8")


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "compare"])
def test_workers_are_capped_at_the_cores(folder, command):
    path = experiment(folder, design={"type": "sobol", "samples": 2}, parameters={
        "policy.translation_support": {"bounds": [0, 1]}})
    if command == "compare":
        path = TINY_COMPARISON
    outcome = invoke(command, path, "--out", folder / "out", "--workers", "512",
                     "--no-progress")
    assert_refused(outcome, "--workers 512", "cores", "--force-workers")
    assert not (folder / "out").exists()


# -- the wrong output folder ---------------------------------------------------------------------
def test_sweep_into_a_run_folder_is_refused(folder, run_folder, copy_of):
    out = copy_of(run_folder)
    before = snapshot(out)
    outcome = invoke("sweep", experiment(folder), "--out", out, "--workers", "0",
                     "--no-progress")
    assert_refused(outcome, str(out), "run", "--overwrite")
    assert snapshot(out) == before


def test_run_into_a_sweep_folder_is_refused(folder, sweep_folder, copy_of):
    out = copy_of(sweep_folder)
    before = snapshot(out)
    outcome = invoke("run", folder / "tiny.yaml", "--out", out, "--no-progress")
    assert_refused(outcome, str(out), "sweep", "--overwrite")
    assert snapshot(out) == before


def test_run_with_overwrite_replaces_a_sweep_folder_whole(folder, sweep_folder, copy_of):
    out = copy_of(sweep_folder)
    outcome = invoke("run", folder / "tiny.yaml", "--out", out, "--no-progress", "--no-chart",
                     "--overwrite")
    assert outcome.code == 0, outcome.output
    assert not (out / "runs").exists()  # nothing of the sweep is left to mix with
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "kpis.parquet", "manifest.json", "network.parquet"]


def test_run_of_another_scenario_into_a_run_folder_is_refused(folder, run_folder, copy_of):
    out = copy_of(run_folder)
    before = snapshot(out)
    other = write_yaml(folder / "other.yaml", {**TINY_SCENARIO, "name": "other"})
    assert_refused(invoke("run", other, "--out", out, "--no-progress"), "'tiny'", "'other'")
    assert snapshot(out) == before


def test_run_into_a_foreign_folder_is_refused_even_with_overwrite(folder):
    out = folder / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    before = snapshot(out)
    for extra in ([], ["--overwrite"]):
        outcome = invoke("run", folder / "tiny.yaml", "--out", out, "--no-progress", *extra)
        assert_refused(outcome, "did not write")
    assert snapshot(out) == before


def test_compare_into_a_sweep_folder_is_refused(sweep_folder, copy_of):
    out = copy_of(sweep_folder)
    before = snapshot(out)
    tiny = TINY_COMPARISON
    assert_refused(invoke("compare", tiny, "--out", out, "--no-progress"), "sweep")
    assert snapshot(out) == before


def test_compare_with_a_changed_target_is_refused_before_any_run(tmp_path):
    from clustersim.analysis.comparison import comparison_identity, load_comparison

    tiny = TINY_COMPARISON
    text = Path(tiny).read_text(encoding="utf-8")
    scenario = os.path.abspath(os.path.join(os.path.dirname(tiny), "..", "scenarios",
                                            "baseline.yaml"))
    original = tmp_path / "cmp.yaml"
    original.write_text(text.replace("../scenarios/baseline.yaml", scenario), encoding="utf-8")
    spec, scenario_file = load_comparison(original)
    out = tmp_path / "report"
    with claim_folder(out, "compare", spec.name, comparison_identity(spec, scenario_file)):
        (out / "report.html").write_text("<html>the first comparison</html>")
    before = snapshot(out)
    changed = tmp_path / "changed.yaml"
    changed.write_text(original.read_text().replace("target_public_spend: 80000",
                                                    "target_public_spend: 90000"))
    outcome = invoke("compare", changed, "--out", out, "--no-progress")
    assert_refused(outcome, "different comparison", "target spend")
    assert snapshot(out) == before


def test_compare_names_the_bad_variant(tmp_path):
    tiny = TINY_COMPARISON
    scenario = os.path.abspath(os.path.join(os.path.dirname(tiny), "..", "scenarios",
                                            "baseline.yaml"))
    text = Path(tiny).read_text(encoding="utf-8").replace("../scenarios/baseline.yaml", scenario)
    text = text.replace("policy.funding.match_ratio: 3.0", "policy.funding.match_ratio: 300")
    text = text.replace("policy.funding.duration_months: 12", "policy.funding.duratin: 12")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    outcome = invoke("compare", path, "--out", tmp_path / "out", "--no-progress")
    assert_refused(outcome, "variants.matched", "match_ratio", "variants.project", "duratin")
    assert not (tmp_path / "out").exists()


def test_sweep_with_a_damaged_manifest(sweep_folder, copy_of, folder):
    out = copy_of(sweep_folder)
    (out / "manifest.json").write_text('{"format": "clustersim-sweep/1", "experi')
    before = snapshot(out)
    outcome = invoke("sweep", sweep_folder.parent / "exp.yaml", "--out", out, "--workers", "0",
                     "--no-progress")
    assert_refused(outcome, "manifest.json", "damaged")
    assert snapshot(out) == before
    assert_refused(invoke("plot", out, "--kpi", "export_share"), "manifest.json", "damaged")


def test_plot_on_a_damaged_parquet_part(sweep_folder, copy_of):
    out = copy_of(sweep_folder)
    part = sorted((out / "runs").glob("part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])
    assert_refused(invoke("plot", out, "--kpi", "export_share"), part.name, "damaged")


def test_plot_on_a_run_folder(run_folder):
    assert_refused(invoke("plot", run_folder, "--kpi", "export_share"), "not a clustersim sweep",
                   "run")


def test_sensitivity_with_a_grid_design_runs_nothing(folder):
    path = experiment(folder)
    out = folder / "out"
    assert_refused(invoke("sensitivity", path, "--out", out, "--workers", "0"), "sobol or morris",
                   "grid")
    assert not out.exists()


def test_sensitivity_with_a_bad_kpi_runs_nothing(folder):
    path = experiment(folder, design={"type": "sobol", "samples": 2}, parameters={
        "policy.translation_support": {"bounds": [0, 1]}})
    out = folder / "out"
    assert_refused(invoke("sensitivity", path, "--out", out, "--kpi", "export_shar",
                          "--workers", "0"), "export_shar", "export_share")
    assert not out.exists()


@pytest.mark.parametrize("command", ["sweep", "compare", "run"])
def test_unwritable_out_is_refused_before_any_work(folder, command, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    if command == "run":
        path, extra = folder / "tiny.yaml", []
    elif command == "compare":
        path = TINY_COMPARISON
        extra = ["--workers", "0"]
    else:
        path, extra = experiment(folder), ["--workers", "0"]
    for out in (blocker / "sub", "/proc/clustersim-hostile"):
        outcome = invoke(command, path, "--out", out, "--no-progress", *extra)
        assert_refused(outcome, str(out), "cannot")
