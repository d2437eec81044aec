"""Hostile scenario files and settings, through ``validate-scenario`` and ``run``.

Each case is generated from the tiny scenario by one damage (the classic ones: NaN, inf,
negative, wrong type, Python tags, alias bombs, non-mapping YAML, empty, binary, extends cycles
and missing targets, missing files, duplicate keys; and the ones the audit found). ``run`` is
always pointed at an existing output folder, which must be left byte for byte intact.
"""

from __future__ import annotations

import copy

import pytest

from conftest import TINY_SCENARIO, assert_refused, invoke, snapshot, write_yaml


def damaged(path_value: dict) -> dict:
    data = copy.deepcopy(TINY_SCENARIO)
    for dotted, value in path_value.items():
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


ALIAS_BOMB = "\n".join(
    [f"name: tiny\nl0: &l0 [{', '.join(['lol'] * 9)}]"]
    + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
) + "\nsteps: 3\n"

# (case id, file text or data, words the message must contain)
FIELD_CASES = [
    ("nan-steps", {"steps": float("nan")}, ["steps"]),
    ("nan-budget", {"policy.funding.annual_budget": float("nan")}, ["annual_budget"]),
    ("inf-budget", {"policy.funding.annual_budget": float("inf")}, ["annual_budget"]),
    ("neg-inf-share", {"clusters.0.initial_exporter_share": float("-inf")},
     ["initial_exporter_share"]),
    ("huge-budget", {"policy.funding.annual_budget": 1e12}, ["annual_budget", "<="]),
    ("max-float-budget", {"policy.funding.annual_budget": 1.7e308}, ["annual_budget"]),
    ("huge-revenue", {"parameters.export.revenue_per_tie": 1e300}, ["revenue_per_tie"]),
    ("huge-market-size", {"markets.uk.size": 1e200}, ["markets.uk.size"]),
    ("negative-steps", {"steps": -5}, ["steps", ">= 1"]),
    ("negative-firms", {"clusters.0.n_firms": -1}, ["n_firms"]),
    ("negative-fee", {"clusters.0.facilitator.membership_fee": -80}, ["membership_fee"]),
    ("zero-steps", {"steps": 0}, ["steps"]),
    ("text-steps", {"steps": "many"}, ["steps"]),
    ("bool-steps", {"steps": True}, ["steps", "true/false"]),
    ("bool-budget", {"policy.funding.annual_budget": False}, ["annual_budget", "true/false"]),
    ("bool-firms", {"clusters.0.n_firms": True}, ["n_firms", "true/false"]),
    ("list-steps", {"steps": [1, 2]}, ["steps"]),
    ("clusters-not-list", {"clusters": 5}, ["clusters"]),
    ("markets-list", {"markets": ["a", "b"]}, ["markets"]),
    ("steps-too-many", {"steps": 5000}, ["steps", "<= 1200"]),
    ("seed-too-big", {"seed": 2**70}, ["seed"]),
    ("name-traversal", {"name": "../../escape"}, ["name", "folder"]),
    ("name-absolute", {"name": "/tmp/elsewhere"}, ["name", "folder"]),
    ("name-empty", {"name": ""}, ["name"]),
    ("unknown-top", {"stepz": 4}, ["stepz", "did you mean 'steps'"]),
    ("unknown-nested", {"policy.funding.anual_budget": 4}, ["anual_budget", "annual_budget"]),
    ("bad-enum", {"clusters.0.stage": "teenage"}, ["stage"]),
    ("bad-scheme", {"policy.funding.scheme": "bribes"}, ["scheme", "bribes"]),
    ("unknown-agreement", {"clusters.0.agreements": ["mars"]}, ["mars"]),
    ("long-text-value", {"steps": "x" * 100_000}, ["steps", "characters"]),
    ("big-list-value", {"steps": list(range(50_000))}, ["steps"]),
    ("mix-sums", {"clusters.0.firm_mix": {"micro": 0.9, "sme": 0.9, "large": 0.0,
                                          "startup": 0.0}}, ["firm_mix", "sum"]),
    ("oversized-model", {"clusters.0.count": 1000, "clusters.0.n_firms": 50000},
     ["50,000,000 firms", "limit", "--allow-large"]),
    ("many-partners", {"clusters.0.n_firms": 50000, "partners_per_firm": 50.0},
     ["foreign partners", "limit"]),
]

