"""``clustersim plot`` on a real (tiny) sweep."""

import subprocess
from pathlib import Path

from clustersim.experiments import run_experiment

ROOT = Path(__file__).resolve().parents[2]


def test_plot_writes_a_png_and_refuses_unknown_kpis(tmp_path):
    out = run_experiment(ROOT / "experiments" / "quick.yaml", tmp_path / "quick", steps=12,
                         replications=2, workers=0, progress=False)
    proc = subprocess.run(["clustersim", "plot", str(out), "--kpi", "export_share"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    png = out / "export_share.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = subprocess.run(["clustersim", "plot", str(out), "--kpi", "no_such_kpi"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "available" in bad.stderr
