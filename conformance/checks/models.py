"""Model names: a name that exists nowhere must be refused, not served by some other model.

How bad serving it is depends on what the contract says of names. In the OpenAI body, the
request schema decides: where it names the models (an enum, a pattern), an unknown name is
invalid input and serving it breaks the contract (a failure); where any string is valid
(OpenAI's own schema), the contract is silent and the server merely ignores the name. A user
should still know (their typo is served by another model, billed and cached under the wrong
name): a warning, failing only with --strict. In the URL, the profile decides: Cloudflare
documents its errors for unknown models (a failure), a user's own Worker does not (a warning).
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
    "a model name that exists nowhere (in the body or the URL) gets a 4xx, not another "
    "model's vectors",
    scenarios=("unknown-model",),
)
@each_pair
def unknown_model_rejected(ctx: CheckContext, payload: Payload, exchange: Exchange) -> bool:
    body_name = payload.body.get("model") if isinstance(payload.body, dict) else None
    name = payload.route_model or body_name
    if name == ctx.model.name:
        return False
    if is_client_error(exchange):
        return True  # the error body's shape is error-body's finding
    if not is_success(exchange):
        return False  # 3xx and 5xx are responds' and no-5xx's findings
    served = _served(ctx, payload, exchange)
    documented = ctx.target.kind.unknown_model_error
    if payload.route_model:
        broken, why = bool(documented), documented or "the API says nothing of unknown names"
    elif compiled(*payload.schema).is_valid(payload.body):
        broken, why = False, "the request schema allows any model name, so the name was ignored"
    else:
        broken, why = True, "the request schema does not allow that name"
    finding = CheckFailed if broken else CheckWarning
    raise finding(
        f"model {short(name)}, which does not exist, was served: HTTP {exchange.status} with "
        f"{served['vectors']} vector(s) of {short(served['dims'])} dims, reply model "
        f"{short(served['model'])} ({why})",
        expected="4xx (404 model_not_found, or 400)",
        actual=served,
        exchange=exchange,
    )
