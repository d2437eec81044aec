"""Fixtures for the dashboard tests: the baseline scenario and a running dashboard server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustersim import load_scenario
from clustersim.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SERVER_START_TIMEOUT_S = 60.0


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    return BASELINE


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(url: str, process: subprocess.Popen, timeout_s: float) -> None:
    """Poll ``url`` until it answers; fail early with the server's output if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"dashboard exited with code {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"dashboard did not answer at {url} within {timeout_s:.0f} s")


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``clustersim dashboard`` on the baseline, in a subprocess, on a free local port."""
    port = free_port()
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    command = [sys.executable, "-c", "from clustersim.cli import main; main()", "dashboard",
               str(BASELINE), "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "w+") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"}, text=True)
        url = f"http://127.0.0.1:{port}/"
        try:
            try:
                wait_until_serving(url, process, SERVER_START_TIMEOUT_S)
            except RuntimeError as exc:
                out.seek(0)
                raise RuntimeError(f"{exc}\nserver log:\n{out.read()}") from None
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
