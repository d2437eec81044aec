"""Golden KPI tables: every shipped scenario at a fixed seed, recorded before a refactor.

A refactor that keeps the rules must reproduce these tables exactly (``tests/test_golden.py``).
Where a change has to alter the order of random draws, regenerate them with this script and say
so, and why, in the commit message:

    PYTHONPATH=src python tests/golden/regenerate.py            # rewrite tests/golden/*.parquet
    PYTHONPATH=src python tests/golden/regenerate.py --check    # compare only (exit 1 on a diff)

Each file holds the model-level KPI table (one row per month) of one scenario; scenarios with
several clusters also get their per-cluster table of the last month (``*_clusters.parquet``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

GOLDEN_DIR = Path(__file__).resolve().parent
SCENARIOS_DIR = GOLDEN_DIR.parent.parent / "scenarios"
SEED = 12
# months per scenario: the national programme is shortened to keep the test quick
STEPS: dict[str, int] = {"national_programme": 24}
DEFAULT_STEPS = 60


def scenario_names() -> list[str]:
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def golden_tables(name: str) -> dict[str, pd.DataFrame]:
    """The tables the golden files of scenario ``name`` record, computed by the current code."""
    from clustersim.scenario import load_scenario
    from clustersim.simulation import simulate

    scenario = load_scenario(SCENARIOS_DIR / f"{name}.yaml")
    result = simulate(scenario, seed=SEED, steps=STEPS.get(name, DEFAULT_STEPS))
    tables = {name: result.kpis.reset_index(drop=True)}
    clusters = result.cluster_kpis
    if len(clusters):
        last = clusters[clusters["step"] == clusters["step"].max()].reset_index(drop=True)
        tables[f"{name}_clusters"] = last
    return tables


def write_small_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet without statistics, dictionaries or pandas metadata: exact values, ~12 KB."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                   compression="zstd", compression_level=19, write_statistics=False,
                   use_dictionary=False, store_schema=False)


def golden_path(table: str) -> Path:
    return GOLDEN_DIR / f"{table}.parquet"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args()
    differ = []
    for name in scenario_names():
        for table, frame in golden_tables(name).items():
            path = golden_path(table)
            if args.check:
                try:
                    pd.testing.assert_frame_equal(pd.read_parquet(path), frame, check_exact=True)
                except (AssertionError, FileNotFoundError) as exc:
                    differ.append(table)
                    print(f"DIFF {table}: {str(exc).splitlines()[0:3]}")
                else:
                    print(f"same {table}")
            else:
                write_small_parquet(frame, path)
                print(f"wrote {path.name} ({path.stat().st_size:,} bytes, {len(frame)} rows)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
