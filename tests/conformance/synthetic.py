"""Outcomes built by hand, so checks can be judged without a server."""

from __future__ import annotations

import json
from typing import Any

from embedcheck.conformance.checks import Case, CheckContext, Outcome
from embedcheck.conformance.generation.strategies import Payload
from embedcheck.conformance.http.transport import Exchange, Request
from embedcheck.conformance.profiles import Target, model_spec


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
