"""The output folder of a sweep: streaming results to disk, resume state, loading.

Layout of ``OUT/``::

    manifest.json            experiment file + hash, plan hash, versions, seed scheme, sessions
    experiment.yaml          copy of the experiment file as run
    runs/part-*.parquet      one row per run: ids, seed, status, wall time, parameters, final KPIs
                             (under parameter uncertainty also ``draw`` and the drawn values)
    posterior_draws.csv      the drawn parameter sets (only with ``--posterior``)
    steps/part-*.parquet     per-step KPIs (only when ``outputs.record`` asks for them)

Every finished run is appended at once to an Arrow IPC stream journal (``runs/_journal-*.arrows``,
flushed after each run), so a killed sweep loses only the runs in flight. Journals are compacted
into Parquet parts every ``chunk_runs`` runs and when the sweep ends; a journal left behind by a
crash is read (up to its last complete run) and compacted by the next sweep into the folder.
Names starting with ``_`` or ``.`` are ignored by Parquet dataset readers, so
``pandas.read_parquet("OUT/runs")`` reads just the parts; :func:`load_runs` also reads journals
and drops rows superseded by a retry.

Only the ids and status of finished runs are read back to resume (a bit per run), and nothing
keeps results in memory beyond one chunk, so memory stays flat however many runs a sweep has.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clustersim.experiments.worker import RunResult
from clustersim.outputs.folders import OutputFolderError, inspect_folder

MANIFEST = "manifest.json"
RUNS = "runs"
STEPS = "steps"
FORMAT = "clustersim-sweep/1"
FSYNC_INTERVAL_S = 5.0

RUN_ID_FIELDS = [
    pa.field("run_index", pa.int64()),
    pa.field("point_id", pa.int64()),
    pa.field("replication", pa.int64()),
    pa.field("seed", pa.int64()),
]


def param_type(values: list[Any]) -> pa.DataType:
    """Arrow type of a parameter column; mixed types fall back to strings."""
    try:
        arrow_type = pa.array(values).type
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.string()
    return pa.float64() if pa.types.is_null(arrow_type) else arrow_type


def runs_schema(param_types: dict[str, pa.DataType], kpis: Iterable[str],
                draw: bool = False) -> pa.Schema:
    """Columns of the runs table; ``draw`` adds the posterior draw's index (runs under
    parameter uncertainty), whose parameter values are among ``param_types``."""
    return pa.schema(
        [
            *RUN_ID_FIELDS,
            pa.field("status", pa.string()),
            pa.field("attempt", pa.int32()),
            pa.field("wall_time_s", pa.float64()),
            pa.field("error", pa.string()),
            pa.field("traceback", pa.string()),
            pa.field("worker", pa.string()),
            pa.field("finished_at", pa.timestamp("ms", tz="UTC")),
            *([pa.field("draw", pa.int64())] if draw else []),
            *(pa.field(name, t) for name, t in param_types.items()),
            *(pa.field(k, pa.float64()) for k in kpis),
        ]
    )


def steps_schema(kpis: Iterable[str]) -> pa.Schema:
    return pa.schema(
        [*RUN_ID_FIELDS[:3], pa.field("step", pa.int64()),
         *(pa.field(k, pa.float64()) for k in kpis)]
    )


def read_journal(path: Path, schema: pa.Schema) -> pa.Table:
    """All complete record batches of an Arrow stream journal; a truncated tail is dropped."""
    batches: list[pa.RecordBatch] = []
    try:
        with pa.OSFile(str(path), "rb") as source:
            reader = pa.ipc.open_stream(source)
            while True:
                try:
                    batches.append(reader.read_next_batch())
                except StopIteration:
                    break
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError, EOFError):
        pass  # an empty or cut-off journal: keep what was complete
    return pa.Table.from_batches(batches, schema=schema).cast(schema)


def _atomic_write_parquet(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _atomic_write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class _Journal:
    """An append-only Arrow stream file, flushed after every append."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path = path
        self.schema = schema
        self.file = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.writer = pa.ipc.new_stream(self.file, schema)
        self.rows = 0
        self.last_sync = time.monotonic()

    def append(self, batch: pa.RecordBatch) -> None:
        self.writer.write_batch(batch)
        self.file.flush()
        self.rows += batch.num_rows
        if time.monotonic() - self.last_sync > FSYNC_INTERVAL_S:
            os.fsync(self.file.fileno())
            self.last_sync = time.monotonic()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.close()
        self.file.close()


