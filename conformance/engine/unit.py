"""One unit of a run: a scenario against one model of one target, boundaries then Hypothesis.

Within a unit, boundary cases go first, then the failing examples that earlier runs saved in
the example database replay, then Hypothesis draws cases (seeded) and shrinks failing ones.
Every check runs on every outcome; the smallest failing example of each distinct failure of a
check is kept (`results.failure_kind`). A failing example raises an exception type named
after the set of checks it failed, so Hypothesis shrinks each combination on its own. A unit
is described by a `UnitSpec` (plain, picklable data), so that it can run in a worker process
as well as here.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase
from hypothesis.errors import Flaky

from embedcheck.conformance.checks import REGISTRY, CheckContext, CheckFailed
from embedcheck.conformance.checks.base import WARNING, Check, CheckInconclusive
from embedcheck.conformance.checks.queue import is_pending, request_id
from embedcheck.conformance.engine import hypothesis_internals
from embedcheck.conformance.engine.breaker import Breaker
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.generation.scenarios import SCENARIOS, Scenario
from embedcheck.conformance.http.transport import Exchange, HttpClient, Request
from embedcheck.conformance.profiles import ModelSpec, Target
from embedcheck.conformance.reports.results import (
    GATES,
    Finding,
    Tally,
    UnitResult,
    failure_kind,
)
from embedcheck.conformance.vocabulary import Case, Outcome, Payload, claim_problem

log = logging.getLogger("embedcheck.run")

BREAKER = 5  # consecutive transport failures, or 429/503 replies, before the target is left alone
# Polls of a queued job back off from FIRST_POLL to LAST_POLL seconds: a quick job is seen
# done within tens of milliseconds, a slow one costs a few more polls than a longer start.
FIRST_POLL = 0.01
LAST_POLL = 2.0
SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}


@functools.cache
def case_strategy(scenario: str, target: Target, model: ModelSpec) -> st.SearchStrategy[Case]:
    """The scenario's strategy for this model, built and validated once per process (and, with
    worker processes, once before they are forked)."""
    factory = SCENARIO_BY_NAME[scenario].strategy
    assert factory is not None, f"{scenario} has no strategy"
    strategy = factory(target, model)
    strategy.validate()
    return strategy


def warm_up(specs: list[UnitSpec]) -> None:
    """Do once here what every worker would otherwise do for itself: build and validate the
    strategies, compile the schemas their payloads are checked against, and let Hypothesis
    set itself up (its lazy modules, the constants it mines from loaded modules, and its
    per-thread random generator, whose registration runs a full garbage collection). Forked
    workers inherit all of it."""
    for spec in specs:
        scenario = SCENARIO_BY_NAME[spec.scenario]
        for case in scenario.boundaries(spec.target, spec.model):
            for payload in case.payloads:
                claim_problem(payload)
        if scenario.generates:
            case_strategy(spec.scenario, spec.target, spec.model)
    hypothesis_internals.mine_local_constants()
    _one_example()


@settings(max_examples=1, database=None, phases=(Phase.generate,), deadline=None)
@given(st.integers())
def _one_example(number: int) -> None:
    pass


def leave_numpy_random_alone() -> None:
    """In a worker process: Hypothesis no longer saves, seeds and restores numpy's global PRNG
    around each example. It does so whenever numpy is loaded (the checks load it), for tests
    that draw from it; nothing a worker runs does, and the two calls cost ~0.2 ms of CPU per
    example, a tenth of a worker's time. Only for processes that run nothing but units: in
    the caller's process (threads, the pytest plugin) the user's own tests may rely on it."""
    hypothesis_internals.stop_managing_numpy_random()


def examples(options: RunOptions, scenario: Scenario) -> int:
    """How many examples Hypothesis generates for a unit of `scenario`."""
    return max(1, round(options.max_examples * scenario.weight))


GENERATE = (Phase.explicit, Phase.generate, Phase.shrink)
REPLAY = (Phase.reuse,)


def unit_settings(
    max_examples: int, database: ExampleDatabase | None, phases: tuple[Phase, ...] = GENERATE
) -> settings:
    """Hypothesis' settings for one unit: no deadline (a slow server is not a flaky test), no
    health checks (a slow server fails them), quiet, every failure kept. New failures are
    saved in `database` whatever the phases; only REPLAY reads it."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=database,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
        report_multiple_bugs=True,
        phases=phases,
    )


