"""Loading scenario files: extends, dotted overrides, safe YAML, content hash."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from clustersim.scenario import (
    ScenarioError,
    apply_overrides,
    load_scenario,
    scenario_hash,
    scenario_with_overrides,
)

MINIMAL = """\
name: parent
seed: 11
steps: 30
clusters:
  - name: alpha
    n_firms: 20
    facilitator: {staff: 2, membership_fee: 50}
markets:
  germany: {language_barrier: 0.5, psychic_distance: 0.25, size: 3.0,
            partner_cluster: Brandenburg}
  uk: {language_barrier: 0.3, psychic_distance: 0.4}
policy:
  funding: {scheme: matched, annual_budget: 50000, match_ratio: 2.0}
  translation_support: 0.4
"""


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_loads_baseline(scenarios_dir):
    scenario = load_scenario(scenarios_dir / "baseline.yaml")
    assert scenario.name == "baseline"
    assert scenario.clusters[0].n_firms == 45
    assert "germany" in scenario.markets


def test_missing_file_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as err:
        load_scenario(missing)
    assert str(missing) in str(err.value)


def test_extends_merges_mappings_and_overrides_fields(tmp_path):
    write(tmp_path / "parent.yaml", MINIMAL)
    write(tmp_path / "child.yaml", """\
        extends: parent.yaml
        name: child
        policy:
          funding: {annual_budget: 90000}
        markets:
          uk: {size: 2.5}
        """)
    child = load_scenario(tmp_path / "child.yaml")
    parent = load_scenario(tmp_path / "parent.yaml")
    assert child.name == "child"
    # overridden leaves
    assert child.policy.funding.annual_budget == 90000
    assert child.markets["uk"].size == 2.5
    # siblings of overridden leaves survive the merge
    assert child.policy.funding.scheme == parent.policy.funding.scheme == "matched"
    assert child.policy.funding.match_ratio == 2.0
    assert child.policy.translation_support == 0.4
    assert child.markets["uk"].language_barrier == 0.3
    assert child.markets["germany"] == parent.markets["germany"]
    # untouched top-level fields are inherited
    assert child.seed == 11 and child.steps == 30
    assert child.clusters == parent.clusters


def test_extends_replaces_lists_and_chains(tmp_path):
    write(tmp_path / "parent.yaml", MINIMAL)
    write(tmp_path / "middle.yaml", """\
        extends: parent.yaml
        clusters:
          - {name: beta, n_firms: 8}
          - {name: gamma, n_firms: 9}
        """)
    sub = tmp_path / "sub"
    sub.mkdir()
    write(sub / "leaf.yaml", """\
        extends: ../middle.yaml
        steps: 5
        """)
    leaf = load_scenario(sub / "leaf.yaml")
    assert [c.name for c in leaf.clusters] == ["beta", "gamma"]
    assert leaf.steps == 5
    assert leaf.seed == 11  # from the grandparent


def test_embryonic_extends_baseline(scenarios_dir):
    baseline = load_scenario(scenarios_dir / "baseline.yaml")
    embryonic = load_scenario(scenarios_dir / "embryonic.yaml")
    assert embryonic.markets == baseline.markets
    assert embryonic.clusters[0].stage == "embryonic"
    assert embryonic.policy.funding.scheme == baseline.policy.funding.scheme


@pytest.mark.parametrize("length", [1, 2, 3])
def test_extends_cycle_is_an_error(tmp_path, length):
    names = [f"s{i}.yaml" for i in range(length)]
    for i, name in enumerate(names):
        write(tmp_path / name, f"extends: {names[(i + 1) % length]}\nname: s{i}\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / names[0])
    message = str(err.value)
    assert "extends: cycle" in message
    assert message.count(names[0]) >= 2  # the cycle starts and ends at the first file


def test_extends_missing_parent_names_file_and_parent(tmp_path):
    child = write(tmp_path / "child.yaml", "extends: ghost.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert "ghost.yaml" in str(err.value)
    assert str(child.resolve()) in str(err.value) or str(child) in str(err.value)


def test_a_moved_copy_of_a_shipped_scenario_is_told_where_its_parent_is(tmp_path,
                                                                        scenarios_dir):
    """baseline.yaml extends parameters/calibrated.yaml (the shipped calibration) by a relative
    path; a copy elsewhere is told which shipped file that was."""
    copy = write(tmp_path / "mine.yaml", (scenarios_dir / "baseline.yaml").read_text())
    with pytest.raises(ScenarioError) as err:
        load_scenario(copy)
    message = str(err.value)
    assert "parameters/calibrated.yaml" in message and "a copy of a shipped scenario?" in message
    # a parent no shipped scenario has gets no such hint
    child = write(tmp_path / "child.yaml", "extends: ghost.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(child)
    assert "a copy of a shipped scenario?" not in str(err.value)


def test_extends_must_be_a_path(tmp_path):
    child = write(tmp_path / "child.yaml", "extends: [a.yaml, b.yaml]\nname: child\n")
    with pytest.raises(ScenarioError, match="extends = "):
        load_scenario(child)


def test_dotted_overrides_on_load(tmp_path):
    path = write(tmp_path / "s.yaml", MINIMAL)
    scenario = load_scenario(path, overrides={
        "policy.funding.annual_budget": 0,
        "clusters.0.n_firms": 10,
        "clusters.0.facilitator.staff": 4,
        "markets.germany.language_barrier": 0.9,
        "parameters.trust.gain_rate": 0.2,
    })
    assert scenario.policy.funding.annual_budget == 0
    assert scenario.clusters[0].n_firms == 10
    assert scenario.clusters[0].facilitator.staff == 4
    assert scenario.clusters[0].facilitator.membership_fee == 50  # sibling kept
    assert scenario.markets["germany"].language_barrier == 0.9
    assert scenario.markets["germany"].psychic_distance == 0.25
    assert scenario.parameters.trust.gain_rate == 0.2


def test_overrides_are_validated_and_errors_name_the_path(tmp_path):
    path = write(tmp_path / "s.yaml", MINIMAL)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, overrides={"policy.translation_support": 2.0})
    message = str(err.value)
    assert str(path) in message
    assert "policy.translation_support" in message
    assert "2.0" in message and "<= 1" in message


def test_override_unknown_key_gets_hint(tmp_path):
    path = write(tmp_path / "s.yaml", MINIMAL)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, overrides={"policy.funding.anual_budget": 1})
    assert "did you mean 'annual_budget'" in str(err.value)


@pytest.mark.parametrize("dotted", ["clusters.5.n_firms", "clusters.x.n_firms"])
def test_override_bad_list_index(tmp_path, dotted):
    path = write(tmp_path / "s.yaml", MINIMAL)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, overrides={dotted: 3})
    assert dotted in str(err.value)


def test_apply_overrides_does_not_mutate_input():
    data = {"a": {"b": 1}, "l": [{"x": 1}]}
    out = apply_overrides(data, {"a.b": 2, "l.0.x": 5, "new": {"key": 3}})
    assert data == {"a": {"b": 1}, "l": [{"x": 1}]}
    assert out == {"a": {"b": 2}, "l": [{"x": 5}], "new": {"key": 3}}


def test_apply_overrides_never_creates_phantom_entries():
    data = {"markets": {"germany": {"language_barrier": 0.5}}}
    with pytest.raises(ScenarioError) as err:
        apply_overrides(data, {"markets.germny.language_barrier": 0.3, "markets.x.y": 1})
    text = str(err.value)
    assert "did you mean 'germany'" in text and "markets.x.y" in text  # both reported


def test_scenario_with_overrides_returns_new_validated_scenario(baseline):
    changed = scenario_with_overrides(baseline, {"policy.funding.annual_budget": 1234.0})
    assert changed.policy.funding.annual_budget == 1234.0
    assert baseline.policy.funding.annual_budget != 1234.0
    with pytest.raises(ScenarioError):
        scenario_with_overrides(baseline, {"steps": 0})


def test_yaml_python_tags_are_refused(tmp_path):
    sentinel = tmp_path / "pwned"
    rest = MINIMAL.split("\n", 1)[1]  # everything but the name line
    path = write(tmp_path / "evil.yaml",
                 f"name: !!python/object/apply:os.mkdir ['{sentinel}']\n" + rest)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value)
    assert not sentinel.exists()


def test_yaml_python_object_tag_is_refused(tmp_path):
    path = write(tmp_path / "evil.yaml", "!!python/object:collections.OrderedDict {}\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(path)


def test_invalid_yaml_and_non_mapping(tmp_path):
    broken = write(tmp_path / "broken.yaml", "name: [unclosed\n")
    with pytest.raises(ScenarioError, match="not valid YAML") as err:
        load_scenario(broken)
    assert str(broken) in str(err.value)
    listing = write(tmp_path / "list.yaml", "- a\n- b\n")
    with pytest.raises(ScenarioError, match="top level must be a mapping"):
        load_scenario(listing)


REORDERED = """\
policy:
  translation_support: 0.4
  funding: {match_ratio: 2.0, annual_budget: 50000, scheme: matched}
markets:
  uk: {psychic_distance: 0.4, language_barrier: 0.3}
  germany: {partner_cluster: Brandenburg, size: 3.0, psychic_distance: 0.25,
            language_barrier: 0.5}
clusters:
  - facilitator: {membership_fee: 50, staff: 2}
    n_firms: 20
    name: alpha
steps: 30
seed: 11
name: parent
"""


def test_scenario_hash_stable_across_key_order(tmp_path):
    a = load_scenario(write(tmp_path / "a.yaml", MINIMAL))
    b = load_scenario(write(tmp_path / "b.yaml", REORDERED))
    assert scenario_hash(a) == scenario_hash(b)
    assert len(scenario_hash(a)) == 64
    int(scenario_hash(a), 16)


def test_scenario_hash_includes_defaults_and_values(tmp_path):
    a = load_scenario(write(tmp_path / "a.yaml", MINIMAL))
    explicit = write(tmp_path / "b.yaml", MINIMAL + "partners_per_firm: 2.0\n")
    explicit_default = load_scenario(explicit)
    assert scenario_hash(a) == scenario_hash(explicit_default)
    changed = scenario_with_overrides(a, {"markets.uk.size": 1.5})
    assert scenario_hash(changed) != scenario_hash(a)
