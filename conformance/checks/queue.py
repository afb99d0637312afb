"""The async batch: submit with `?queueRequest=true`, poll with `{"request_id"}`, map by `id`."""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    check,
    excerpt,
    is_success,
    short,
)
from embedcheck.conformance.checks.extract import vectors_of
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload
from embedcheck.schemas.validators import compiled

PENDING = ("queued", "running")


def request_id(ctx: CheckContext, exchange: Exchange) -> str | None:
    """The job id a queue reply carries (submission or pending poll), if any."""
    output = ctx.output(exchange)
    value = output.get("request_id") if isinstance(output, dict) else None
    return value if isinstance(value, str) and value else None


def is_pending(ctx: CheckContext, exchange: Exchange) -> bool:
    output = ctx.output(exchange)
    return (
        isinstance(output, dict) and output.get("status") in PENDING and "responses" not in output
    )


@check(
    "async-batch",
    "a queued batch is accepted, polls reach a result in time, ids map each request once",
    scenarios=("async",),
    profiles=("workers-ai",),
)
def async_batch(ctx: CheckContext, outcome: Outcome) -> bool:
    submitted = outcome.exchanges[0] if outcome.exchanges else None
    if submitted is None or not (submitted.answered and is_success(submitted)):
        return False  # valid-accepted and the HTTP checks report a refused submission
    batch = outcome.case.payloads[0]
    if request_id(ctx, submitted) is None:
        raise CheckFailed(
            "the submission reply carries no request_id",
            expected="result.request_id",
            actual=excerpt(submitted),
            exchange=submitted,
        )
    pending = compiled("workers-ai-queue", "pending")
    for poll in outcome.polls:
        if not (poll.answered and is_success(poll) and poll.json.ok):
            raise CheckFailed(
                f"a poll got HTTP {poll.status} {poll.error}: {excerpt(poll)}",
                expected="2xx JSON",
                actual=poll.status,
                exchange=poll,
            )
        if is_pending(ctx, poll) and (problem := pending.problem(ctx.output(poll))):
            raise CheckFailed(f"pending reply: {problem}", exchange=poll)
    last = outcome.polls[-1] if outcome.polls else submitted
    if not outcome.polls or is_pending(ctx, last):
        state = (ctx.output(last) or {}).get("status") if outcome.polls else "queued"
        raise CheckFailed(
            f"job still {short(state)} after {len(outcome.polls)} polls in {outcome.waited:.1f} s",
            expected=f"a result within {ctx.tolerances.async_timeout:g} s",
            actual=state,
            exchange=last,
        )
    _judge_result(ctx, batch, last)
    return True


def _judge_result(ctx: CheckContext, batch: Payload, exchange: Exchange) -> None:
    result = ctx.output(exchange)
    problem = compiled("workers-ai-queue", "result").problem(result)
    if problem:
        raise CheckFailed(f"job result: {problem}", actual=excerpt(exchange), exchange=exchange)
    responses: list[dict[str, Any]] = result["responses"]
    ids = [r["id"] for r in responses]
    expected = list(range(len(batch.items)))
    if sorted(ids) != expected:
        raise CheckFailed(
            f"{len(batch.items)} queued requests answered with ids {short(ids)}",
            expected=expected,
            actual=ids,
            exchange=exchange,
        )
    assert ctx.model.record is not None
    schema = compiled(ctx.model.record.id, "output")
    for response in responses:
        item = batch.items[response["id"]]
        output = response["result"]
        fits = schema.matching(output) if response["success"] else []
        if fits != [item.expects]:
            raise CheckFailed(
                f"request {response['id']} ({item.describe()}) got "
                f"{short(output)} fitting {fits or 'no variant'}",
                expected=item.expects,
                actual=fits,
                exchange=exchange,
            )
        vectors = vectors_of(ctx, item, output)
        if vectors is not None and len(vectors) != item.count:
            raise CheckFailed(
                f"request {response['id']}: {item.count} input(s) gave {len(vectors)} vector(s)",
                expected=item.count,
                actual=len(vectors),
                exchange=exchange,
            )
