"""OpenAI-compatible `/v1/embeddings`: what SDKs rely on beyond the JSON Schema."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    check,
    each_pair,
    each_success,
    excerpt,
    is_client_error,
    short,
    successes,
)
from embedcheck.conformance.checks.extract import as_floats, cosine, decode_float32, is_number
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload

OPENAI = ("openai",)
SUCCESSES = ("openai-embed", "determinism", "batch", "usage")


def _data(output: Any) -> list[Any] | None:
    data = output.get("data") if isinstance(output, dict) else None
    return data if isinstance(data, list) else None


@check(
    "openai-object",
    'the reply says object "list" and each item object "embedding"',
    profiles=OPENAI,
    scenarios=SUCCESSES,
)
@each_success
def openai_object(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    if not isinstance(output, dict):
        return False
    kinds = [i.get("object") if isinstance(i, dict) else None for i in _data(output) or []]
    if output.get("object") != "list" or any(k != "embedding" for k in kinds):
        raise CheckFailed(
            f"object {short(output.get('object'))}, items {short(kinds)}",
            expected={"object": "list", "data[].object": "embedding"},
            actual={"object": output.get("object"), "data[].object": kinds},
            exchange=exchange,
        )
    return True


@check(
    "openai-index",
    "data[i].index == i: items in input order, numbered from 0",
    profiles=OPENAI,
    scenarios=SUCCESSES,
)
@each_success
def openai_index(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    data = _data(output)
    if data is None:
        return False
    indexes = [item.get("index") if isinstance(item, dict) else None for item in data]
    if indexes != list(range(len(data))):
        raise CheckFailed(
            f"indexes {short(indexes)}",
            expected=list(range(len(data))),
            actual=indexes,
            exchange=exchange,
        )
    return True


@check(
    "openai-usage",
    "replies carry usage.prompt_tokens and usage.total_tokens",
    profiles=OPENAI,
    scenarios=SUCCESSES,
)
@each_success
def openai_usage(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    if not isinstance(output, dict):
        return False
    usage = output.get("usage")
    fields = usage if isinstance(usage, dict) else {}
    if not all(isinstance(fields.get(k), int) for k in ("prompt_tokens", "total_tokens")):
        raise CheckFailed(
            f"usage is {short(usage) if 'usage' in output else 'missing'}",
            expected={"prompt_tokens": "int", "total_tokens": "int"},
            actual=usage,
            exchange=exchange,
        )
    return True


def _embeddings(output: Any) -> list[Any]:
    return [
        item.get("embedding") if isinstance(item, dict) else None for item in _data(output) or []
    ]


@check(
    "openai-base64",
    "encoding_format is honoured: base64 decodes to dims x float32 equal to the float reply",
    profiles=OPENAI,
    scenarios=SUCCESSES,
)
def openai_base64(ctx: CheckContext, outcome: Outcome) -> bool:
    judged = False
    replies = list(successes(ctx, outcome))
    floats = next(
        (_embeddings(o) for p, _, o in replies if p.body.get("encoding_format") == "float"), None
    )
    for payload, exchange, output in replies:
        encoding = payload.body.get("encoding_format", "float")
        embeddings = _embeddings(output)
        if not embeddings:
            continue
        judged = True
        for index, embedding in enumerate(embeddings):
            if encoding == "float":
                if not isinstance(embedding, list):
                    raise CheckFailed(
                        f"float encoding asked, embedding {index} is {type(embedding).__name__}",
                        expected="a list of numbers",
                        actual=short(embedding, 80),
                        exchange=exchange,
                    )
                continue
            _judge_base64(ctx, index, embedding, floats, exchange)
    return judged


def _judge_base64(
    ctx: CheckContext, index: int, embedding: Any, floats: list[Any] | None, exchange: Exchange
) -> None:
    decoded = decode_float32(embedding) if isinstance(embedding, str) else None
    if decoded is None:
        raise CheckFailed(
            f"base64 asked, embedding {index} is {short(embedding, 80)}",
            expected="a base64 string of little-endian float32 values",
            actual=type(embedding).__name__,
            exchange=exchange,
        )
    twin = floats[index] if floats is not None and index < len(floats) else None
    wanted = ctx.model.dims or (len(twin) if isinstance(twin, list) else None)
    if wanted is not None and len(decoded) != wanted:
        raise CheckFailed(
            f"base64 embedding {index} decodes to {len(decoded)} float32 values",
            expected=wanted,
            actual=len(decoded),
            exchange=exchange,
        )
    if not (isinstance(twin, list) and len(twin) == len(decoded)):
        return
    reference = as_floats([x if is_number(x) else math.nan for x in twin])
    if reference is None or not np.isfinite(reference).all():
        return  # a non-finite float reply is finite-values' finding
    # Up to the batch tolerance, not bit for bit: a nondeterministic server is determinism's
    # finding. A wrong byte order or element type decodes to noise or NaN.
    similarity = cosine(np.asarray(decoded), reference)
    if not similarity >= ctx.tolerances.batch_cosine:
        raise CheckFailed(
            f"base64 embedding {index} decodes to values unlike the float reply "
            f"(cosine {similarity:.6f})",
            expected=f"cosine >= {ctx.tolerances.batch_cosine}",
            actual=similarity if math.isfinite(similarity) else "NaN/Infinity decoded",
            exchange=exchange,
        )


@check(
    "openai-encoding-rejected",
    "an encoding_format other than float or base64 gets a 4xx",
    profiles=OPENAI,
    scenarios=("openai-reject",),
)
@each_pair
def openai_encoding_rejected(ctx: CheckContext, payload: Payload, exchange: Exchange) -> bool:
    if payload.valid or payload.field != "/encoding_format":
        return False
    if not is_client_error(exchange):
        raise CheckFailed(
            f"encoding_format {short(payload.body.get('encoding_format'))} answered HTTP "
            f"{exchange.status}: {excerpt(exchange, 120)}",
            expected="4xx",
            actual=exchange.status,
            exchange=exchange,
        )
    return True
