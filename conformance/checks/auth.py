"""Credentials: a request without the token, or with a wrong one, is refused."""

from __future__ import annotations

from embedcheck.conformance.checks.base import CheckContext, CheckFailed, check, each_pair, excerpt
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Payload

REFUSALS = (401, 403)


@check(
    "auth-required",
    "requests without a token or with a wrong one get 401/403",
    scenarios=("auth",),
)
@each_pair
def auth_required(ctx: CheckContext, payload: Payload, exchange: Exchange) -> bool:
    if not payload.auth:
        return False
    if exchange.status not in REFUSALS:
        what = "no token" if payload.auth == "none" else "a wrong token"
        raise CheckFailed(
            f"a request with {what} got HTTP {exchange.status}: {excerpt(exchange, 120)}",
            expected="401 or 403",
            actual=exchange.status,
            exchange=exchange,
        )
    return True
