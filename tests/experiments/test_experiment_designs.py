"""Design points: grid, LHS, Sobol', Morris and explicit designs produce the right points."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from SALib.sample import morris as salib_morris
from SALib.sample import sobol as salib_sobol

from clustersim.experiments import Experiment, build_design, prepare_plan, run_seed
from clustersim.experiments.designs import design_seed, salib_problem


def spec(parameters, design, **extra) -> Experiment:
    return Experiment.model_validate(
        {"name": "d", "seed": 3, "parameters": parameters, "design": design,
         "outputs": {"kpis": ["y"]}, **extra}
    )


def test_grid_is_the_full_product_with_the_first_parameter_slowest():
    s = spec({"a": [1, 2, 3], "b": ["x", "y"], "c": {"bounds": [0, 1], "levels": 3}},
             {"type": "grid"})
    d = build_design(s)
    expected = list(itertools.product([1, 2, 3], ["x", "y"], [0.0, 0.5, 1.0]))
    assert d.n_points == 18
    assert [tuple(d.point(i).values()) for i in range(d.n_points)] == expected


def test_grid_integer_levels_are_whole_and_distinct():
    s = spec({"n": {"bounds": [2, 10], "levels": 5, "integer": True}}, {"type": "grid"})
    assert build_design(s).columns["n"] == [2, 4, 6, 8, 10]


def test_lhs_has_one_point_per_stratum_in_every_dimension():
    n = 20
    s = spec({"a": {"bounds": [0, 10]}, "b": {"bounds": [-1, 1]}}, {"type": "lhs", "samples": n})
    d = build_design(s)
    assert d.n_points == n
    for name, (low, high) in (("a", (0, 10)), ("b", (-1, 1))):
        x = np.array(d.columns[name])
        assert ((x >= low) & (x <= high)).all()
        strata = np.floor((x - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))
    again = build_design(s)
    assert again.columns == d.columns  # same seed, same design
    other = build_design(spec(s.model_dump()["parameters"], {"type": "lhs", "samples": n},
                              seed=4))
    assert other.columns["a"] != d.columns["a"]


def test_sobol_matches_salib_saltelli_sample_and_size():
    params = {"a": {"bounds": [0, 1]}, "b": {"bounds": [5, 6]}, "c": {"bounds": [-2, 2]}}
    s = spec(params, {"type": "sobol", "samples": 16})
    d = build_design(s)
    assert d.n_points == 16 * (3 + 2)
    problem = salib_problem(s)
    expected = salib_sobol.sample(problem, 16, calc_second_order=False, seed=design_seed(3))
    np.testing.assert_array_equal(d.X, expected)
    np.testing.assert_array_equal(np.array(d.columns["b"]), expected[:, 1])
    s2 = spec(params, {"type": "sobol", "samples": 16, "second_order": True})
    assert build_design(s2).n_points == 16 * (2 * 3 + 2)


def test_morris_trajectories_move_one_parameter_at_a_time_on_the_level_grid():
    params = {"a": {"bounds": [0, 1]}, "b": {"bounds": [10, 20]}, "c": {"bounds": [0, 4]}}
    s = spec(params, {"type": "morris", "trajectories": 6, "levels": 4})
    d = build_design(s)
    k = 3
    assert d.n_points == 6 * (k + 1)
    unit = (d.X - np.array([0, 10, 0])) / np.array([1, 10, 4])
    np.testing.assert_allclose(unit * 3, np.round(unit * 3), atol=1e-9)  # levels 0,1/3,2/3,1
    for t in range(6):
        traj = unit[t * (k + 1):(t + 1) * (k + 1)]
        changed = (np.abs(np.diff(traj, axis=0)) > 1e-12).sum(axis=1)
        assert (changed == 1).all()
        assert sorted(np.nonzero(np.abs(np.diff(traj, axis=0)) > 1e-12)[1]) == [0, 1, 2]
    expected = salib_morris.sample(salib_problem(s), 6, num_levels=4, seed=design_seed(3))
    np.testing.assert_array_equal(d.X, expected)


def test_sampled_integer_and_categorical_parameters_cover_their_values():
    s = spec({"n": {"bounds": [1, 4], "integer": True}, "kind": {"values": ["p", "q", "r"]}},
             {"type": "lhs", "samples": 300})
    d = build_design(s)
    assert set(d.columns["n"]) == {1, 2, 3, 4}
    assert all(isinstance(v, int) for v in d.columns["n"])
    counts = {v: d.columns["kind"].count(v) for v in "pqr"}
    assert counts == {"p": 100, "q": 100, "r": 100}  # LHS strata split evenly


def test_explicit_points_are_taken_as_given():
    points = [{"a": 1, "b": "x"}, {"a": 5, "b": "y"}, {"a": 2, "b": "x"}]
    d = build_design(spec({}, {"type": "explicit", "points": points}))
    assert [d.point(i) for i in range(3)] == points


def test_runs_are_replication_major_with_seeds_from_the_run_index():
    from sweep_helpers import grid_spec, noisy

    plan = prepare_plan(grid_spec(), run_fn=noisy)
    tasks = list(plan.tasks())
    assert len(tasks) == 6 * 3
    assert [t.replication for t in tasks[:6]] == [0] * 6  # every point once before any twice
    assert [t.point_id for t in tasks[:7]] == [0, 1, 2, 3, 4, 5, 0]
    assert [t.seed for t in tasks] == [run_seed(11, i) for i in range(18)]
    expected = np.random.SeedSequence(11, spawn_key=(7,)).generate_state(1, np.uint64)[0] >> 1
    assert tasks[7].seed == int(expected)
    assert len({t.seed for t in tasks}) == 18  # replications differ, unlike a fixed seed
    crn = prepare_plan(grid_spec(seed_scheme="replication"), run_fn=noisy)
    assert {t.seed for t in crn.tasks() if t.replication == 1} == {run_seed(11, 1)}


@pytest.mark.parametrize("samples", [3, 12, 100])
def test_sobol_samples_must_be_a_power_of_two(samples):
    with pytest.raises(ValueError, match="power of 2"):
        spec({"a": {"bounds": [0, 1]}}, {"type": "sobol", "samples": samples})
