"""Model names: a name that exists nowhere must be refused, not served by some other model."""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    check,
    each_pair,
    is_client_error,
    is_success,
    short,
)
from embedcheck.conformance.checks.extract import vectors_of
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Payload


def _served(ctx: CheckContext, payload: Payload, exchange: Exchange) -> dict[str, Any]:
    """What came back for the unknown name: status, the model the reply names, vector sizes."""
    output = ctx.output(exchange)
    vectors = vectors_of(ctx, payload, output) or []
    named = output.get("model") if isinstance(output, dict) else None
    return {
        "status": exchange.status,
        "model": named,
        "vectors": len(vectors),
        "dims": sorted({len(v) for v in vectors if isinstance(v, list)}),
    }


@check(
    "unknown-model-rejected",
    "a model name that exists nowhere gets a 4xx (404 or 400), not another model's vectors",
    profiles=("openai",),
    scenarios=("unknown-model",),
)
@each_pair
def unknown_model_rejected(ctx: CheckContext, payload: Payload, exchange: Exchange) -> bool:
    name = payload.body.get("model") if isinstance(payload.body, dict) else None
    if name == ctx.model.name:
        return False
    if is_client_error(exchange):
        return True  # the error body's shape is error-body's finding
    if not is_success(exchange):
        return False  # 3xx and 5xx are responds' and no-5xx's findings
    served = _served(ctx, payload, exchange)
    raise CheckFailed(
        f"model {short(name)}, which does not exist, was served: HTTP {exchange.status} with "
        f"{served['vectors']} vector(s) of {short(served['dims'])} dims, reply model "
        f"{short(served['model'])}",
        expected="4xx (404 model_not_found, or 400)",
        actual=served,
        exchange=exchange,
    )
