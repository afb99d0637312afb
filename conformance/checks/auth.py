"""Credentials: a request without the token, or with a wrong one, is refused."""

from __future__ import annotations

from embedcheck.conformance.checks.base import CheckContext, CheckFailed, check, each_pair, excerpt
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Payload

REFUSALS = (401, 403)
SKIP_HINT = "--exclude-checks auth-required"


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
        message = f"a request with {what} got HTTP {exchange.status}: {excerpt(exchange, 120)}"
        if exchange.status is not None and 200 <= exchange.status < 300:
            # The usual cause: a key passed to a server that checks none (a local server).
            message = (
                f"a request with {what} was served (HTTP {exchange.status}): this server does "
                f"not check credentials, although a token was given; if it is meant to be open, "
                f"skip this check with {SKIP_HINT}"
            )
        raise CheckFailed(message, expected="401 or 403", actual=exchange.status, exchange=exchange)
    return True
