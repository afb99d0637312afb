"""Checks of reply bodies against the effective schemas: the model output, envelope, errors."""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.checks.base import (
    ACCEPTING,
    NOT_ABOUT_INPUT,
    CheckContext,
    CheckFailed,
    check,
    each_exchange,
    each_success,
    excerpt,
    is_client_error,
    is_success,
)
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.profiles.kinds import KINDS
from embedcheck.conformance.vocabulary import Payload
from embedcheck.schemas.validators import compiled

ERROR_SCHEMAS = {p.name: p.error_schema for p in KINDS.values() if p.error_schema is not None}


def output_schema(ctx: CheckContext) -> tuple[str, str]:
    if ctx.target.kind.openai_dialect:
        return ("openai-embeddings", "response")
    assert ctx.model.record is not None, "model profiles only run models with a record"
    return (ctx.model.record.id, "output")


@check(
    "response-schema",
    "the output fits the effective output schema, as the variant expected",
    scenarios=ACCEPTING,
)
@each_success
def response_schema(ctx: CheckContext, payload: Payload, exchange: Exchange, output: Any) -> bool:
    schema = compiled(*output_schema(ctx))
    problem = schema.problem(output)
    if problem:
        raise CheckFailed(
            problem, expected="a valid output", actual=excerpt(exchange), exchange=exchange
        )
    if payload.expects and schema.variants:
        fits = schema.matching(output)
        if fits != [payload.expects]:
            raise CheckFailed(
                f"{payload.describe()} answered with {fits or 'no variant'}, "
                f"expected {payload.expects}",
                expected=payload.expects,
                actual=fits,
                exchange=exchange,
            )
    return True


@check(
    "envelope",
    "Workers AI success replies are the v4 envelope: success true, errors [], messages, result",
    profiles=("workers-ai",),
)
@each_exchange
def envelope(ctx: CheckContext, exchange: Exchange) -> bool:
    if not (is_success(exchange) and exchange.json.ok):
        return False
    problem = compiled("cloudflare-v4", "success").problem(exchange.json.value)
    if problem:
        raise CheckFailed(
            f"HTTP {exchange.status} body is not a success envelope: {problem}",
            expected="v4 success envelope",
            actual=excerpt(exchange),
            exchange=exchange,
        )
    return True


@check(
    "error-body",
    "4xx replies carry the profile's JSON error shape (v4 error envelope; OpenAI {error: {...}})",
    profiles=tuple(ERROR_SCHEMAS),
)
@each_exchange
def error_body(ctx: CheckContext, exchange: Exchange) -> bool:
    # 401/403/404/405 say the route or the credentials are wrong (the preflight's business):
    # an error body on those is no evidence about how invalid input is answered.
    if not is_client_error(exchange) or exchange.status in NOT_ABOUT_INPUT:
        return False
    schema = compiled(*ERROR_SCHEMAS[ctx.profile])
    parsed = exchange.json
    problem = parsed.problem if not parsed.ok else schema.problem(parsed.value)
    if problem:
        raise CheckFailed(
            f"HTTP {exchange.status} error body: {problem}",
            expected=f"{schema.schema.get('title', 'error')} JSON",
            actual=excerpt(exchange),
            exchange=exchange,
        )
    return True