TEXT_CASES = [
    ("python-tag", "name: !!python/object/apply:os.system ['echo pwned']\nsteps: 3\n",
     ["not allowed"]),
    ("python-name-tag", "steps: !!python/name:os.system\n", ["not allowed"]),
    ("alias-bomb", ALIAS_BOMB, ["alias"]),
    ("recursive-alias", "name: &a [*a]\n", ["recursive"]),
    ("duplicate-key", "name: tiny\nsteps: 3\nsteps: 4\n", ["duplicate key 'steps'", "line 2",
                                                           "line 3"]),
    ("duplicate-nested", "name: t\nmarkets:\n  uk: {}\n  uk: {size: 2}\n",
     ["duplicate key 'uk'"]),
    ("non-mapping-list", "- a\n- b\n", ["mapping"]),
    ("non-mapping-scalar", "just some words\n", ["mapping"]),
    ("empty", "", ["empty"]),
    ("only-comments", "# nothing here\n", ["empty"]),
    ("broken-yaml", "name: [unclosed\nsteps: 3\n", ["not valid YAML", "line"]),
    ("tab-indent", "name: t\n\tsteps: 3\n", ["not valid YAML"]),
]

BYTES_CASES = [
    ("binary", bytes(range(256)) * 4, ["UTF-8"]),
    ("latin-1", "name: caf\xe9\nsteps: 3\n".encode("latin-1"), ["UTF-8", "byte 0xe9"]),
    ("utf-16", "name: tiny\n".encode("utf-16"), ["UTF-8"]),
    ("nul-bytes", b"name: tiny\x00\x00\nsteps: 3\n", ["binary"]),
    ("too-large", b"# " + b"x" * 1_100_000 + b"\n", ["larger than"]),
]


@pytest.fixture
def guarded(run_folder, copy_of):
    """An existing run output folder, and its snapshot, that a refused run must not touch."""
    out = copy_of(run_folder)
    return out, snapshot(out)


def check_both_commands(path, words, guarded):
    out, before = guarded
    assert_refused(invoke("validate-scenario", path), str(path), *words)
    assert_refused(invoke("run", path, "--out", out, "--no-progress", "--overwrite"), str(path),
                   *words)
    assert snapshot(out) == before


