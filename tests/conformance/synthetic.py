"""Outcomes built by hand, so checks can be judged without a server."""

from __future__ import annotations

import json
from typing import Any

from embedcheck.conformance.checks import CheckContext
from embedcheck.conformance.generation import payloads as P
from embedcheck.conformance.generation.limits import ModelLimits
from embedcheck.conformance.http.transport import Exchange, Request
from embedcheck.conformance.profiles import Target, model_spec
from embedcheck.conformance.vocabulary import Case, Outcome, Payload
from embedcheck.schemas.layout import BATCH, CONTEXTS, TEXTS, InputVariant


def context(profile: str = "workers-ai", model: str = "bge-small-en-v1.5") -> CheckContext:
    spec = model_spec(model, known_only=profile != "openai")
    target = Target(profile, "http://127.0.0.1:9", (spec,), "tok", "acct")
    return CheckContext(target, spec)


def reply(
    status: int,
    body: Any,
    *,
    content_type: str = "application/json",
    envelope: bool = False,
    raw: bytes | None = None,
    **extra: Any,
) -> Exchange:
    if envelope:
        body = {"result": body, "success": True, "errors": [], "messages": []}
    content = raw if raw is not None else json.dumps(body).encode()
    return Exchange(
        request=Request("POST", "http://127.0.0.1:9/x", (), {}),
        status=status,
        headers=(("content-type", content_type),),
        body=content,
        **extra,
    )


def outcome(
    scenario: str, payloads: list[Payload], exchanges: list[Exchange], **kw: Any
) -> Outcome:
    return Outcome(Case(scenario, tuple(payloads)), tuple(exchanges), **kw)


def unit(dims: int, seed: int) -> list[float]:
    import numpy as np

    rng = np.random.default_rng(seed)
    vector = rng.normal(size=dims)
    result: list[float] = (vector / np.linalg.norm(vector)).tolist()
    return result


def _variant(lim: ModelLimits, kind: str) -> InputVariant:
    found = lim.layout.first(kind)
    assert found is not None, f"{lim.subject} has no {kind} variant"
    return found


def embed_payload(lim: ModelLimits, text: str | list[str], pooling: str = "") -> Payload:
    """A valid input of the model's texts variant (`pooling` asked for when given)."""
    variant = _variant(lim, TEXTS)
    form = next(f for f in lim.forms(variant) if (f.items is not None) == isinstance(text, list))
    return P.texts_payload(lim, variant, text, {"pooling": pooling} if pooling else {}, form.name)


def contexts_payload(lim: ModelLimits, contexts: list[str], query: str | None) -> Payload:
    return P.contexts_payload(lim, _variant(lim, CONTEXTS), contexts, query)


def batch_payload(lim: ModelLimits, items: list[Payload]) -> Payload:
    return P.batch_payload(lim, _variant(lim, BATCH), items)
