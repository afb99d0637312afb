"""One error type for every refusal the mock makes; each route renders it in its own wire shape."""

from __future__ import annotations

# Cloudflare codes (wire-facts): 10000 auth, 3003 missing body, 3006 too large, 5006 bad input,
# 5007 no such model, 7003 no such object (an unknown request_id here), 5000 internal error.
AUTH = 10000
MISSING_BODY = 3003
TOO_LARGE = 3006
BAD_INPUT = 5006
NO_SUCH_MODEL = 5007
NOT_FOUND = 7003
INTERNAL = 5000


class ApiError(Exception):
    """A refusal with its HTTP status, Cloudflare code, and the OpenAI `param`/`code` fields."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        param: str | None = None,
        openai_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.openai_code = openai_code

    @property
    def openai_type(self) -> str:
        if self.status >= 500:
            return "server_error"
        if self.status == 401:
            return "authentication_error"
        return "invalid_request_error"


def authentication_error() -> ApiError:
    return ApiError(401, AUTH, "Authentication error", openai_code="invalid_api_key")


def no_such_model(name: str) -> ApiError:
    return ApiError(400, NO_SUCH_MODEL, f"No such model {name} or task", param="model")
