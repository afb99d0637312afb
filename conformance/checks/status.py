"""Checks on the HTTP layer: a reply came, its status class and its content type."""

from __future__ import annotations

from embedcheck.conformance.checks.base import (
    ACCEPTING,
    NOT_ABOUT_INPUT,
    REJECTING,
    CheckContext,
    CheckFailed,
    check,
    each_exchange,
    each_pair,
    each_reply,
    excerpt,
    is_client_error,
    is_success,
    judged_elsewhere,
)
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload

JSON_ERRORS = ("workers-ai", "openai")  # profiles whose error bodies are JSON by contract


@check(
    "responds",
    "a complete HTTP reply arrives in time: no hang, reset, oversize or redirect",
    partial=True,
)
def responds(ctx: CheckContext, outcome: Outcome) -> bool:
    sent = [e for e in outcome.all_exchanges if not e.skipped]
    for exchange in sent:
        if exchange.error:
            raise CheckFailed(
                exchange.error,
                expected="a complete reply",
                actual=exchange.error_kind,
                exchange=exchange,
            )
        status = exchange.status or 0
        if 300 <= status < 400:
            where = exchange.header("location") or "(no Location)"
            raise CheckFailed(
                f"HTTP {status} redirect to {where}; not followed, so the token stays here",
                expected="a final reply, not a redirect",
                actual=status,
                exchange=exchange,
            )
    return bool(sent)


@check("no-5xx", "no request, valid or not, gets a 5xx status")
@each_exchange
def no_server_error(ctx: CheckContext, exchange: Exchange) -> bool:
    if exchange.status is not None and exchange.status >= 500:
        raise CheckFailed(
            f"HTTP {exchange.status}: {excerpt(exchange)}",
            expected="a status below 500",
            actual=exchange.status,
            exchange=exchange,
        )
    return True


@check("valid-accepted", "a payload the input schema accepts gets a 2xx reply", scenarios=ACCEPTING)
@each_pair
def valid_accepted(ctx: CheckContext, payload: Payload, exchange: Exchange) -> bool:
    if not payload.valid or payload.auth or judged_elsewhere(exchange):
        return False
    if not payload.unicode_text:
        return False  # a lone surrogate, a noncharacter, NUL: a 4xx is as right as a 2xx
    if not is_success(exchange):
        raise CheckFailed(
            f"{payload.describe()} refused with HTTP {exchange.status}: {excerpt(exchange)}",
            expected="2xx",
            actual=exchange.status,
            exchange=exchange,
        )
    return True


@check(
    "invalid-rejected", "a payload the input schema refuses gets a 4xx reply", scenarios=REJECTING
)
@each_reply
def invalid_rejected(ctx: CheckContext, payload: Payload, exchange: Exchange) -> bool:
    if payload.valid or judged_elsewhere(exchange):
        return False
    if exchange.status in NOT_ABOUT_INPUT:
        raise CheckFailed(
            f"{payload.describe()} answered HTTP {exchange.status} "
            f"({NOT_ABOUT_INPUT[exchange.status]}), which is about the route or the credentials, "
            f"not a rejection of the input: {excerpt(exchange)}",
            expected="4xx about the input (400, 413, 422)",
            actual=exchange.status,
            exchange=exchange,
        )
    if not is_client_error(exchange):
        raise CheckFailed(
            f"{payload.describe()} answered HTTP {exchange.status} instead of a 4xx: "
            f"{excerpt(exchange)}",
            expected="4xx",
            actual=exchange.status,
            exchange=exchange,
        )
    return True


def _is_json_media(media: str) -> bool:
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


@check("content-type", "JSON replies say `Content-Type: application/json`")
@each_exchange
def content_type(ctx: CheckContext, exchange: Exchange) -> bool:
    if not (is_success(exchange) or (is_client_error(exchange) and ctx.profile in JSON_ERRORS)):
        return False
    if not _is_json_media(exchange.content_type):
        raise CheckFailed(
            f"HTTP {exchange.status} labelled {exchange.header('content-type')!r}",
            expected="application/json",
            actual=exchange.header("content-type"),
            exchange=exchange,
        )
    return True


@check("json-body", "successful replies are JSON (RFC 8259: no NaN or Infinity tokens)")
@each_exchange
def json_body(ctx: CheckContext, exchange: Exchange) -> bool:
    if not is_success(exchange):
        return False
    parsed = exchange.json
    if not parsed.ok:
        raise CheckFailed(
            parsed.problem, expected="JSON", actual=excerpt(exchange), exchange=exchange
        )
    if parsed.nonstandard:
        raise CheckFailed(
            f"body uses {', '.join(parsed.nonstandard)}, which JSON does not have",
            expected="JSON numbers only",
            actual=list(parsed.nonstandard),
            exchange=exchange,
        )
    return True
