"""Bodies on the wire: orjson for speed, the v4 envelope, and the three error shapes.

The faults that change how a reply is framed (envelope, status, content type, NaN literal,
error body) live here, so route code never branches on them.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
from starlette.responses import Response

from embedcheck.conformance.mock import json_text
from embedcheck.conformance.mock.errors import ApiError

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


class Renderer:
    def __init__(self, faults: frozenset[str]) -> None:
        self.faults = faults

    def dumps(self, payload: Any) -> bytes:
        if "nan-in-output" in self.faults:
            # orjson writes NaN as null; the bug being modelled writes the bare token `NaN`.
            return json.dumps(payload, default=_plain, separators=(",", ":")).encode()
        return json_text.dumps(payload)

    def success(self, payload: Any, headers: dict[str, str] | None = None) -> Response:
        media = TEXT if "wrong-content-type" in self.faults else JSON
        return Response(self.dumps(payload), 200, headers, media_type=media)

    def envelope(self, result: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"result": result, "success": True, "errors": [], "messages": []}
        if "envelope-missing-success" in self.faults:
            del body["success"]
        return body

    def v4_success(self, result: Any) -> Response:
        return self.success(self.envelope(result))

    def _error_status(self, error: ApiError) -> int:
        if "error-status-200" in self.faults and error.status != 401:
            return 200
        return error.status

    def _framed_error(self, error: ApiError, body: Any) -> Response:
        status = self._error_status(error)
        if "error-plain-body" in self.faults:
            return Response(error.message, status, media_type=TEXT)
        return Response(orjson.dumps(body), status, media_type=JSON)

    def v4_error(self, error: ApiError) -> Response:
        body: dict[str, Any] = {
            "result": None,
            "success": False,
            "errors": [{"code": error.code, "message": error.message}],
            "messages": [],
        }
        if "envelope-missing-success" in self.faults:
            del body["success"]
        return self._framed_error(error, body)

    def worker_error(self, error: ApiError, *, keep_status: bool = False) -> Response:
        """What a Worker's `catch (e) { return Response.json({error: e.message}, {status: 400}) }`
        sends (401 and 413 keep their status; the Worker's own checks would)."""
        if not keep_status and error.status not in (401, 413):
            error = _as_400(error)
        return self._framed_error(error, {"error": error.message})

    def openai_error(self, error: ApiError, headers: dict[str, str]) -> Response:
        body: dict[str, Any]
        if "openai-flat-error" in self.faults:
            body = {"message": error.message}
        else:
            body = {
                "error": {
                    "message": error.message,
                    "type": error.openai_type,
                    "param": error.param,
                    "code": error.openai_code,
                }
            }
        return Response(orjson.dumps(body), error.status, headers, media_type=JSON)


def _as_400(error: ApiError) -> ApiError:
    if error.status == 400 or error.status >= 500:
        return error
    return ApiError(400, error.code, error.message, param=error.param)
