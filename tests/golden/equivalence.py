"""Are the dynamics of two source trees statistically the same? For a change that had to alter the
order of random draws (and so the golden tables), run one scenario over many seeds on the code
before and after and compare the distributions of final KPIs:

    python tests/golden/equivalence.py --before /tmp/before/src --seeds 30 baseline
    python tests/golden/equivalence.py --before /tmp/before/src --seeds 30 baseline \\
        --set policy.funding.scheme=vouchers

Each tree runs in its own process (``PYTHONPATH`` = the tree); the seeds are the same on both
sides, but the two codes use them differently, so the samples are independent. Printed per KPI:
the means, the relative difference, Welch's t-test and the Mann-Whitney U test (two-sided). With
many KPIs a few p-values below 0.05 are expected by chance alone (about 1 in 20).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KPIS = ("export_share", "export_ties", "new_ties_total", "new_exporters", "markets_per_exporter",
        "members", "satisfaction", "trust_in_facilitator", "trust_cross_border",
        "esca_personal_contact_share", "esca_active_collaboration_share",
        "esca_private_budget_share", "income_services", "income_public", "budget_balance",
        "vouchers_unredeemed", "relations")
MONTHLY = ("events", "new_ties")  # compared as their mean over the months

_CHILD = """
import json, sys
from clustersim.scenario import load_scenario
from clustersim.simulation import simulate
name, seeds, steps, overrides, MONTHLY = json.loads(sys.argv[1])
scenario = load_scenario(name, overrides=overrides or None)
rows = []
for seed in seeds:
    kpis = simulate(scenario, seed=seed, steps=steps).kpis
    row = {k: float(v) for k, v in kpis.iloc[-1].items() if k != "step"}
    row.update({f"{k}_mean": float(kpis[k].iloc[1:].mean()) for k in MONTHLY})
    rows.append(row)
print(json.dumps(rows))
"""


def parse_value(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def run_tree(src: Path, scenario: str, seeds: list[int], steps: int,
             overrides: dict[str, object]) -> list[dict[str, float]]:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run([sys.executable, "-c", _CHILD,
                          json.dumps([scenario, seeds, steps, overrides, MONTHLY])],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", help="shipped scenario name or scenario file")
    parser.add_argument("--before", type=Path, required=True, help="source tree of the old code")
    parser.add_argument("--after", type=Path, default=ROOT / "src")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    args = parser.parse_args()
    import numpy as np
    from scipy import stats

    overrides = {k: parse_value(v) for k, v in (item.split("=", 1) for item in args.set)}
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    shipped = ROOT / "scenarios" / f"{args.scenario}.yaml"  # the same file for both trees
    scenario = str(shipped if shipped.is_file() else Path(args.scenario).resolve())
    before = run_tree(args.before, scenario, seeds, args.steps, overrides)
    after = run_tree(args.after, scenario, seeds, args.steps, overrides)
    print(f"{args.scenario} {overrides or ''}: {len(seeds)} seeds per tree, {args.steps} months; "
          "final month (events, new ties: mean per month)")
    print(f"{'KPI':34s} {'before':>11s} {'after':>11s} {'diff %':>7s} {'Welch p':>8s} "
          f"{'MWU p':>7s}")
    for kpi in (*KPIS, *(f"{k}_mean" for k in MONTHLY)):
        x = np.array([r[kpi] for r in before], float)
        y = np.array([r[kpi] for r in after], float)
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if x.size < 2 or y.size < 2:
            continue
        if x.std() + y.std() == 0:
            print(f"{kpi:34s} {x.mean():11.4g} {y.mean():11.4g} {'':>7s} {'(constant)':>16s}")
            continue
        welch = stats.ttest_ind(x, y, equal_var=False).pvalue
        mwu = stats.mannwhitneyu(x, y).pvalue
        diff = (y.mean() - x.mean()) / abs(x.mean()) * 100 if x.mean() else float("nan")
        print(f"{kpi:34s} {x.mean():11.4g} {y.mean():11.4g} {diff:7.1f} {welch:8.3f} "
              f"{mwu:7.3f}")


if __name__ == "__main__":
    main()
