"""Run every applicable scenario against every model of a target and judge each outcome.

A unit is (target, model, scenario). Units run concurrently on `workers` threads sharing one
HTTP client and rate limiter; within a unit, boundary cases go first, then Hypothesis draws cases
(seeded, with an example database) and shrinks failing ones. Every check runs on every outcome;
the smallest failing example per check is kept. A failing example raises an exception type named
after the set of checks it failed, so Hypothesis shrinks each combination on its own.

A hostile target cannot stall the run: transport failures are findings, the HTTP client caps
time and bytes, shrinking gets a request budget, and after `BREAKER` consecutive transport
failures nothing more is sent to the target.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import Flaky

from conformance.checks import Case, Check, CheckContext, CheckFailed, Outcome, Tolerances
from conformance.checks.queue import is_pending, request_id
from conformance.errors import TargetUnreachable
from conformance.profiles import ModelSpec, Target
from conformance.ratelimit import RateLimiter
from conformance.results import Finding, RunResult, Tally, UnitResult
from conformance.scenarios import SCENARIOS, Scenario, text_payload
from conformance.strategies import CORPUS, claim_problem
from conformance.transport import (
    DEFAULT_MAX_BODY,
    DEFAULT_TIMEOUT,
    Exchange,
    HttpClient,
    Request,
)

log = logging.getLogger("embedcheck.run")

DEFAULT_MAX_EXAMPLES = 20
BREAKER = 5  # consecutive transport failures after which the target is left alone
# Polls of a queued job back off from FIRST_POLL to LAST_POLL seconds: a quick job is seen
# done within tens of milliseconds, a slow one costs a few more polls than a longer start.
FIRST_POLL = 0.01
LAST_POLL = 2.0
TRANSPORT_FAILURES = frozenset({"timeout", "reset", "disconnected", "too-large", "connect"})


@dataclass(frozen=True)
class RunOptions:
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    workers: int = 4
    rate_limit: float | None = None  # requests per second over the whole run
    checks: tuple[str, ...] = ()  # empty: all
    exclude_checks: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    max_body: int = DEFAULT_MAX_BODY
    retries: int = 2
    max_retry_wait: float = 10.0
    tolerances: Tolerances = field(default_factory=Tolerances)
    example_db: Path | None = None
    shrink_budget: int = 25  # examples sent per unit after its first failure
    boundaries: bool = True  # send the boundary cases (the same on every run)
    scenarios: tuple[str, ...] = ()  # empty: all (a testing aid; checks select scenarios too)


class Session:
    """What all units of a run share: the HTTP client and the transport-failure breaker."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._consecutive = 0
        self.stopped = ""  # why nothing more is sent, once the breaker trips
        self.requests = 0

    def send(self, request: Request) -> Exchange:
        if self.stopped:
            return Exchange(request=request, skipped=True, error=self.stopped)
        exchange = self.client.send(request)
        content = request.content() or b""
        log.info(
            "%s %s [%s] %d bytes #%s -> %s %s(%.3f s)",
            request.method,
            request.url,
            request.label,
            len(content),
            hashlib.sha256(content).hexdigest()[:12],
            exchange.status,
            f"{exchange.error} " if exchange.error else "",
            exchange.elapsed,
        )
        with self._lock:
            self.requests += 1
            if exchange.error_kind in TRANSPORT_FAILURES:
                self._consecutive += 1
                if self._consecutive >= BREAKER and not self.stopped:
                    self.stopped = (
                        f"not sent: {BREAKER} requests in a row failed at the transport level "
                        f"(last: {exchange.error})"
                    )
                    log.warning("target stopped answering; no more requests are sent")
            else:
                self._consecutive = 0
        return exchange


class Unsendable(Exception):
    """A drawn payload is not what it claims; it must not be sent."""


def _failure_type(names: tuple[str, ...]) -> type[Exception]:
    # One exception class per set of failed checks: Hypothesis tells bugs apart by type, so
    # each combination is shrunk to its own minimal example.
    with _TYPES_LOCK:
        if names not in _FAILURE_TYPES:
            _FAILURE_TYPES[names] = type(
                "ChecksFailed_" + "_".join(n.replace("-", "_") for n in names),
                (AssertionError,),
                {},
            )
        return _FAILURE_TYPES[names]


_FAILURE_TYPES: dict[tuple[str, ...], type[Exception]] = {}
_TYPES_LOCK = threading.Lock()


