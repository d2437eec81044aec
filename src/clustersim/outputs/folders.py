"""The output-folder guard: every writing command knows what it writes into, and owns it alone.

Results are precious: no command may overwrite or mix into another command's results. Every
command that writes a folder (``run``, ``sweep``, ``compare``, ``sensitivity``, ``calibrate``)
goes through this module, which

1. checks that the folder (or the nearest existing parent) is **writable before any work**;
2. reads what **kind** of folder it is: missing, empty, a clustersim output (recorded in a
   marker file, :data:`MARKER`, or recognised from an older ``manifest.json``) or something else
   ("foreign");
3. **refuses** a folder that holds another command's output or another scenario's/experiment's
   output, unless ``--overwrite`` is given; even then it never deletes a folder clustersim did not
   write;
4. takes an **exclusive lock** (:class:`FolderLock`: ``fcntl.flock`` on a lock file holding the
   owner's pid, host, command and start time; the kernel releases it when the owner dies, so a
   stale lock cannot block anyone, and its leftover record is reported and replaced), so a second
   writer is refused with a message naming the first;
5. for ``run`` (and the report files of ``compare``), writes into a **temporary folder and renames**
   it into place, so a crash never leaves a half-written folder.

``sweep``, ``compare`` and ``calibrate`` write in place (they are resumable: a re-run continues),
under the lock.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MARKER = ".clustersim-output.json"
"""Records the kind (run, sweep, compare), name and identity of an output folder."""
LOCK = ".clustersim.lock"
"""Lock file of an in-place output folder (sweep, compare)."""
IGNORED = {".DS_Store", LOCK}
KINDS = ("run", "sweep", "compare", "calibrate")


class OutputFolderError(RuntimeError):
    """The output folder cannot take this command's results; the message says why and what to
    do. Raised before any work is done."""


@dataclass(frozen=True)
class FolderInfo:
    """What an output folder holds."""

    path: Path
    kind: str  # missing, empty, run, sweep, compare, foreign
    name: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)

    @property
    def ours(self) -> bool:
        """True when clustersim wrote the folder (so ``--overwrite`` may replace it)."""
        return self.kind in KINDS

    def describe(self) -> str:
        if self.kind == "foreign":
            return "files that clustersim did not write"
        return f"the output of a clustersim {self.kind}" + (f" of '{self.name}'" if self.name
                                                             else "")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def inspect_folder(path: str | Path) -> FolderInfo:
    """Read what ``path`` holds, from its marker or (older folders) its manifest."""
    path = Path(path)
    if not path.exists():
        return FolderInfo(path, "missing")
    if not path.is_dir():
        raise OutputFolderError(f"{path}: is a file, not a folder; choose another --out")
    try:
        entries = [p for p in path.iterdir() if p.name not in IGNORED]
    except OSError as exc:
        raise OutputFolderError(f"{path}: cannot read the folder: {exc.strerror}") from None
    if not entries:
        return FolderInfo(path, "empty")
    marker = _read_json(path / MARKER)
    if marker is not None and marker.get("kind") in KINDS:
        return FolderInfo(path, marker["kind"], marker.get("name"), marker.get("identity") or {})
    manifest = _read_json(path / "manifest.json")
    if manifest is not None:  # folders written before the marker existed
        if str(manifest.get("format", "")).startswith("clustersim-sweep"):
            experiment = manifest.get("experiment") or {}
            return FolderInfo(path, "sweep", experiment.get("name"),
                              {"plan_hash": experiment.get("plan_hash")})
        if "scenario_sha256" in manifest:
            return FolderInfo(path, "run", manifest.get("scenario_name"))
    if (path / "main" / "manifest.json").is_file() or (path / "calibration").is_dir():
        return FolderInfo(path, "compare")
    return FolderInfo(path, "foreign")


def check_writable(path: str | Path, shown: str | Path | None = None) -> None:
    """Refuse before any work when ``path`` (or the parent it would be created in) is not a
    writable folder. Tries to create a file, since permission bits do not tell the whole story
    (read-only mounts, root). ``shown`` is the folder named in the message (default ``path``)."""
    path = Path(path)
    shown = shown or path
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputFolderError(f"{shown}: cannot create it, {probe} is a file")
    try:
        with tempfile.TemporaryFile(dir=probe, prefix=".clustersim-probe-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputFolderError(
            f"{shown}: cannot write there ({reason} in {probe}); choose another --out"
        ) from None


class FolderLock:
    """An exclusive, non-blocking lock on ``lock_path`` for one command.

    ``fcntl.flock`` is held for the command's lifetime and released by the kernel if the process
    dies, so a lock can never go stale; the file's content (pid, host, command, start time) is
    only a record for the message shown to a second writer. A record left by a killed owner is
    replaced (and reported in :attr:`stale`).
    """

    def __init__(self, lock_path: Path, command: str):
        self.path = lock_path
        self.command = command
        self.fd: int | None = None
        self.stale: dict[str, Any] | None = None

    def acquire(self) -> FolderLock:
        import fcntl

        for _ in range(10):  # retry when the file was replaced between open and flock
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                owner = _read_owner(fd)
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise OutputFolderError(f"{self.path.parent}: cannot lock the folder "
                                            f"({exc.strerror})") from None
                raise OutputFolderError(_busy_message(self.path.parent, owner)) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the previous owner removed the file as we opened it
                os.close(fd)
                continue
            previous = _read_owner(fd)
            if previous:
                self.stale = previous
            record = {"pid": os.getpid(), "host": platform.node(), "command": self.command,
                      "started": datetime.now(UTC).isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
            self.fd = fd
            return self
        raise OutputFolderError(f"{self.path.parent}: could not take the folder lock")

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_owner(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _busy_message(folder: Path, owner: dict[str, Any]) -> str:
    who = (f"clustersim {owner.get('command', '?')} (pid {owner.get('pid', '?')} on "
           f"{owner.get('host', '?')}, started {owner.get('started', '?')})") if owner else \
        "another clustersim command"
    return (f"{folder}: in use by {who}. Two commands writing one folder would lose results: "
            "wait for it to finish (or stop it), or choose another --out")


def _refusal(info: FolderInfo, kind: str, name: str, why: str) -> OutputFolderError:
    fix = ("choose another --out, or pass --overwrite to replace it" if info.ours else
           "choose another --out (clustersim never deletes folders it did not write, even with "
           "--overwrite)")
    return OutputFolderError(f"{info.path}: holds {info.describe()}; {why} this {kind} of "
                             f"'{name}' would mix with it. Nothing was written: {fix}")


def _acceptable(info: FolderInfo, kind: str, name: str, identity: dict[str, Any]) -> str | None:
    """None when ``kind``/``name``/``identity`` may write into ``info``; else the reason."""
    if info.kind in ("missing", "empty"):
        return None
    if info.kind != kind:
        return "writing"
    if kind == "run" and info.name not in (None, name):
        return "writing"
    differing = [k for k, v in identity.items()
                 if info.identity.get(k) is not None and info.identity.get(k) != v]
    if kind != "run" and (differing or (info.name not in (None, name) and kind != "sweep")):
        what = {"sweep": "experiment", "compare": "comparison",
                "calibrate": "calibration"}.get(kind, kind)
        detail = {"plan_hash": "design, parameters, seed, steps, outputs or base scenario",
                  "spec_sha256": "target spend, variants, scenario or settings",
                  "config_sha256": "config, scenarios, patterns or model defaults"}
        changed = ", ".join(detail.get(k, k) for k in differing) or "name"
        may_change = ("nothing may change when resuming" if kind == "calibrate"
                      else "only --replications may change when resuming")
        return f"it is a different {what} setup ({changed} differ; {may_change}), and resuming"
    return None


def _write_marker(folder: Path, kind: str, name: str, identity: dict[str, Any]) -> None:
    from clustersim import __version__

    record = {"kind": kind, "name": name, "identity": identity, "clustersim": __version__,
              "created": datetime.now(UTC).isoformat(timespec="seconds")}
    tmp = folder / f".tmp-{uuid.uuid4().hex}{MARKER}"
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _clear(folder: Path) -> None:
    """Remove everything in ``folder`` but its lock file (``--overwrite`` of an in-place kind)."""
    for entry in folder.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@contextlib.contextmanager
def claim_folder(out: str | Path, kind: str, name: str, identity: dict[str, Any] | None = None,
                 *, overwrite: bool = False, command: str | None = None) -> Iterator[FolderInfo]:
    """Own ``out`` for an in-place writer (``sweep``, ``compare``) for the ``with`` block.

    Refuses (before touching anything) a folder of another kind or setup unless ``overwrite``,
    then takes the folder lock, clears a replaced folder and records the marker.
    """
    out = Path(out)
    identity = dict(identity or {})
    check_writable(out)
    info = inspect_folder(out)
    reason = _acceptable(info, kind, name, identity)
    if reason and not (overwrite and info.ours):
        raise _refusal(info, kind, name, reason)
    out.mkdir(parents=True, exist_ok=True)
    with FolderLock(out / LOCK, command or kind):
        info = inspect_folder(out)  # again, under the lock: another writer may have finished
        reason = _acceptable(info, kind, name, identity)
        if reason:
            if not (overwrite and info.ours):
                raise _refusal(info, kind, name, reason)
            _clear(out)
            info = FolderInfo(out, "empty")
        if info.kind in ("empty", "missing") or not (out / MARKER).is_file():
            _write_marker(out, kind, name, identity)
        yield info


def folder_lock(out: str | Path, command: str) -> FolderLock:
    """The lock of an existing in-place folder (e.g. ``sensitivity`` analysing a sweep)."""
    return FolderLock(Path(out) / LOCK, command)


@dataclass
class StagedFolder:
    """A temporary folder beside the target; :meth:`commit` renames it into place."""

    target: Path
    path: Path
    kind: str
    name: str
    identity: dict[str, Any]

    def commit(self) -> None:
        _write_marker(self.path, self.kind, self.name, self.identity)
        target = self.target
        if target.exists() and not any(p for p in target.iterdir() if p.name not in IGNORED):
            for entry in self.path.iterdir():  # an empty target (maybe the working directory)
                os.replace(entry, target / entry.name)
            self.path.rmdir()
            return
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(target, old)
        os.replace(self.path, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(out: str | Path, kind: str, name: str, identity: dict[str, Any] | None = None,
                  *, overwrite: bool = False) -> Iterator[StagedFolder]:
    """Write a whole output (``run``) into a temporary folder, renamed onto ``out`` only when
    the ``with`` block succeeds (an earlier output of the same kind and name is replaced whole;
    anything else is refused unless ``overwrite``). Checks writability and ownership first, so
    call it *before* the work."""
    out = Path(out).absolute()
    identity = dict(identity or {})
    check_writable(out.parent, shown=out)  # the folder is renamed into place in its parent
    info = inspect_folder(out)
    reason = _acceptable(info, kind, name, identity)
    if reason and not (overwrite and info.ours):
        raise _refusal(info, kind, name, reason)
    out.parent.mkdir(parents=True, exist_ok=True)
    with FolderLock(out.parent / f".{out.name}{LOCK}", kind):
        tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        stage = StagedFolder(out, tmp, kind, name, identity)
        try:
            yield stage
            info = inspect_folder(out)
            reason = _acceptable(info, kind, name, identity)
            if reason and not (overwrite and info.ours):
                raise _refusal(info, kind, name, reason)
            stage.commit()
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def publish_files(stage: Path, target: Path) -> None:
    """Move every file of ``stage`` into ``target`` (each an atomic rename), then remove it."""
    for entry in stage.iterdir():
        os.replace(entry, target / entry.name)
    stage.rmdir()
