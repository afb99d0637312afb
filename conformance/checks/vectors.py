"""Checks relating one request to its reply: how many vectors, their shape, size and values."""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.checks.base import (
    VECTORS,
    CheckContext,
    CheckFailed,
    check,
    each_success,
    short,
)
from embedcheck.conformance.checks.extract import finite, vectors_of
from embedcheck.conformance.generation.strategies import Payload, input_limits
from embedcheck.conformance.http.transport import Exchange

MODEL_PROFILES = ("workers-ai", "worker")


@check(
    "vector-count", "one vector per input text (or context), no more, no fewer", scenarios=VECTORS
)
@each_success
def vector_count(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    vectors = vectors_of(ctx, payload, output)
    if vectors is None:
        return False
    if len(vectors) != payload.count:
        raise CheckFailed(
            f"{payload.count} input(s) gave {len(vectors)} vector(s)",
            expected=payload.count,
            actual=len(vectors),
            exchange=exchange,
        )
    return True


@check(
    "shape",
    "`shape` is [number of inputs, model dims]",
    profiles=MODEL_PROFILES,
    scenarios=VECTORS,
)
@each_success
def shape(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    if vectors_of(ctx, payload, output) is None or ctx.model.dims is None:
        return False
    expected = [payload.count, ctx.model.dims]
    got = output.get("shape")
    if got != expected:
        raise CheckFailed(
            f"shape {short(got)} for {payload.count} input(s) of a {ctx.model.dims}-dim model",
            expected=expected,
            actual=got,
            exchange=exchange,
        )
    return True


@check(
    "dims",
    "every vector has the model's dimensions (all alike when they are unknown)",
    scenarios=VECTORS,
)
@each_success
def dims(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    vectors = vectors_of(ctx, payload, output)
    if not vectors:
        return False
    lengths = [len(v) if isinstance(v, list) else None for v in vectors]
    wanted = ctx.model.dims if ctx.model.dims is not None else lengths[0]
    for index, length in enumerate(lengths):
        if length != wanted:
            raise CheckFailed(
                f"vector {index} has {length} values, expected {wanted}"
                + ("" if length is not None else " (not a list of numbers)"),
                expected=wanted,
                actual=length,
                exchange=exchange,
            )
    return True


def _scores(output: Any) -> list[Any]:
    if isinstance(output, dict) and isinstance(output.get("response"), list):
        return [s.get("score") for s in output["response"] if isinstance(s, dict)]
    return []


@check("finite-values", "every vector value and score is a finite number", scenarios=VECTORS)
@each_success
def finite_values(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    vectors = [v for v in vectors_of(ctx, payload, output) or [] if isinstance(v, list)]
    scores = _scores(output)
    if not vectors and not scores:
        return False
    bad = [f"vector {i}" for i, v in enumerate(vectors) if not finite(v)]
    bad += ["a score"] if not finite(scores) else []
    if bad or exchange.json.nonstandard:
        raise CheckFailed(
            f"non-finite value in {', '.join(bad[:3]) or 'the body'}",
            expected="finite numbers",
            actual=list(exchange.json.nonstandard) or "NaN/Infinity",
            exchange=exchange,
        )
    return True


@check(
    "pooling-echoed",
    "replies name the pooling used: the one asked for, else the schema default",
    profiles=MODEL_PROFILES,
    scenarios=("embed", "pooling"),
)
@each_success
def pooling_echoed(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    record = ctx.model.record
    if record is None or not record.pooling or payload.expects != "EmbeddingOutput":
        return False
    if not isinstance(output, dict) or (not payload.pooling and "pooling" not in output):
        return False  # nothing asked, nothing claimed
    wanted = payload.pooling or input_limits(record.id).pooling_default
    if output.get("pooling") != wanted:
        raise CheckFailed(
            f"asked for pooling {payload.pooling or '(default)'}, reply says "
            f"{short(output.get('pooling', '(no pooling key)'))}",
            expected=wanted,
            actual=output.get("pooling"),
            exchange=exchange,
        )
    return True


@check(
    "score-ids",
    "bge-m3 query scores carry each context index exactly once",
    profiles=MODEL_PROFILES,
    scenarios=("contexts",),
)
@each_success
def score_ids(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    scores = output.get("response") if isinstance(output, dict) else None
    if payload.expects != "QueryScoresOutput" or not isinstance(scores, list):
        return False
    ids = [s.get("id") if isinstance(s, dict) else None for s in scores]
    expected = list(range(payload.count))
    if sorted(map(repr, ids)) != sorted(map(repr, expected)):  # the same ids, each once
        raise CheckFailed(
            f"{payload.count} contexts scored with ids {short(ids)}",
            expected=expected,
            actual=ids,
            exchange=exchange,
        )
    return True
