"""Where runs execute: small adapters that each yield a ``concurrent.futures.Executor``.

The runner only calls ``submit`` and waits on the returned ``concurrent.futures.Future`` objects,
so any backend that offers the standard ``Executor`` interface plugs in here with one function:

- ``process``: a local process pool, loky's ``ProcessPoolExecutor`` (default, all cores);
- ``serial``: runs in the calling process (``--workers 0``; for debugging with pdb);
- ``dask``: an existing ``dask.distributed`` cluster (``--scheduler tcp://HOST:PORT``) or a local
  one (``--dask-local N``), through ``Client.get_executor()``;
- ``mpi``: ``mpi4py.futures.MPIPoolExecutor`` for HPC jobs (``--mpi``; needs mpi4py).

To add a backend, write a context manager ``factory(options) -> ExecutorHandle`` and register it
in :data:`BACKENDS`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExecutorOptions:
    """Which backend and how big: built from the CLI flags or ``run_experiment`` arguments."""

    backend: str = "process"
    workers: int | None = None
    scheduler: str | None = None

    def describe(self) -> str:
        if self.backend == "dask" and self.scheduler:
            return f"dask ({self.scheduler})"
        return f"{self.backend} ({self.workers or default_workers()} workers)"


@dataclass
class ExecutorHandle:
    """An open executor and a way to ask how many runs it can work on at once."""

    executor: Executor
    capacity: Callable[[], int]
    restartable: bool = False
    """True when a broken executor (a worker died) can be replaced by opening a new one."""


def default_workers() -> int:
    """All usable cores."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor(Executor):
    """Runs each task at once in the calling process; for debugging and tiny sweeps."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, like other executors
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(exc)
        return future


IDLE_WORKER_TIMEOUT_S = 120
"""Idle workers exit after this long, so none outlives a parent that was killed outright."""


def _init_worker(sys_path: list[str]) -> None:
    """Give a worker the parent's import path, so run functions from its modules unpickle."""
    sys.path[:] = sys_path


@contextlib.contextmanager
def process_backend(options: ExecutorOptions) -> Iterator[ExecutorHandle]:
    """A fresh loky ``ProcessPoolExecutor`` (joblib's process pool) for each sweep.

    Unlike the standard library's pool under ``spawn``/``forkserver``, loky never re-imports the
    calling script in its workers, so a script without an ``if __name__ == "__main__":`` guard and
    a notebook both work; it pickles with cloudpickle, so run functions may be defined anywhere;
    it does not fork a threaded parent; and a worker that dies raises ``TerminatedWorkerError``
    (a ``BrokenProcessPool``) for the runs it took with it. A new pool per sweep means workers
    always import the current code.
    """
    from loky import ProcessPoolExecutor

    workers = options.workers or default_workers()
    executor = ProcessPoolExecutor(
        max_workers=workers,
        initializer=_init_worker,
        initargs=(list(sys.path),),
        timeout=IDLE_WORKER_TIMEOUT_S,
    )
    try:
        yield ExecutorHandle(executor, lambda: workers, restartable=True)
    except BaseException:
        executor.shutdown(wait=False, kill_workers=True)  # Ctrl-C or an error: do not wait
        raise
    finally:
        executor.shutdown(wait=True)


@contextlib.contextmanager
def serial_backend(options: ExecutorOptions) -> Iterator[ExecutorHandle]:
    with SerialExecutor() as executor:
        yield ExecutorHandle(executor, lambda: 1)


@contextlib.contextmanager
def dask_backend(options: ExecutorOptions) -> Iterator[ExecutorHandle]:
    """An existing cluster (``scheduler`` address) or a local one with ``workers`` processes."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    if options.scheduler:
        try:
            client = Client(options.scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise RuntimeError(
                f"cannot connect to the Dask scheduler at {options.scheduler}: {exc}"
            ) from exc
    else:
        n = options.workers or default_workers()
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)

    def capacity() -> int:
        workers = client.scheduler_info().get("workers", {})
        return max(1, sum(w.get("nthreads", 1) for w in workers.values()))

    executor = client.get_executor(pure=False)
    try:
        yield ExecutorHandle(executor, capacity)
    finally:
        executor.shutdown(wait=False)
        client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def mpi_backend(options: ExecutorOptions) -> Iterator[ExecutorHandle]:
    """``mpi4py.futures.MPIPoolExecutor``; launch with ``mpiexec -n N python -m mpi4py.futures``."""
    try:
        from mpi4py.futures import MPIPoolExecutor
    except ImportError as exc:
        raise RuntimeError("the mpi backend needs mpi4py (pip install mpi4py)") from exc
    with MPIPoolExecutor(max_workers=options.workers) as executor:
        slots = getattr(executor, "num_workers", None) or options.workers or 1
        yield ExecutorHandle(executor, lambda: int(slots))


BACKENDS: dict[str, Callable[[ExecutorOptions], contextlib.AbstractContextManager[ExecutorHandle]]]
BACKENDS = {
    "process": process_backend,
    "serial": serial_backend,
    "dask": dask_backend,
    "mpi": mpi_backend,
}


REQUIRES = {"dask": ("distributed", "dask[distributed]"), "mpi": ("mpi4py", "mpi4py")}


def check_backend(options: ExecutorOptions) -> None:
    """Fail before anything is written if the backend is unknown or its package is missing."""
    import importlib.util

    if options.backend not in BACKENDS:
        raise ValueError(
            f"unknown executor backend '{options.backend}'; known: {', '.join(BACKENDS)}"
        )
    module, package = REQUIRES.get(options.backend, (None, None))
    if module and importlib.util.find_spec(module) is None:
        raise RuntimeError(f"the {options.backend} backend needs {package} (pip install {package})")


def open_backend(options: ExecutorOptions) -> contextlib.AbstractContextManager[ExecutorHandle]:
    try:
        factory = BACKENDS[options.backend]
    except KeyError:
        raise ValueError(
            f"unknown executor backend '{options.backend}'; known: {', '.join(BACKENDS)}"
        ) from None
    return factory(options)
