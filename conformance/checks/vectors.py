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
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Payload

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


def _scores(payload: Payload, output: Any) -> list[Any]:
    """The numbers of a scores reply: the one number of each score object."""
    found = output.get(payload.scores) if payload.scores and isinstance(output, dict) else None
    if not isinstance(found, list):
        return []
    numbers = [[v for v in s.values() if type(v) is float] for s in found if isinstance(s, dict)]
    return [n[0] for n in numbers if n]


@check("finite-values", "every vector value and score is a finite number", scenarios=VECTORS)
@each_success
def finite_values(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    vectors = [v for v in vectors_of(ctx, payload, output) or [] if isinstance(v, list)]
    scores = _scores(payload, output)
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
    "replies name the settings that shape vectors (pooling): the one asked for, else the default",
    profiles=MODEL_PROFILES,
    scenarios=("embed", "pooling"),
    wants=lambda payload: bool(payload.echo),
)
@each_success
def pooling_echoed(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    if not payload.echo or not isinstance(output, dict):
        return False
    judged = False
    for key, wanted, asked in payload.echo:
        if not asked and key not in output:
            continue  # nothing asked, nothing claimed
        judged = True
        if output.get(key) != wanted:
            raise CheckFailed(
                f"asked for {key} {wanted if asked else '(default)'}, reply says "
                f"{short(output.get(key, f'(no {key} key)'))}",
                expected=wanted,
                actual=output.get(key),
                exchange=exchange,
            )
    return judged


@check(
    "score-ids",
    "query scores carry each context index exactly once",
    profiles=MODEL_PROFILES,
    scenarios=("contexts",),
)
@each_success
def score_ids(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    scores = output.get(payload.scores) if payload.scores and isinstance(output, dict) else None
    if not isinstance(scores, list):
        return False
    key = payload.score_id
    if not key:
        return False
    ids = [s.get(key) if isinstance(s, dict) else None for s in scores]
    expected = list(range(payload.count))
    if sorted(map(repr, ids)) != sorted(map(repr, expected)):  # the same ids, each once
        raise CheckFailed(
            f"{payload.count} contexts scored with ids {short(ids)}",
            expected=expected,
            actual=ids,
            exchange=exchange,
        )
    return True
