"""Worker processes: `--workers` requests in flight, a dying worker ends the run with a report
(not a hang or a traceback), the rate limit holds across processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import SimpleQueue
from typing import Any

import pytest

from embedcheck.conformance.checks import select
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.runner import run
from embedcheck.conformance.engine.unit import UnitRun
from embedcheck.conformance.http.ratelimit import RateLimiter
from embedcheck.conformance.mock import MockConfig, create_app, serve
from embedcheck.conformance.profiles import mock_target, model_spec
from embedcheck.conformance.verdict import EXIT_NOT_JUDGED, Verdict
from tests.asgi_thread import serve_in_thread


def test_a_worker_process_that_dies_is_reported_and_the_run_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = os.getpid()
    real_run = UnitRun.run

    def dies_on_determinism(self: UnitRun) -> object:
        if os.getpid() != parent and self.scenario.name == "determinism":
            os._exit(3)  # as a worker killed by the OOM killer would vanish
        return real_run(self)

    monkeypatch.setattr(UnitRun, "run", dies_on_determinism)  # forked workers inherit it
    specs = (model_spec("bge-small-en-v1.5"),)
    with serve(MockConfig()) as mock:
        targets = [mock_target("worker", mock.base_url, specs, None)]
        options = RunOptions(max_examples=2, seed=1, workers=2, parallel="processes")
        result = run(targets, select(), options)
    lost = [e for e in result.errors if "worker" in e and "died" in e]
    assert any(" determinism: " in e for e in lost)
    # A lost unit is not a pass: its checks were not judged there.
    # (The broken pool loses the units not finished by then: maybe all of them.)
    assert result.verdict in (Verdict.INCOMPLETE, Verdict.INCONCLUSIVE)
    assert result.exit_code == EXIT_NOT_JUDGED
    assert len(result.units) == len({(u.model, u.scenario) for u in result.units})


def _stamp(limiter: RateLimiter, stamps: SimpleQueue[float], count: int) -> None:
    for _ in range(count):
        limiter.acquire()
        stamps.put(time.monotonic())


def test_the_rate_limit_holds_across_worker_processes() -> None:
    limiter = RateLimiter(50)  # one every 20 ms, for all processes together
    context = multiprocessing.get_context("fork")
    stamps: SimpleQueue[float] = context.SimpleQueue()
    processes = [context.Process(target=_stamp, args=(limiter, stamps, 5)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=10)
    times = sorted(stamps.get() for _ in range(20))
    assert times[-1] - times[0] >= 19 * 0.02 * 0.9  # 20 requests need 19 intervals


class InFlight:
    """ASGI middleware: counts the requests being served at once, and holds each a little so
    that requests sent together overlap here."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.most = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.now += 1
        self.most = max(self.most, self.now)
        try:
            await asyncio.sleep(0.01)
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


@contextmanager
def counting_mock() -> Iterator[tuple[str, InFlight]]:
    counter = InFlight(create_app(MockConfig()))
    with serve_in_thread(counter, "the counting mock") as port:
        yield f"http://127.0.0.1:{port}", counter


def test_workers_is_the_number_of_requests_in_flight() -> None:
    # More worker processes than --workers draw and judge examples; the shared semaphore keeps
    # the requests out at once to --workers, as the option says.
    specs = (model_spec("bge-small-en-v1.5"), model_spec("bge-m3"))
    with counting_mock() as (base_url, counter):
        targets = [mock_target("worker", base_url, specs, None)]
        options = RunOptions(max_examples=5, seed=3, workers=2, parallel="processes")
        result = run(targets, select(), options)
    assert result.errors == []
    assert counter.most == 2


def _numpy_draws() -> list[float]:
    """np.random.random() in each of three Hypothesis examples."""
    import numpy as np
    from hypothesis import given, settings
    from hypothesis import strategies as st

    drawn: list[float] = []

    @settings(max_examples=3, database=None, deadline=None)
    @given(st.integers())
    def draws(_: int) -> None:
        drawn.append(float(np.random.random()))

    draws()
    return drawn


def _numpy_draws_in_worker(out: SimpleQueue[list[float]]) -> None:
    from embedcheck.conformance.engine.unit import leave_numpy_random_alone

    leave_numpy_random_alone()
    out.put(_numpy_draws())


def test_worker_processes_alone_stop_hypothesis_seeding_numpy() -> None:
    # Hypothesis seeds numpy's global PRNG before each example: every example draws the same.
    # A worker process skips that (nothing there draws from it), the caller's process keeps it.
    specs = (model_spec("bge-small-en-v1.5"),)
    with serve(MockConfig()) as mock:
        targets = [mock_target("worker", mock.base_url, specs, None)]
        run(targets, select(), RunOptions(max_examples=2, seed=1, workers=2))
    here = _numpy_draws()
    assert len(set(here)) == 1
    context = multiprocessing.get_context("fork")
    out: SimpleQueue[list[float]] = context.SimpleQueue()
    worker = context.Process(target=_numpy_draws_in_worker, args=(out,))
    worker.start()
    worker.join(timeout=30)
    assert len(set(out.get())) == 3