@dataclass
class ResumeState:
    """Which runs the folder already holds: ``ok[i]`` and the attempts of failed runs."""

    ok: np.ndarray
    failed: dict[int, int] = field(default_factory=dict)

    @property
    def n_ok(self) -> int:
        return int(self.ok.sum())


class ResultStore:
    """Writes one sweep's results into ``out`` as they arrive; reads back what is done."""

    def __init__(
        self,
        out: str | Path,
        runs_schema: pa.Schema,
        steps_schema: pa.Schema | None,
        chunk_runs: int = 500,
    ):
        self.out = Path(out)
        self.runs_dir = self.out / RUNS
        self.steps_dir = self.out / STEPS
        self.runs_schema = runs_schema
        self.steps_schema = steps_schema
        self.chunk_runs = max(1, chunk_runs)
        self.session = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._seq = 0
        self._runs_journal: _Journal | None = None
        self._steps_journal: _Journal | None = None
        self._retried_ok: set[int] = set()

    # -- setup and resume -------------------------------------------------------------------
    def open(self) -> None:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        if self.steps_schema is not None:
            self.steps_dir.mkdir(parents=True, exist_ok=True)
        self._compact_leftovers()

    def _compact_leftovers(self) -> None:
        """Turn journals left by an interrupted sweep into Parquet parts."""
        for journal in sorted(self.steps_dir.glob("_journal-*.arrows")):
            if self.steps_schema is not None:
                self._compact(journal, self.steps_dir, self.steps_schema)
        for journal in sorted(self.runs_dir.glob("_journal-*.arrows")):
            self._compact(journal, self.runs_dir, self.runs_schema)
        for tmp in [*self.runs_dir.glob(".tmp-*"), *self.steps_dir.glob(".tmp-*")]:
            tmp.unlink(missing_ok=True)

    def _compact(self, journal: Path, directory: Path, schema: pa.Schema) -> None:
        """Journal -> Parquet part of the same name, then delete the journal. Idempotent: a
        sweep killed between the two steps leaves both, and the next one only deletes the
        journal (its rows are in the part), so rows are never lost nor doubled."""
        part = directory / (journal.name.replace("_journal-", "part-", 1)
                            .removesuffix(".arrows") + ".parquet")
        if not part.exists():
            table = read_journal(journal, schema)
            if table.num_rows:
                _atomic_write_parquet(table, part)
        journal.unlink(missing_ok=True)

    def scan(self, n_runs: int) -> ResumeState:
        """Status of runs ``0..n_runs-1`` already in the folder (parts and journals)."""
        state = ResumeState(ok=np.zeros(n_runs, dtype=bool))
        for table in _tables(self.runs_dir, self.runs_schema, ["run_index", "status", "attempt"]):
            idx = table.column("run_index").to_numpy()
            status = table.column("status").to_numpy(zero_copy_only=False)
            attempt = table.column("attempt").to_numpy()
            inside = idx < n_runs
            ok = inside & (status == "ok")
            state.ok[idx[ok]] = True
            for i, a in zip(idx[inside & ~ok], attempt[inside & ~ok], strict=True):
                state.failed[int(i)] = max(int(a), state.failed.get(int(i), 0))
        for i in list(state.failed):
            if state.ok[i]:
                del state.failed[i]
        return state

    # -- writing ----------------------------------------------------------------------------
    def append(self, result: RunResult, attempt: int) -> None:
        """Append one finished run (per-step rows first: the runs row marks it complete)."""
        task = result.task
        if self.steps_schema is not None and result.steps is not None:
            steps = result.steps.copy()
            steps.insert(0, "run_index", task.run_index)
            steps.insert(1, "point_id", task.point_id)
            steps.insert(2, "replication", task.replication)
            batch = pa.RecordBatch.from_pandas(steps, schema=self.steps_schema,
                                               preserve_index=False)
            self._journal("steps").append(batch)
        row: dict[str, Any] = {
            "run_index": task.run_index,
            "point_id": task.point_id,
            "replication": task.replication,
            "seed": task.seed,
            "status": result.status,
            "attempt": attempt,
            "wall_time_s": result.wall_time_s,
            "error": result.error,
            "traceback": result.traceback,
            "worker": result.worker,
            "finished_at": datetime.now(UTC),
        }
        if "draw" in self.runs_schema.names:
            row["draw"] = task.draw
        for name in self.runs_schema.names[len(row):]:
            row[name] = task.params.get(name, result.final.get(name))
        for name, value in task.params.items():
            if pa.types.is_string(self.runs_schema.field(name).type):
                row[name] = None if value is None else str(value)
        self._journal("runs").append(pa.RecordBatch.from_pylist([row], schema=self.runs_schema))
        if result.status == "ok" and attempt > 1:
            self._retried_ok.add(task.run_index)
        if self._runs_journal is not None and self._runs_journal.rows >= self.chunk_runs:
            self.flush()

    def _journal(self, kind: str) -> _Journal:
        attr = f"_{kind}_journal"
        journal = getattr(self, attr)
        if journal is None:
            directory, schema = (
                (self.runs_dir, self.runs_schema) if kind == "runs"
                else (self.steps_dir, self.steps_schema)
            )
            self._seq += 1
            path = directory / f"_journal-{self.session}-{self._seq:05d}.arrows"
            journal = _Journal(path, schema)
            setattr(self, attr, journal)
        return journal

    def flush(self) -> None:
        """Compact the open journals into Parquet parts (steps first, then runs)."""
        for attr, directory in (("_steps_journal", self.steps_dir), ("_runs_journal",
                                                                        self.runs_dir)):
            journal: _Journal | None = getattr(self, attr)
            if journal is not None:
                journal.close()
                self._compact(journal.path, directory, journal.schema)
                setattr(self, attr, None)

    def close(self) -> None:
        """Flush, then drop failed rows that a retry in this session has replaced."""
        self.flush()
        if self._retried_ok:
            self._prune_superseded(self._retried_ok)
            self._retried_ok = set()

    def _prune_superseded(self, retried: set[int]) -> None:
        for part in sorted(self.runs_dir.glob("part-*.parquet")):
            table = pq.read_table(part, schema=self.runs_schema)
            idx = table.column("run_index").to_numpy()
            failed = table.column("status").to_numpy(zero_copy_only=False) != "ok"
            drop = failed & np.isin(idx, np.fromiter(retried, dtype=np.int64))
            if drop.any():
                if drop.all():
                    part.unlink()
                else:
                    _atomic_write_parquet(table.filter(pa.array(~drop)), part)


