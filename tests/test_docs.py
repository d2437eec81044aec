"""The ODD's parameter table is generated from the schema and must not drift from it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_odd_parameter_table_matches_the_schema():
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "gen_parameter_table.py"),
                           "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
