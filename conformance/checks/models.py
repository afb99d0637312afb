"""Model names: a name that exists nowhere must be refused, not served by some other model.

How bad serving it is depends on what the request schema says of `model`. Where it names the
models (an enum, a pattern), an unknown name is invalid input and serving it breaks the
contract: a failure. Where any string is valid (OpenAI's own schema), the contract is silent
and the server merely ignores the name; a user should still know (their typo is served by
another model, billed and cached under the wrong name): a warning, failing only with --strict.
"""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    CheckWarning,
    check,
    each_pair,
    is_client_error,
    is_success,
    short,
)
from embedcheck.conformance.checks.extract import vectors_of
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Payload
from embedcheck.schemas.validators import compiled


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
    allowed = compiled(*payload.schema).is_valid(payload.body)
    finding = CheckWarning if allowed else CheckFailed
    why = (
        "the request schema allows any model name, so the name was ignored"
        if allowed
        else "the request schema does not allow that name"
    )
    raise finding(
        f"model {short(name)}, which does not exist, was served: HTTP {exchange.status} with "
        f"{served['vectors']} vector(s) of {short(served['dims'])} dims, reply model "
        f"{short(served['model'])} ({why})",
        expected="4xx (404 model_not_found, or 400)",
        actual=served,
        exchange=exchange,
    )