class UnitRun:
    def __init__(
        self,
        session: Session,
        target: Target,
        model: ModelSpec,
        scenario: Scenario,
        checks: list[Check],
        options: RunOptions,
        seed: int,
        database: ExampleDatabase | None,
    ) -> None:
        self.session = session
        self.target = target
        self.model = model
        self.scenario = scenario
        self.checks = [c for c in checks if c.applies(target.profile, scenario.name)]
        self.options = options
        self.seed = seed
        self.database = database
        self.ctx = CheckContext(target, model, options.tolerances)
        self.result = UnitResult(target, model.label, scenario.name)
        self._first_failure_at: int | None = None

    # --- sending ---------------------------------------------------------------------------

    def execute(self, case: Case) -> Outcome:
        for payload in case.payloads:
            problem = claim_problem(payload)
            if problem:
                raise Unsendable(problem)
        if case.scenario == "async":
            return self._execute_async(case)
        exchanges = []
        for index, payload in enumerate(case.payloads):
            request = self.target.request(
                self.model,
                payload.body,
                queue=payload.queue,
                auth=payload.auth,
                label=f"{case.scenario} #{index}: {payload.describe()}",
            )
            exchanges.append(self.session.send(request))
        self.result.requests += len(exchanges)
        return Outcome(case, tuple(exchanges))

    def _execute_async(self, case: Case) -> Outcome:
        payload = case.payloads[0]
        submit = self.session.send(
            self.target.request(self.model, payload.body, queue=True, label="queue submit")
        )
        polls: list[Exchange] = []
        start = time.monotonic()
        job = request_id(self.ctx, submit) if submit.answered else None
        delay = FIRST_POLL
        while job is not None and time.monotonic() - start < self.options.tolerances.async_timeout:
            time.sleep(delay)
            delay = min(delay * 2, LAST_POLL)
            poll = self.session.send(
                self.target.request(self.model, {"request_id": job}, label=f"poll {len(polls)}")
            )
            polls.append(poll)
            if not (poll.answered and is_pending(self.ctx, poll)):
                break
        self.result.requests += 1 + len(polls)
        return Outcome(case, (submit,), tuple(polls), time.monotonic() - start)

    # --- judging ---------------------------------------------------------------------------

    def judge(self, outcome: Outcome, origin: str) -> list[str]:
        """Run every check on `outcome`, tally, keep findings; the names of the failed checks."""
        self.result.examples += 1
        if any(e.skipped for e in outcome.all_exchanges):
            return []
        inconclusive = any(e.inconclusive for e in outcome.all_exchanges)
        failed = []
        size = len(outcome.case.key())
        for check in self.checks:
            tally = self.result.tallies.setdefault(check.name, Tally())
            if inconclusive:
                tally.inconclusive += 1
                continue
            try:
                judged = check.fn(self.ctx, outcome)
            except CheckFailed as failure:
                tally.failed += 1
                failed.append(check.name)
                known = self.result.findings.get(check.name)
                if known is None or size < known.size:
                    self.result.findings[check.name] = Finding(
                        check.name,
                        self.target.profile,
                        self.model.label,
                        self.scenario.name,
                        failure,
                        outcome,
                        origin,
                        size,
                    )
                log.info("%s failed on %s: %s", check.name, self.result.column, failure.message)
                continue
            except Exception:
                tally.errors += 1
                self.result.error = f"check {check.name} crashed: {traceback.format_exc(limit=3)}"
                log.error("check %s crashed", check.name, exc_info=True)
                continue
            if judged:
                tally.passed += 1
        return failed

    # --- the two phases --------------------------------------------------------------------

    def run(self) -> UnitResult:
        start = time.monotonic()
        try:
            boundaries = self.scenario.boundaries(self.target, self.model)
            for case in boundaries if self.options.boundaries else []:
                if self.session.stopped:
                    break
                self.judge(self.execute(case), "boundary")
            if self.scenario.strategy is not None and self.scenario.weight > 0:
                self._generate()
        except Exception:
            self.result.error = traceback.format_exc(limit=4)
            log.error("unit %s %s crashed", self.result.column, self.scenario.name, exc_info=True)
        self.result.elapsed = time.monotonic() - start
        return self.result

    def _examples(self) -> int:
        return max(1, round(self.options.max_examples * self.scenario.weight))

    def _generate(self) -> None:
        assert self.scenario.strategy is not None
        strategy = self.scenario.strategy(self.target, self.model)
        seen: dict[str, type[Exception]] = {}
        sent = [0]
        budget = min(
            self.options.shrink_budget, self.scenario.shrink_cap or self.options.shrink_budget
        )

        def test(case: Case) -> None:
            key = case.key()
            if key in seen:
                raise seen[key]("replayed")  # Hypothesis replays the minimal example at the end
            if self.session.stopped:
                return
            if self._first_failure_at is not None and (sent[0] - self._first_failure_at >= budget):
                return  # shrinking budget spent: the smallest example so far stands
            try:
                outcome = self.execute(case)
            except Unsendable:
                reject()
            sent[0] += 1
            failed = self.judge(outcome, "generated")
            if failed:
                if self._first_failure_at is None:
                    self._first_failure_at = sent[0]
                kind = _failure_type(tuple(sorted(failed)))
                seen[key] = kind
                raise kind(", ".join(failed))

        wrapped = given(strategy)(test)
        # Distinct database keys per unit: the inner test's source is the same for all.
        wrapped._hypothesis_internal_add_digest = self._digest()  # type: ignore[attr-defined]
        configured = settings(
            max_examples=self._examples(),
            deadline=None,
            database=self.database,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
            report_multiple_bugs=True,
            phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
        )(wrapped)
        runnable = hypothesis_seed(self.seed)(configured)
        try:
            runnable()
        except (AssertionError, Flaky, BaseExceptionGroup) as exc:
            # Findings are already recorded; what matters is that nothing else escaped.
            unexpected = _unexpected(exc)
            if unexpected is not None:
                raise unexpected from exc

    def _digest(self) -> bytes:
        key = f"{self.target.profile}|{self.target.base_url}|{self.model.name}|{self.scenario.name}"
        return key.encode()


