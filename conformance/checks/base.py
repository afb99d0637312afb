"""The check registry: small named functions that judge one outcome and raise one typed failure.

A check takes the context (target, model, tolerances) and the outcome of one case (the payloads
sent and the exchanges they got). It returns True when it judged something and it held, False
when nothing in the outcome was its business, or raises `CheckFailed` carrying what was expected
and what came. Reports are rendered from that data, never parsed back from messages.

A finding has a severity: a FAILURE breaks the contract; a WARNING (`CheckWarning`) is
something the contract is silent about that a user should know (an input silently truncated).
Warnings are in every report and fail the run only with `--strict`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.profiles import ModelSpec, Target
from embedcheck.conformance.vocabulary import Outcome, Payload

FAILURE = "failure"
WARNING = "warning"
SEVERITIES = (FAILURE, WARNING)


class CheckFailed(Exception):
    severity = FAILURE

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        actual: Any = None,
        exchange: Exchange | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.actual = actual
        self.exchange = exchange


class CheckWarning(CheckFailed):
    """The contract is silent, but a user should know: shown everywhere, a failure only with
    `--strict`."""

    severity = WARNING


class CheckInconclusive(Exception):
    """The outcome was the check's business, but it could not be judged (the message says why):
    tallied inconclusive, never passed."""


@dataclass(frozen=True)
class Tolerances:
    batch_cosine: float = 0.999  # a text alone vs inside a batch
    # Calibrated on real inference noise (bench/calibrate_tolerances.md): a correct bf16 server
    # with dynamic batching reaches 1 - cosine 4e-5; the faults they must catch are beyond 3e-4.
    determinism_cosine: float = 0.9998  # the same request twice
    same_cosine: float = 0.99999  # at or above this, two vectors count as the same vector
    async_timeout: float = 60.0  # seconds a queued batch may take


@dataclass(frozen=True)
class CheckContext:
    target: Target
    model: ModelSpec
    tolerances: Tolerances = field(default_factory=Tolerances)

    @property
    def profile(self) -> str:
        return self.target.profile

    def output(self, exchange: Exchange) -> Any:
        """The model output of a reply (the envelope's `result` on Workers AI), or None."""
        parsed = exchange.json
        return self.target.output(parsed.value) if parsed.ok else None


CheckFn = Callable[[CheckContext, Outcome], bool]
PayloadTest = Callable[[Payload], bool]


@dataclass(frozen=True)
class Check:
    name: str
    summary: str
    fn: CheckFn
    scenarios: frozenset[str] | None  # None: every scenario
    profiles: frozenset[str] | None  # None: every profile
    # Judges what was sent even when the breaker stopped the rest of the outcome: a reset
    # that tripped it is itself the finding, and must not vanish as "not sent".
    partial: bool = False
    # Checks whose failure on the same outcome leaves this one nothing to judge (besides the
    # gates every check waits on): judging nothing there is "not judged", not "n/a".
    after: frozenset[str] = frozenset()
    # The payloads this check is about, when that is known before any reply (pooling-echoed
    # judges only settings it can echo): an outcome without one is not its business even
    # when a gate failed on it.
    wants: PayloadTest | None = None

    def applies(self, profile: str, scenario: str) -> bool:
        return (self.profiles is None or profile in self.profiles) and (
            self.scenarios is None or scenario in self.scenarios
        )


REGISTRY: dict[str, Check] = {}

# Scenarios whose valid payloads get a model output back, and those carrying vectors.
ACCEPTING = (
    *("embed", "contexts", "async", "determinism", "batch", "pooling", "openai-embed"),
    *("usage", "concurrency"),
)
VECTORS = (
    *("embed", "contexts", "determinism", "batch", "pooling", "openai-embed", "usage"),
    "concurrency",
)
REJECTING = ("reject", "openai-reject")
# What comparing vectors needs: readable replies with one finite vector per text, all of one
# width. Where one of these failed on an outcome, a comparison that judged nothing was blocked.
READS_VECTORS = ("response-schema", "envelope", "vector-count", "shape", "dims", "finite-values")


def check(
    name: str,
    summary: str,
    *,
    scenarios: tuple[str, ...] | None = None,
    profiles: tuple[str, ...] | None = None,
    partial: bool = False,
    after: tuple[str, ...] = (),
    wants: PayloadTest | None = None,
) -> Callable[[CheckFn], CheckFn]:
    def register(fn: CheckFn) -> CheckFn:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        REGISTRY[name] = Check(
            name,
            summary,
            fn,
            frozenset(scenarios) if scenarios is not None else None,
            frozenset(profiles) if profiles is not None else None,
            partial,
            frozenset(after),
            wants,
        )
        return fn

    return register


# --- helpers shared by checks ------------------------------------------------------------------


def is_success(exchange: Exchange) -> bool:
    return exchange.status is not None and 200 <= exchange.status < 300


# Statuses about the route or the credentials, not the input: never a rejection of bad input.
NOT_ABOUT_INPUT = {401: "unauthorized", 403: "forbidden", 404: "not found", 405: "wrong method"}


def is_client_error(exchange: Exchange) -> bool:
    return exchange.status is not None and 400 <= exchange.status < 500


def judged_elsewhere(exchange: Exchange) -> bool:
    """Redirects and 5xx are `responds`' and `no-5xx`'s findings, no other check's."""
    status = exchange.status or 0
    return 300 <= status < 400 or status >= 500


def excerpt(exchange: Exchange, limit: int = 300) -> str:
    if exchange.error_kind == "too-large":
        return f"({exchange.error}; --max-response-bytes raises the cap)"
    text = exchange.body[:limit].decode("utf-8", "replace")
    return text + ("..." if len(exchange.body) > limit else "")


def successes(ctx: CheckContext, outcome: Outcome) -> Iterator[tuple[Payload, Exchange, Any]]:
    """Valid payloads that got a 2xx JSON reply, with the model output of that reply."""
    for payload, exchange in outcome.pairs():
        if payload.valid and not payload.auth and is_success(exchange) and exchange.json.ok:
            yield payload, exchange, ctx.output(exchange)


# Most checks judge items one at a time; these adapters do the looping and the bookkeeping of
# "judged anything?". The per-item function returns False when the item is not its business.

ExchangeJudge = Callable[[CheckContext, Exchange], bool]
PairJudge = Callable[[CheckContext, Payload, Exchange], bool]
SuccessJudge = Callable[[CheckContext, Payload, Exchange, Any], bool]


def _like(run: CheckFn, judge: Callable[..., bool]) -> CheckFn:
    """`run` under the judge's name and module (the registry orders checks by module)."""
    run.__module__, run.__name__, run.__doc__ = judge.__module__, judge.__name__, judge.__doc__
    return run


def each_exchange(judge: ExchangeJudge) -> CheckFn:
    """Judge every complete reply of the outcome, polls included."""

    def run(ctx: CheckContext, outcome: Outcome) -> bool:
        return any([judge(ctx, e) for e in outcome.all_exchanges if e.answered])

    return _like(run, judge)


def each_pair(judge: PairJudge) -> CheckFn:
    """Judge every payload with its complete reply."""

    def run(ctx: CheckContext, outcome: Outcome) -> bool:
        return any([judge(ctx, p, e) for p, e in outcome.pairs()])

    return _like(run, judge)


def each_reply(judge: PairJudge) -> CheckFn:
    """Judge every payload whose reply got as far as a status, even with its body cut at the
    size cap: a status is what the status checks judge."""

    def run(ctx: CheckContext, outcome: Outcome) -> bool:
        pairs = zip(outcome.case.payloads, outcome.exchanges, strict=False)
        return any(
            [
                judge(ctx, p, e)
                for p, e in pairs
                if e.answered or (e.status is not None and e.error_kind == "too-large")
            ]
        )

    return _like(run, judge)


def each_success(judge: SuccessJudge) -> CheckFn:
    """Judge every valid payload that got a 2xx JSON reply, with the model output in it."""

    def run(ctx: CheckContext, outcome: Outcome) -> bool:
        return any([judge(ctx, p, e, o) for p, e, o in successes(ctx, outcome)])

    return _like(run, judge)


def short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
