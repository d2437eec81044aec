"""Every shell and Python block in README.md and docs/*.md runs, so the docs cannot drift.

The blocks run in document order in one scratch folder shared by all files (README first), so a
Python block may read what an earlier shell command wrote and a repeated sweep resumes instead of
running again; the shipped scenarios and experiment files are found by name. Two rules
keep the test fast and honest:

- ``pip install ...`` lines are setup, not documentation of behaviour: they are dropped (and
  ``pip install X && cmd`` runs ``cmd``); the test runs in an environment that has them.
- A block preceded by ``<!-- docs-test: skip: REASON -->`` is skipped by design, REASON saying
  why (a long run, a server, a cluster). Every such marker must give a reason.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>bash|sh|python)\s*$")
SKIP = re.compile(r"<!-- docs-test: skip: (?P<reason>[^>]*\S)\s*-->")


def blocks(path: Path) -> list[tuple[int, str, str, str | None]]:
    """(line, language, code, skip reason) for every bash/sh/python block of ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, start = len(match["indent"]), i
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        before = lines[start - 1] if start else ""
        skip = SKIP.search(before)
        found.append((start + 1, match["lang"], "\n".join(body), skip["reason"] if skip else None))
        i += 1
    return found


def without_pip(code: str) -> str:
    out = []
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith("pip install"):
            rest = stripped.split("&&", 1)
            if len(rest) == 1:
                continue
            line = rest[1].strip()
        out.append(line)
    return "\n".join(out)


def test_skip_markers_give_reasons():
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        assert text.count("docs-test: skip") == len(SKIP.findall(text)), path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs")


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_blocks_run(path: Path, scratch: Path) -> None:
    cli = f'{sys.executable} -c "from clustersim.cli import run; run()"'
    env = {**os.environ, "MPLBACKEND": "Agg"}
    ran = 0
    for line, lang, code, skip in blocks(path):
        if skip:
            continue
        if lang == "python":
            command = [sys.executable, "-c", code]
        else:  # the installed entry point may belong to another checkout: use this one's
            script = re.sub(r"(^|&&|\|\|)\s*clustersim ", lambda m: f"{m[1]} {cli} ",
                            without_pip(code), flags=re.M)
            command = ["bash", "-euo", "pipefail", "-c", script]
        proc = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, (f"{path.name}:{line} ({lang}) failed:\n{code}\n"
                                      f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        ran += 1
    assert ran or not blocks(path) or all(b[3] for b in blocks(path))