def _tables(directory: Path, schema: pa.Schema, columns: list[str] | None = None):
    """Parquet parts and journals of one table directory, one Arrow table at a time."""
    if not directory.is_dir():
        return
    # Journals are listed first: a journal compacted while we read has its part on disk by the
    # time the journal is gone, and the parts are listed again if that happened.
    journals = sorted(directory.glob("_journal-*.arrows"))
    seen: set[Path] = set()
    for part in sorted(directory.glob("part-*.parquet")):
        seen.add(part)
        yield _read_part(part, schema, columns)
    vanished = False
    for journal in journals:
        if not journal.exists():
            vanished = True
            continue
        table = read_journal(journal, schema)
        yield table.select(columns) if columns else table
    if vanished:
        for part in sorted(directory.glob("part-*.parquet")):
            if part not in seen:
                yield _read_part(part, schema, columns)


def _read_part(part: Path, schema: pa.Schema, columns: list[str] | None) -> pa.Table:
    try:
        return pq.read_table(part, columns=columns, schema=schema)
    except (pa.ArrowException, OSError) as exc:
        raise OutputFolderError(
            f"{part}: damaged Parquet file ({_first_line(exc)}). Move it away and re-run the "
            "sweep into the same folder to redo its runs") from None


# -- manifest ---------------------------------------------------------------------------------
def read_manifest(out: str | Path) -> dict[str, Any] | None:
    """The sweep manifest of ``out`` (None if there is none); a damaged one is an
    :class:`OutputFolderError` naming the file."""
    path = Path(out) / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutputFolderError(
            f"{path}: damaged, not readable as JSON ({_first_line(exc)}); the results in "
            f"{path.parent} cannot be interpreted without it. Restore it from a backup or "
            "start the sweep in a new --out folder") from None
    if not isinstance(manifest, dict):
        raise OutputFolderError(f"{path}: damaged, not a JSON object")
    return manifest


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def write_manifest(out: str | Path, manifest: dict[str, Any]) -> None:
    _atomic_write_text(json.dumps(manifest, indent=2, default=str) + "\n", Path(out) / MANIFEST)


