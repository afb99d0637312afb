"""Run every applicable scenario against every model of a target and judge each outcome.

A unit is (target, model, scenario), run by `engine.unit`. Units run concurrently on
`workers` workers (`engine.workers`: processes by default, or threads) sharing one rate
limiter and one transport-failure breaker; results come back in plan order whatever order the
units finished in.

A hostile target cannot stall the run: transport failures are findings, the HTTP client caps
time and bytes, shrinking gets a request budget, and after `BREAKER` consecutive transport
failures nothing more is sent to the target.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from concurrent.futures import Future, as_completed
from datetime import UTC, datetime
from typing import Any

from embedcheck.conformance.checks import Check
from embedcheck.conformance.engine.breaker import Breaker
from embedcheck.conformance.engine.options import DEFAULT_MAX_EXAMPLES, RunOptions
from embedcheck.conformance.engine.unit import (
    BREAKER,
    SCENARIO_BY_NAME,
    UnitSpec,
    examples,
    warm_up,
)
from embedcheck.conformance.engine.workers import WorkerSetup, open_workers
from embedcheck.conformance.errors import TargetUnreachable
from embedcheck.conformance.generation.scenarios import SCENARIOS, Scenario, text_payload
from embedcheck.conformance.generation.texts import CORPUS
from embedcheck.conformance.http.ratelimit import RateLimiter
from embedcheck.conformance.http.transport import HttpClient
from embedcheck.conformance.profiles import ModelSpec, Target
from embedcheck.conformance.reports.results import RunResult, UnitResult

__all__ = ["DEFAULT_MAX_EXAMPLES", "RunOptions", "plan", "run"]


def unit_seed(run_seed: int, *parts: str) -> int:
    digest = hashlib.sha256("|".join((str(run_seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def plan(
    targets: list[Target], checks: list[Check], options: RunOptions
) -> list[tuple[Target, ModelSpec, Scenario]]:
    """Every (target, model, scenario) with at least one selected check to judge it."""
    units = []
    for target in targets:
        for model in target.models:
            for scenario in SCENARIOS:
                if options.scenarios and scenario.name not in options.scenarios:
                    continue
                if not scenario.applies(target, model):
                    continue
                if any(c.applies(target.profile, scenario.name) for c in checks):
                    units.append((target, model, scenario))
    return units


def unit_specs(
    targets: list[Target], checks: list[Check], options: RunOptions, run_seed: int
) -> list[UnitSpec]:
    """The planned units as workers take them, each with its own seed."""
    names = tuple(c.name for c in checks)
    return [
        UnitSpec(t, m, s.name, unit_seed(run_seed, t.profile, m.name, s.name), names)
        for t, m, s in plan(targets, checks, options)
    ]


def submit_order(specs: list[UnitSpec], options: RunOptions) -> list[int]:
    """Indices into `specs`, in the order to start them: the longest units first, so that the
    run does not end on one long unit while the other workers sit idle; and the units that
    mostly wait (queue polls) early but one between two working units, so that their sleep
    overlaps the others' work without leaving the cores idle at the start."""

    def load(i: int) -> float:
        scenario = SCENARIO_BY_NAME[specs[i].scenario]
        return examples(options, scenario) * scenario.requests

    longest = sorted(range(len(specs)), key=lambda i: -load(i))
    waiting = [i for i in longest if specs[i].waits]
    working = [i for i in longest if not specs[i].waits]
    order: list[int] = []
    while waiting or working:
        order.extend(working[:1] + waiting[:1])
        working, waiting = working[1:], waiting[1:]
    return order


def preflight(client: HttpClient, target: Target) -> None:
    """One plain request: an unreachable target is a usage error, anything else is judged later."""
    model = target.models[0]
    payload = text_payload(target, model, CORPUS[0])
    exchange = client.send(target.request(model, payload.body, label="preflight"))
    if exchange.error_kind == "connect":
        raise TargetUnreachable(f"target unreachable: {target.url(model)}: {exchange.error}")


def _lost(spec: UnitSpec, exc: BaseException) -> UnitResult:
    """The result of a unit whose worker died under it."""
    result = UnitResult(spec.target, spec.model.label, spec.scenario)
    result.error = f"the worker running this unit died: {type(exc).__name__}: {exc}"
    return result


def run(
    targets: list[Target],
    checks: list[Check],
    options: RunOptions,
    *,
    on_unit: Callable[[UnitResult], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> RunResult:
    run_seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    result = RunResult(targets, run_seed, _settings(options), started)
    limiter = RateLimiter(options.rate_limit) if options.rate_limit else None
    breaker = Breaker(BREAKER)
    begin = time.monotonic()
    specs = unit_specs(targets, checks, options, run_seed)
    if on_plan is not None:
        on_plan(len(specs))
    results: dict[int, UnitResult] = {}
    setup = WorkerSetup(options, breaker, limiter)
    if setup.forks:
        warm_up(specs)
    with open_workers(setup, len(specs)) as workers:
        with setup.client(pool_size=1) as client:
            for target in targets:
                preflight(client, target)
        futures: dict[Future[UnitResult], int] = {
            workers.submit(specs[i]): i for i in submit_order(specs, options)
        }
        for future in as_completed(futures):
            index = futures[future]
            try:
                unit = future.result()
            except Exception as exc:  # BrokenProcessPool: the worker process died
                unit = _lost(specs[index], exc)
            results[index] = unit
            if on_unit is not None:
                on_unit(unit)
    result.units = [results[i] for i in range(len(specs))]  # plan order
    if breaker.reason:
        result.notes.append(f"the target stopped answering; later requests were {breaker.reason}")
    result.duration = time.monotonic() - begin
    return result


def _settings(options: RunOptions) -> dict[str, Any]:
    return {
        "max_examples": options.max_examples,
        "workers": options.workers,
        "parallel": options.parallel,
        "rate_limit": options.rate_limit,
        "timeout_s": options.timeout,
        "max_body_bytes": options.max_body,
        "retries": options.retries,
        "shrink_budget": options.shrink_budget,
        "checks": list(options.checks),
        "exclude_checks": list(options.exclude_checks),
        "batch_tolerance": options.tolerances.batch_cosine,
        "determinism_tolerance": options.tolerances.determinism_cosine,
        "async_timeout_s": options.tolerances.async_timeout,
        "example_db": str(options.example_db) if options.example_db else None,
    }
