"""Reading a request body: size-capped while streaming, then parsed as JSON."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.requests import Request

from embedcheck.conformance.mock.errors import (
    BAD_INPUT,
    INTERNAL,
    MISSING_BODY,
    TOO_LARGE,
    ApiError,
)
from embedcheck.conformance.mock.validation import clipped


def too_large(limit: int) -> ApiError:
    message = f"Request is too large (the limit is {limit} bytes)"
    return ApiError(413, TOO_LARGE, message, openai_code="request_too_large")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit`: from Content-Length
    before reading, or while streaming (a chunked upload declares no length)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_lone_surrogate(body: bytes) -> bool:
    """Whether the JSON text parses only with a lone surrogate in a string (`"\\ud800"` is
    JSON syntax, but no character: orjson refuses it, Python's json takes it)."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    return bool(_LONE_SURROGATE.search(json.dumps(value, ensure_ascii=False)))


def parse_json(body: bytes, faults: frozenset[str] = frozenset()) -> Any:
    """The JSON value; a 400 for a body that is none (a lone surrogate included: no text), or
    with the fault `surrogate-500`, a 500 for that one."""
    if not body.strip():
        raise ApiError(400, MISSING_BODY, "Missing request body: send the model input as JSON")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "surrogate-500" in faults and _holds_lone_surrogate(body):
            raise ApiError(
                500, INTERNAL, "Internal server error", openai_code="server_error"
            ) from None
        message = clipped(f"AiError: Bad input: the body is not valid JSON: {exc}")
        raise ApiError(400, BAD_INPUT, message) from None


async def read_json(
    request: Request, limit: int, faults: frozenset[str] = frozenset()
) -> tuple[Any, int]:
    """The parsed body and its size in bytes."""
    body = await read_body(request, limit)
    return parse_json(body, faults), len(body)
