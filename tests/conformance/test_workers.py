"""Worker processes: a dying worker ends the run with a report, not a hang or a traceback;
the rate limit holds across processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.queues import SimpleQueue

import pytest

from conformance.checks import select
from conformance.mock import MockConfig, serve
from conformance.profiles import mock_target, model_spec
from conformance.ratelimit import RateLimiter
from conformance.runner import RunOptions, run
from conformance.unit import UnitRun


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
    assert result.exit_code == 1  # a lost unit is not a pass
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
