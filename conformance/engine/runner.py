"""Run every applicable scenario against every model of a target and judge each outcome.

A unit is (target, model, scenario), run by `engine.unit`. Units run concurrently on
`workers` workers (`engine.workers`: processes by default, or threads) sharing one rate
limiter and one transport-failure breaker; results come back in plan order whatever order the
units finished in.

A hostile target cannot stall the run: transport failures are findings, the HTTP client caps
time and bytes, shrinking gets a request budget, and after `BREAKER` consecutive transport
failures or 429/503 replies (or one `Retry-After` beyond the wait allowed) nothing more is
sent to the target. Before any unit, `preflight` turns settings mistakes into usage errors.

Units of a quiet scenario (concurrency: a reference that must see nothing else in flight) run
first, one after another in this process, before any other unit is handed to the workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, as_completed
from datetime import UTC, datetime
from typing import Any

from embedcheck.conformance.checks import REGISTRY, Check
from embedcheck.conformance.engine.breaker import Breaker
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.preflight import preflight
from embedcheck.conformance.engine.unit import (
    BREAKER,
    SCENARIO_BY_NAME,
    UnitSpec,
    examples,
    warm_up,
)
from embedcheck.conformance.engine.workers import Worker, WorkerSetup, open_workers
from embedcheck.conformance.errors import ConfigError
from embedcheck.conformance.generation.scenarios import SCENARIOS, Scenario
from embedcheck.conformance.http.ratelimit import RateLimiter
from embedcheck.conformance.profiles import ModelSpec, Target
from embedcheck.conformance.reports.results import RunResult, UnitResult


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
                if scenario.quiet and options.workers < 2:
                    continue  # one request in flight at a time: nothing sent together
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

    loud = [i for i in range(len(specs)) if not SCENARIO_BY_NAME[specs[i].scenario].quiet]
    longest = sorted(loud, key=lambda i: -load(i))
    waiting = [i for i in longest if specs[i].waits]
    working = [i for i in longest if not specs[i].waits]
    order: list[int] = []
    while waiting or working:
        order.extend(working[:1] + waiting[:1])
        working, waiting = working[1:], waiting[1:]
    return order


QUIET = frozenset(s.name for s in SCENARIOS if s.quiet)


def quiet_units(specs: list[UnitSpec]) -> list[int]:
    """Indices of the units to run alone, before the others (`Scenario.quiet`)."""
    return [i for i, spec in enumerate(specs) if SCENARIO_BY_NAME[spec.scenario].quiet]


def run_quietly(
    setup: WorkerSetup, specs: list[UnitSpec], indices: list[int]
) -> Iterator[tuple[int, UnitResult]]:
    """Run the quiet units one after another here, while the workers hold no unit: nothing
    else of this run is in flight. Each gets connections enough to send its case at once."""
    if not indices:
        return
    widest = max(_case_width(specs[i]) for i in indices)
    with setup.client(pool_size=max(2, widest)) as client:
        worker = Worker(setup, client)
        for index in indices:
            yield index, worker.run(specs[index])


def _case_width(spec: UnitSpec) -> int:
    scenario = SCENARIO_BY_NAME[spec.scenario]
    cases = scenario.boundaries(spec.target, spec.model)
    return max((len(c.payloads) for c in cases), default=1)


def where_it_applies(check: Check, profiles: set[str]) -> str:
    """Where a check judges anything, in words, for a run on `profiles`."""
    scenarios = [s for s in SCENARIOS if check.scenarios is None or s.name in check.scenarios]
    judged = {p for s in scenarios for p in s.profiles}
    if check.profiles is not None:
        judged &= check.profiles
    if not judged & profiles:
        return f"{check.name} runs on the {'/'.join(sorted(judged))} profile only"
    names = "/".join(s.name for s in scenarios if s.profiles & profiles)
    return f"{check.name} runs in the {names} scenario, which no model here has"


def refuse_idle_checks(targets: list[Target], checks: list[Check], options: RunOptions) -> None:
    """ConfigError when checks selected by name judge nothing on these targets: a run of them
    would pass without having looked at anything."""
    if not (options.checks or options.exclude_checks):
        return  # every check: those that do not apply are the scorecard's dots
    units = plan(targets, checks, options)
    idle = [c for c in checks if not any(c.applies(t.profile, s.name) for t, _, s in units)]
    names = ", ".join(f"{t.profile} at {t.base_url}" for t in targets)
    profiles = {t.profile for t in targets}
    named = [c for c in idle if c.name in options.checks]
    together = [c for c in named if c.scenarios and c.scenarios <= QUIET]
    if together and options.workers < 2:
        raise ConfigError(
            f"--checks {', '.join(c.name for c in together)} send requests together: "
            "--workers 1 allows one at a time (use --workers 2 or more)"
        )
    if named:
        raise ConfigError(
            f"--checks {', '.join(c.name for c in named)} "
            f"{'applies' if len(named) == 1 else 'apply'} to nothing on {names} "
            f"({'; '.join(where_it_applies(c, profiles) for c in named)})"
        )
    if len(idle) == len(checks):
        raise ConfigError(
            f"--exclude-checks {', '.join(options.exclude_checks)} leaves no check that "
            f"applies to {names}"
        )


def _lost(spec: UnitSpec, exc: BaseException) -> UnitResult:
    """The result of a unit whose worker died under it."""
    applying = (REGISTRY[n] for n in spec.checks)
    planned = tuple(c.name for c in applying if c.applies(spec.target.profile, spec.scenario))
    result = UnitResult(spec.target, spec.model.label, spec.scenario, checks=planned)
    result.error = f"the worker running this unit died: {type(exc).__name__}: {exc}"
    return result


@contextlib.contextmanager
def interruption(
    result: RunResult, breaker: Breaker, futures: dict[Future[UnitResult], int]
) -> Iterator[None]:
    """Ctrl-C ends the run, not the process: units not started are dropped, running ones stop
    sending (the breaker is shared with every worker) and end at once, and the run reports
    the units finished by then, marked interrupted."""
    try:
        yield
    except KeyboardInterrupt:
        result.interrupted = True
        breaker.stop("not sent: the run was interrupted")
        for future in futures:
            future.cancel()


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
    result.network = options.network.resolve()  # for the curl lines: sent as the run sent
    result.allow_inconclusive = options.allow_inconclusive
    result.strict = options.strict
    refuse_idle_checks(targets, checks, options)
    limiter = RateLimiter(options.rate_limit) if options.rate_limit else None
    breaker = Breaker(BREAKER, options.max_retry_wait)
    begin = time.monotonic()
    specs = unit_specs(targets, checks, options, run_seed)
    if on_plan is not None:
        on_plan(len(specs))
    results: dict[int, UnitResult] = {}
    setup = WorkerSetup(options, breaker, limiter)
    if setup.forks:
        warm_up(specs)
    futures: dict[Future[UnitResult], int] = {}
    with open_workers(setup, len(specs)) as workers, interruption(result, breaker, futures):
        with setup.client(pool_size=1) as client:
            for target in targets:
                preflight(client, target, breaker.record)
        for index, unit in run_quietly(setup, specs, quiet_units(specs)):
            results[index] = unit
            if on_unit is not None:
                on_unit(unit)
        futures.update({workers.submit(specs[i]): i for i in submit_order(specs, options)})
        for future in as_completed(futures):
            index = futures[future]
            try:
                unit = future.result()
            except Exception as exc:  # BrokenProcessPool: the worker process died
                unit = _lost(specs[index], exc)
            results[index] = unit
            if on_unit is not None:
                on_unit(unit)
    result.units = [results[i] for i in sorted(results)]  # plan order (finished ones only)
    if breaker.reason and not result.interrupted:
        result.stopped = breaker.reason
        result.notes.append(
            f"the run stopped sending to the target; requests were {breaker.reason}"
        )
    replayed = sum(u.replayed for u in result.units)
    if replayed:
        result.notes.append(
            f"{replayed} example(s) that failed in earlier runs (saved in {options.example_db}) "
            "were replayed first; those that pass now are dropped from it (--example-db none: "
            "no replay)"
        )
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
        "allow_inconclusive": options.allow_inconclusive,
        "strict": options.strict,
    }