def _unexpected(exc: BaseException) -> BaseException | None:
    """The first exception in `exc` that is not a check failure (or Hypothesis' wrapping)."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _unexpected(inner)
            if found is not None:
                return found
        return None
    if type(exc) in _FAILURE_TYPES.values() or isinstance(exc, Flaky):
        return None
    return exc


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


def submit_order(runs: list[UnitRun]) -> list[UnitRun]:
    """Plan order, except that a unit that mostly waits goes first within its model's units:
    its sleeping then overlaps their work instead of trailing at the end of the run."""
    groups = {id(u): (u.target.profile, u.model.name) for u in runs}
    first_seen = {key: i for i, key in reversed(list(enumerate(groups.values())))}
    return sorted(runs, key=lambda u: (first_seen[groups[id(u)]], not u.scenario.waits))


def preflight(session: Session, target: Target) -> None:
    """One plain request: an unreachable target is a usage error, anything else is judged later."""
    model = target.models[0]
    payload = text_payload(target, model, CORPUS[0])
    exchange = session.client.send(target.request(model, payload.body, label="preflight"))
    if exchange.error_kind == "connect":
        raise TargetUnreachable(f"target unreachable: {target.url(model)}: {exchange.error}")


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
    database: ExampleDatabase | None = (
        DirectoryBasedExampleDatabase(str(options.example_db)) if options.example_db else None
    )
    begin = time.monotonic()
    units = plan(targets, checks, options)
    if on_plan is not None:
        on_plan(len(units))
    with HttpClient(
        timeout=options.timeout,
        max_body=options.max_body,
        retries=options.retries,
        max_retry_wait=options.max_retry_wait,
        rate_limiter=limiter,
        pool_size=max(2, options.workers),
    ) as client:
        session = Session(client)
        for target in targets:
            preflight(session, target)
        runs = [
            UnitRun(
                session,
                t,
                m,
                s,
                checks,
                options,
                unit_seed(run_seed, t.profile, m.name, s.name),
                database,
            )
            for t, m, s in units
        ]
        with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
            for future in as_completed([pool.submit(u.run) for u in submit_order(runs)]):
                if on_unit is not None:
                    on_unit(future.result())
        result.units = [u.result for u in runs]  # plan order, whatever order they finished in
        if session.stopped:
            result.notes.append(
                f"the target stopped answering; later requests were {session.stopped}"
            )
    result.duration = time.monotonic() - begin
    return result


def _settings(options: RunOptions) -> dict[str, Any]:
    return {
        "max_examples": options.max_examples,
        "workers": options.workers,
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