def schema_from_manifest(manifest: dict[str, Any], kind: str) -> pa.Schema | None:
    text = manifest.get("schemas", {}).get(kind)
    if text is None:
        return None
    return pa.ipc.read_schema(pa.py_buffer(bytes.fromhex(text)))


def schema_to_hex(schema: pa.Schema) -> str:
    return schema.serialize().to_pybytes().hex()


# -- loading ----------------------------------------------------------------------------------
def require_manifest(out: str | Path) -> dict[str, Any]:
    manifest = read_manifest(out)
    if manifest is None or "tables" not in manifest or "schemas" not in manifest:
        info = inspect_folder(out)
        holds = (f"it holds {info.describe()}" if info.kind not in ("missing", "empty")
                 else "it is empty" if info.kind == "empty" else "it does not exist")
        raise OutputFolderError(f"{out}: not a clustersim sweep output folder ({holds})")
    return manifest


def _load_table(out: Path, kind: str, columns: list[str] | None) -> pa.Table:
    manifest = require_manifest(out)
    schema = schema_from_manifest(manifest, kind)
    if schema is None:
        raise FileNotFoundError(f"{out}: this sweep kept no '{kind}' table (outputs.record)")
    tables = list(_tables(out / kind, schema, columns))
    if not tables:
        return schema.empty_table() if columns is None else schema.empty_table().select(columns)
    return pa.concat_tables(tables)


def load_runs(out: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per run, sorted by ``run_index``; a retried run shows only its latest outcome."""
    out = Path(out)
    needed = None if columns is None else list(dict.fromkeys(
        ["run_index", "status", "attempt", *columns]))
    df = _load_table(out, RUNS, needed).to_pandas()
    if df.empty:
        return df if columns is None else df[columns]
    df["_ok"] = df["status"] == "ok"
    df = (
        df.sort_values(["run_index", "_ok", "attempt"], kind="stable")
        .drop_duplicates("run_index", keep="last")
        .drop(columns="_ok")
        .reset_index(drop=True)
    )
    return df if columns is None else df[columns]


def load_steps(out: str | Path) -> pd.DataFrame:
    """The per-step table of completed runs, sorted by ``run_index`` and ``step``."""
    out = Path(out)
    steps = _load_table(out, STEPS, None).to_pandas()
    ok = load_runs(out, ["run_index", "status"])
    ok_idx = ok.loc[ok["status"] == "ok", "run_index"].to_numpy()
    steps = steps[steps["run_index"].isin(ok_idx)]
    return (
        steps.drop_duplicates(["run_index", "step"], keep="last")
        .sort_values(["run_index", "step"], kind="stable")
        .reset_index(drop=True)
    )
