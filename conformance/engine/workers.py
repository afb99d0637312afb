"""Where units run: in worker processes (the default on Linux) or in threads of this process.

Hypothesis is CPU-bound Python: threads of one process take turns on one core, and a thread
whose reply has arrived waits for the others to let go of the GIL. Worker processes, forked
from this one, each take one unit at a time. `--workers N` is how many requests are in flight:
a semaphore shared by the processes holds it, and there are a few more processes than that
(`processes_for`), so that examples are drawn and judged while N requests are out.

Forked workers inherit what the run set up before the fork: the Hypothesis home and example
database, the shared breaker and rate limiter, the logger levels. Their log records are sent
back and handled here, by this process's handlers (run.log with its redaction, or a test's
log capture), as if the workers were threads.
The pool is forked before any request is sent, so no worker holds a copy of a connection; each
opens its own. A worker process that dies (killed, out of memory, a crash in C code) breaks
the pool: the units not finished by then are reported as errors, and the run still ends with
its reports.
"""

from __future__ import annotations

import gc
import logging
import logging.handlers
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from multiprocessing.queues import SimpleQueue
from typing import Any

from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase

from embedcheck.conformance.engine.breaker import Breaker
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.unit import Session, UnitRun, UnitSpec, leave_numpy_random_alone
from embedcheck.conformance.http.ratelimit import RateLimiter
from embedcheck.conformance.http.transport import HttpClient
from embedcheck.conformance.reports.results import UnitResult


def processes_for(workers: int, units: int) -> int:
    """Worker processes for `workers` requests in flight: one per request, plus one per core
    to draw and judge while those wait for replies, at most twice `workers`, at most one per
    unit."""
    cores = os.cpu_count() or 1
    return max(1, min(units, workers + min(cores, workers)))


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker needs besides the unit itself."""

    options: RunOptions
    breaker: Breaker
    limiter: RateLimiter | None
    in_flight: AbstractContextManager[Any] | None = None  # shared by worker processes

    @property
    def forks(self) -> bool:
        """Whether the units run in forked worker processes."""
        return self.options.parallel == "processes" and self.options.workers > 1

    def client(self, pool_size: int) -> HttpClient:
        options = self.options
        return HttpClient(
            timeout=options.timeout,
            max_body=options.max_body,
            retries=options.retries,
            max_retry_wait=options.max_retry_wait,
            rate_limiter=self.limiter,
            pool_size=pool_size,
            in_flight=self.in_flight,
            network=options.network,
        )

    def database(self) -> ExampleDatabase | None:
        path = self.options.example_db
        return DirectoryBasedExampleDatabase(str(path)) if path else None


class Worker:
    """Runs units with one session (HTTP client + breaker) and one example database: the one
    worker of a process, or the one all threads share."""

    def __init__(self, setup: WorkerSetup, client: HttpClient) -> None:
        self.options = setup.options
        self.session = Session(client, setup.breaker)
        self.database = setup.database()

    def run(self, spec: UnitSpec) -> UnitResult:
        return UnitRun(self.session, spec, self.options, self.database).run()


# --- worker processes ------------------------------------------------------------------------

_worker: Worker | None = None  # this process's, in a worker process


def _start_worker(setup: WorkerSetup, records: SimpleQueue[Any]) -> None:
    global _worker
    # Ctrl-C goes to the whole process group: the parent stops the run, workers just end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _send_logs_to(records)
    leave_numpy_random_alone()
    _worker = Worker(setup, setup.client(pool_size=2))


def _ready() -> bool:
    return _worker is not None


def _run_unit(spec: UnitSpec) -> UnitResult:
    assert _worker is not None, "the worker was not started"
    try:
        return _worker.run(spec)
    finally:
        for handler in logging.getLogger().handlers:
            handler.flush()  # the unit's log lines reach the parent before its result


def _send_logs_to(records: SimpleQueue[Any]) -> None:
    """In a worker: every log record goes to `records` instead of the handlers copied at fork."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        if isinstance(logger, logging.Logger):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
    logging.getLogger().addHandler(_ToParent(records))