@dataclass(frozen=True)
class UnitSpec:
    """Which unit: (target, model, scenario), its Hypothesis seed, the checks that judge it."""

    target: Target
    model: ModelSpec
    scenario: str
    seed: int
    checks: tuple[str, ...]  # names in REGISTRY; those that apply to the scenario are run

    @property
    def waits(self) -> bool:
        return SCENARIO_BY_NAME[self.scenario].waits


class Session:
    """What the units of one worker share: its HTTP client, and the run's breaker."""

    def __init__(self, client: HttpClient, breaker: Breaker) -> None:
        self.client = client
        self.breaker = breaker

    @property
    def stopped(self) -> str:
        """'' while the target is being sent to; else why nothing more is sent."""
        return self.breaker.reason

    def send(self, request: Request) -> Exchange:
        stopped = self.breaker.reason
        if stopped:
            return Exchange(request=request, skipped=True, error=stopped)
        exchange = self.client.send(request)
        if log.isEnabledFor(logging.INFO):  # no digest and no record when nobody logs
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
        if self.breaker.record(exchange):
            log.warning("no more requests are sent: %s", self.breaker.reason)
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


def _blockers(check: Check, failed: list[str]) -> list[str]:
    """The checks failed on an outcome that leave `check` nothing to judge there."""
    return [name for name in failed if name in GATES or name in check.after]


