"""Reading a request body: size-capped while streaming, then parsed as JSON."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from embedcheck.conformance.mock.errors import BAD_INPUT, MISSING_BODY, TOO_LARGE, ApiError
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


def parse_json(body: bytes) -> Any:
    if not body.strip():
        raise ApiError(400, MISSING_BODY, "Missing request body: send the model input as JSON")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        message = clipped(f"AiError: Bad input: the body is not valid JSON: {exc}")
        raise ApiError(400, BAD_INPUT, message) from None


async def read_json(request: Request, limit: int) -> tuple[Any, int]:
    """The parsed body and its size in bytes."""
    body = await read_body(request, limit)
    return parse_json(body), len(body)