class _ToParent(logging.handlers.QueueHandler):
    """A QueueHandler onto a multiprocessing SimpleQueue, sending records in batches: one put
    per record (a lock, a pipe write, a wake-up of the parent) cost a run about a tenth of its
    CPU. A batch goes when it is full or half a second old, on a warning or worse, and at the
    end of each unit."""

    BATCH = 64
    MAX_AGE = 0.5  # seconds

    def __init__(self, records: SimpleQueue[Any]) -> None:
        super().__init__(records)  # type: ignore[arg-type]
        self.records = records  # `self.queue`, typed as what it is: it has `put`
        self.batch: list[logging.LogRecord] = []
        self.since = 0.0  # when the oldest record of the batch came

    def enqueue(self, record: logging.LogRecord) -> None:
        if not self.batch:
            self.since = record.created
        self.batch.append(record)
        if (
            len(self.batch) >= self.BATCH
            or record.levelno >= logging.WARNING
            or record.created - self.since > self.MAX_AGE
        ):
            self.flush()

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]  # created by Handler.__init__
            if self.batch:
                batch, self.batch = self.batch, []
                self.records.put(batch)


@contextmanager
def _logs_from(records: SimpleQueue[Any]) -> Iterator[None]:
    """In the parent: handle the workers' records, each by the logger it was emitted on."""

    def handle() -> None:
        while (batch := records.get()) is not None:
            for record in batch:
                logging.getLogger(record.name).handle(record)

    thread = threading.Thread(target=handle, name="embedcheck-worker-logs", daemon=True)
    thread.start()
    try:
        yield
    finally:
        records.put(None)
        thread.join()


class Workers:
    """Runs units: `submit` one, get a future of its result."""

    def __init__(self, executor: Executor, run_unit: Callable[[UnitSpec], UnitResult]) -> None:
        self._executor = executor
        self._run_unit = run_unit

    def submit(self, spec: UnitSpec) -> Future[UnitResult]:
        return self._executor.submit(self._run_unit, spec)


@contextmanager
def open_workers(setup: WorkerSetup, units: int) -> Iterator[Workers]:
    """The run's workers for `units` units, as processes or threads per its options."""
    count = max(1, setup.options.workers)
    if not setup.forks:
        with (
            setup.client(pool_size=max(2, count)) as client,
            ThreadPoolExecutor(max_workers=count) as threads,
        ):
            yield Workers(threads, Worker(setup, client).run)
        return
    context = multiprocessing.get_context("fork")
    records: SimpleQueue[Any] = context.SimpleQueue()
    setup = replace(setup, in_flight=context.BoundedSemaphore(count))
    processes = ProcessPoolExecutor(
        max_workers=processes_for(count, units),
        mp_context=context,
        initializer=_start_worker,
        initargs=(setup, records),
    )
    try:
        # What is loaded by now is the workers' for good: the garbage collector leaves it alone,
        # so collections in a worker neither scan it nor copy its pages.
        gc.freeze()
        # The first submission forks every worker: now, before this process sends anything
        # or starts a thread of its own.
        processes.submit(_ready).result()
        gc.unfreeze()
        with _logs_from(records):
            yield Workers(processes, _run_unit)
            processes.shutdown(wait=True)
    except BaseException:
        _stop(processes)
        raise


def _stop(processes: ProcessPoolExecutor) -> None:
    """End the workers now (the run was interrupted): pending units are dropped."""
    # Not public before Python 3.14 (terminate_workers); without it a worker in the middle of
    # a long unit would keep the interrupted run alive.
    running = list((getattr(processes, "_processes", None) or {}).values())
    processes.shutdown(wait=False, cancel_futures=True)
    for process in running:
        process.terminate()