@pytest.mark.parametrize(("case", "change", "words"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_damaged_field(tmp_path, guarded, case, change, words):
    path = write_yaml(tmp_path / f"{case}.yaml", damaged(change))
    check_both_commands(path, words, guarded)


@pytest.mark.parametrize(("case", "text", "words"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_hostile_yaml_text(tmp_path, guarded, case, text, words):
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    check_both_commands(path, words, guarded)


@pytest.mark.parametrize(("case", "data", "words"), BYTES_CASES, ids=[c[0] for c in BYTES_CASES])
def test_hostile_bytes(tmp_path, guarded, case, data, words):
    path = tmp_path / f"{case}.yaml"
    path.write_bytes(data)
    check_both_commands(path, words, guarded)


def test_missing_file_and_folder_as_file(tmp_path, guarded):
    check_both_commands(tmp_path / "nope.yaml", ["no such file"], guarded)
    (tmp_path / "dir.yaml").mkdir()
    check_both_commands(tmp_path / "dir.yaml", ["folder"], guarded)


def test_extends_cycle(tmp_path, guarded):
    write_yaml(tmp_path / "a.yaml", {"extends": "b.yaml", "steps": 3})
    write_yaml(tmp_path / "b.yaml", {"extends": "a.yaml", **TINY_SCENARIO})
    check_both_commands(tmp_path / "a.yaml", ["cycle"], guarded)


def test_extends_missing_target(tmp_path, guarded):
    path = write_yaml(tmp_path / "a.yaml", {"extends": "gone.yaml", "steps": 3})
    check_both_commands(path, ["extends", "gone.yaml", "no such file"], guarded)


def test_extends_target_not_utf8(tmp_path, guarded):
    (tmp_path / "parent.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    path = write_yaml(tmp_path / "child.yaml", {"extends": "parent.yaml", "steps": 3})
    check_both_commands(path, ["parent.yaml", "UTF-8"], guarded)


def test_extends_target_with_alias_bomb(tmp_path, guarded):
    (tmp_path / "parent.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    path = write_yaml(tmp_path / "child.yaml", {"extends": "parent.yaml"})
    check_both_commands(path, ["parent.yaml", "alias"], guarded)


def test_all_errors_of_a_file_at_once(tmp_path):
    """Issue 10: a top-level typo and field errors are reported together, not in two passes."""
    data = damaged({"stepz": 3, "clusters.0.n_firms": -1, "markets.uk.language_barrier": 7})
    path = write_yaml(tmp_path / "many.yaml", data)
    outcome = invoke("validate-scenario", path)
    assert_refused(outcome, "stepz", "n_firms", "language_barrier")


# -- --set overrides: the same limits as files ---------------------------------------------------
SET_CASES = [
    ("phantom-market", "markets.germny.language_barrier=0.3", ["germny", "did you mean 'germany'"]),
    ("phantom-field", "policy.funding.anual_budget=3", ["anual_budget", "annual_budget"]),
    ("phantom-deep", "parameters.trust.nope.x=1", ["nope"]),
    ("bool-steps", "steps=true", ["steps", "true/false"]),
    ("bool-budget", "policy.funding.annual_budget=yes", ["annual_budget", "true/false"]),
    ("inf", "policy.funding.annual_budget=.inf", ["annual_budget"]),
    ("nan", "policy.translation_support=.nan", ["translation_support"]),
    ("huge", "policy.funding.annual_budget=1.7e308", ["annual_budget"]),
    ("index-range", "clusters.3.n_firms=5", ["index 3"]),
    ("index-text", "clusters.x.n_firms=5", ["list index"]),
    ("into-value", "steps.x=5", ["steps"]),
    ("name-path", "name=../../x", ["name"]),
    ("alias-bomb-value", "steps=" + ALIAS_BOMB.replace("\n", " ").split("steps")[0]
     .replace("name: tiny ", "{") .replace("] l", "], l") + "}", ["alias"]),
    ("python-tag-value", "steps=!!python/name:os.system", ["not allowed"]),
    ("oversized", "clusters.0.count=1000", []),  # 8,000 firms: fine; combined below
]


@pytest.mark.parametrize(("case", "assignment", "words"), SET_CASES[:-1],
                         ids=[c[0] for c in SET_CASES[:-1]])
def test_hostile_set(tiny_file, guarded, case, assignment, words):
    out, before = guarded
    outcome = invoke("run", tiny_file, "--set", assignment, "--out", out, "--no-progress")
    assert_refused(outcome, *words)
    assert snapshot(out) == before


def test_oversized_model_by_set_and_allow_large_flag_exists(tiny_file, guarded):
    out, before = guarded
    outcome = invoke("run", tiny_file, "--set", "clusters.0.count=1000", "--set",
                     "clusters.0.n_firms=50000", "--out", out, "--no-progress")
    assert_refused(outcome, "50,000,000 firms", "--allow-large")
    assert snapshot(out) == before


def test_adding_a_market_on_purpose_works(tiny_file, tmp_path):
    outcome = invoke("run", tiny_file, "--set",
                     "markets.poland={language_barrier: 0.2, psychic_distance: 0.1, size: 1}",
                     "--out", tmp_path / "added", "--no-progress", "--no-chart")
    assert outcome.code == 0, outcome.output


@pytest.mark.parametrize(("option", "value", "word"), [
    ("--seed", str(2**70), "--seed"), ("--seed", "-1", "--seed"), ("--steps", "5000", "--steps"),
    ("--steps", "0", "--steps")])
def test_cli_limits_match_the_schema(tiny_file, guarded, option, value, word):
    out, before = guarded
    assert_refused(invoke("run", tiny_file, option, value, "--out", out, "--no-progress"), word)
    assert snapshot(out) == before


def test_schema_and_cli_share_the_limits():
    from clustersim.cli import run_command
    from clustersim.experiments.cli import sweep_command
    from clustersim.scenario.schema import Scenario

    def option(command, name):
        return next(p for p in command.params if p.name == name).type

    for name in ("seed", "steps"):
        meta = {type(m).__name__: m for m in Scenario.model_fields[name].metadata}
        assert option(run_command, name).max == next(iter(
            m.le for m in meta.values() if hasattr(m, "le")))
    assert option(sweep_command, "steps").max == option(run_command, "steps").max


def test_yaml_error_messages_stay_short(tmp_path):
    """A bad value is quoted as an excerpt, never whole."""
    path = write_yaml(tmp_path / "long.yaml", damaged({"name": "n" * 200_000}))
    outcome = invoke("validate-scenario", path)
    assert_refused(outcome, "name")
    assert len(outcome.output) < 1500


def test_cross_references_are_reported_with_field_errors(tmp_path):
    data = damaged({"stepz": 3, "clusters.0.agreements": ["mars"],
                    "clusters.0.networked_with": ["nobody"]})
    path = write_yaml(tmp_path / "refs.yaml", data)
    assert_refused(invoke("validate-scenario", path), "stepz", "mars", "nobody")