class UnitRun:
    def __init__(
        self,
        session: Session,
        spec: UnitSpec,
        options: RunOptions,
        database: ExampleDatabase | None,
    ) -> None:
        self.session = session
        self.target = target = spec.target
        self.model = model = spec.model
        self.scenario = scenario = SCENARIO_BY_NAME[spec.scenario]
        checks = (REGISTRY[name] for name in spec.checks)
        self.checks = [c for c in checks if c.applies(target.profile, scenario.name)]
        self.options = options
        self.seed = spec.seed
        self.database = database
        self.ctx = CheckContext(target, model, options.tolerances)
        self.result = UnitResult(
            target, model.label, scenario.name, checks=tuple(c.name for c in self.checks)
        )

    # --- sending ---------------------------------------------------------------------------

    def _route_model(self, payload: Payload) -> ModelSpec:
        """The model whose URL the payload goes to: the unit's, or a name it asks for."""
        return replace(self.model, name=payload.route_model) if payload.route_model else self.model

    def execute(self, case: Case) -> Outcome:
        for payload in case.payloads:
            problem = claim_problem(payload)
            if problem:
                raise Unsendable(problem)
        if case.scenario == "async":
            return self._execute_async(case)
        requests = [
            self.target.request(
                self._route_model(payload),
                payload.body,
                queue=payload.queue,
                auth=payload.auth,
                label=f"{case.scenario} #{index}: {payload.describe()}",
            )
            for index, payload in enumerate(case.payloads)
        ]
        if self.scenario.quiet:
            half = len(requests) // 2
            exchanges = [self.session.send(r) for r in requests[:half]]
            exchanges += self._at_once(requests[half:])
        else:
            exchanges = [self.session.send(r) for r in requests]
        self.result.requests += len(exchanges)
        return Outcome(case, tuple(exchanges))

    def _at_once(self, requests: list[Request]) -> list[Exchange]:
        """Send `requests` together, `--workers` of them in flight at a time: the first of them
        released at the same moment."""
        go = threading.Event()

        def send(request: Request) -> Exchange:
            go.wait()
            return self.session.send(request)

        in_flight = max(1, min(len(requests), self.options.workers))
        with ThreadPoolExecutor(max_workers=in_flight) as threads:
            futures = [threads.submit(send, r) for r in requests]
            go.set()
            return [f.result() for f in futures]

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
        checks = self.checks
        if any(e.skipped for e in outcome.all_exchanges):
            # The breaker stopped this outcome half-way: only what was sent can be judged.
            if all(e.skipped for e in outcome.all_exchanges):
                return []
            checks = [c for c in checks if c.partial]
        inconclusive = any(e.inconclusive for e in outcome.all_exchanges)
        failed = []
        idle: list[tuple[Check, Tally]] = []  # checks that found nothing to judge here
        undecided: list[tuple[Check, Tally, str]] = []  # checks that could not decide
        size = len(outcome.case.key())
        for check in checks:
            tally = self.result.tallies.setdefault(check.name, Tally())
            if check.wants is not None and not any(map(check.wants, outcome.case.payloads)):
                continue  # not its business whatever the reply
            if inconclusive:
                tally.inconclusive += 1
                continue
            try:
                judged = check.fn(self.ctx, outcome)
            except CheckFailed as failure:
                # A warning is kept and shrunk like a failure; only the verdict weighs it apart.
                if failure.severity == WARNING:
                    tally.warned += 1
                else:
                    tally.failed += 1
                failed.append(check.name)
                self.result.keep(
                    Finding(
                        check.name,
                        self.target.profile,
                        self.model.label,
                        self.scenario.name,
                        failure,
                        outcome,
                        origin,
                        size,
                        failure_kind(failure, outcome),
                    )
                )
                log.info(
                    "%s %s on %s: %s",
                    check.name,
                    "warned" if failure.severity == WARNING else "failed",
                    self.result.column,
                    failure.message,
                )
                continue
            except CheckInconclusive as why:
                undecided.append((check, tally, str(why)))
                continue
            except Exception:
                tally.errors += 1
                self.result.error = f"check {check.name} crashed: {traceback.format_exc(limit=3)}"
                log.error("check %s crashed", check.name, exc_info=True)
                continue
            if judged:
                tally.passed += 1
            else:
                idle.append((check, tally))
        # Nothing here was their business: because a gate (no reply, no 2xx, no JSON) or a
        # check they build on (vectors of the right count and size) failed on this very
        # outcome, whichever ran first, or because they do not apply to this example.
        for check, tally in idle:
            tally.blocked.update(_blockers(check, failed))
        for check, tally, reason in undecided:
            blockers = _blockers(check, failed)
            if blockers:  # undecided because of another check's finding: that one is the news
                tally.blocked.update(blockers)
                continue
            tally.inconclusive += 1
            tally.undecided[reason] += 1
            log.info("%s could not judge on %s: %s", check.name, self.result.column, reason)
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
            if self.scenario.generates:
                self._generate()
        except Exception:
            self.result.error = traceback.format_exc(limit=4)
            log.error("unit %s %s crashed", self.result.column, self.scenario.name, exc_info=True)
        self.result.stopped = self.session.stopped  # tripped before or while this unit ran
        self.result.elapsed = time.monotonic() - start
        return self.result

    def _generate(self) -> None:
        # Saved failures replay in a pass of their own, before generation and apart from it:
        # in one pass, Hypothesis would stop at a saved failure that still fails, without
        # generating, and the run would find fewer distinct failures than its seed gives.
        # This way the database only adds examples, and `--seed` still draws the same ones.
        key = self._database_key()
        if self.database is not None and any(True for _ in self.database.fetch(key)):
            self._hypothesis(REPLAY, "replayed")
        self._hypothesis(GENERATE, "generated")

    def _hypothesis(self, phases: tuple[Phase, ...], origin: str) -> None:
        """One Hypothesis pass over the unit's strategy with these phases; findings tagged
        with `origin`."""
        strategy = case_strategy(self.scenario.name, self.target, self.model)
        seen: dict[str, type[Exception]] = {}
        sent = [0]
        first_failure_at: list[int] = []
        budget = min(
            self.options.shrink_budget, self.scenario.shrink_cap or self.options.shrink_budget
        )

        def test(case: Case) -> None:
            key = case.key()
            if key in seen:
                raise seen[key]("replayed")  # Hypothesis replays the minimal example at the end
            if self.session.stopped:
                return
            if first_failure_at and sent[0] - first_failure_at[0] >= budget:
                return  # shrinking budget spent: the smallest example so far stands
            try:
                outcome = self.execute(case)
            except Unsendable:
                reject()
            sent[0] += 1
            if origin == "replayed":
                self.result.replayed += 1
            failed = self.judge(outcome, origin)
            if failed:
                if not first_failure_at:
                    first_failure_at.append(sent[0])
                kind = _failure_type(tuple(sorted(failed)))
                seen[key] = kind
                raise kind(", ".join(failed))

        wrapped = given(strategy)(test)
        # The example database's key for this unit, given rather than derived: Hypothesis would
        # hash the inner test's source (the same for every unit) at ~5 ms a unit.
        hypothesis_internals.set_database_key(wrapped, self._database_key())
        # The seed first, the settings over it: `seed()` also switches the example database
        # off, and the settings applied after it put the run's database back.
        seeded = hypothesis_seed(self.seed)(wrapped)
        count = examples(self.options, self.scenario)
        runnable = unit_settings(count, self.database, phases)(seeded)
        try:
            runnable()
        except (AssertionError, Flaky, BaseExceptionGroup) as exc:
            # Findings are already recorded; what matters is that nothing else escaped.
            unexpected = _unexpected(exc)
            if unexpected is not None:
                raise unexpected from exc

    def _database_key(self) -> bytes:
        key = f"{self.target.identity}|{self.model.name}|{self.scenario.name}"
        return hashlib.sha384(f"embedcheck unit|{key}".encode()).digest()


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
