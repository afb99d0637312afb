"""GET one JSON document for `schemas sync`: every failure is one line, secrets masked.

Unreachable hosts, timeouts, non-2xx replies, oversized or non-JSON bodies all become a
`FetchError` (a SchemaError, so the CLI prints one line and exits 2). The API token may sit
in a header; no message built here carries it, and every message is masked anyway in case a
server echoes it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from embedcheck.schemas.errors import SchemaError

MAX_BODY_BYTES = 5 * 1024 * 1024  # a schema is a few kB; more is a broken or hostile reply
_SHOWN_ERROR_CHARS = 200
_REVEALED_TAIL = 4
_MIN_LENGTH_TO_REVEAL_TAIL = 16


class FetchError(SchemaError):
    """An upstream schema that could not be fetched or is not what was expected."""


def masked(secret: str) -> str:
    """How a secret is shown: `****` plus at most its last 4 characters (for long secrets)."""
    if len(secret) >= _MIN_LENGTH_TO_REVEAL_TAIL:
        return "****" + secret[-_REVEALED_TAIL:]
    return "****"


def mask(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` masked.

    Repeats because a revealed tail followed by the right text can spell the secret again;
    each pass shortens the text, so the loop ends.
    """
    if not secret:
        return text
    shown = masked(secret)
    for _ in range(len(text) + 1):
        if secret not in text:
            break
        text = text.replace(secret, shown)
    return text


def _one_line(text: str, limit: int = _SHOWN_ERROR_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error_hint(body: bytes) -> str:
    """What a Cloudflare v4 error envelope says, if the reply is one."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    return envelope_errors(value)


def envelope_errors(value: Any) -> str:
    """`code N: message` for each entry of a v4 envelope's `errors` list, or ""."""
    errors = value.get("errors") if isinstance(value, dict) else None
    if not isinstance(errors, list):
        return ""
    parts = []
    for error in errors:
        if isinstance(error, dict):
            code = error.get("code")
            message = str(error.get("message", ""))
            parts.append(f"code {code}: {message}" if code is not None else message)
    return _one_line("; ".join(parts))


@dataclass
class JsonGetter:
    """GETs JSON documents through one httpx client; `secret` is masked in every message."""

    client: httpx.Client
    secret: str | None = field(default=None, repr=False)

    def fail(self, message: str) -> FetchError:
        return FetchError(mask(message, self.secret))

    def get(
        self,
        url: str,
        *,
        shown_url: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[bytes, Any]:
        """The body's bytes and its decoded JSON value."""
        try:
            with self.client.stream("GET", url, params=params, headers=headers) as response:
                body = self._read_capped(response, shown_url)
        except httpx.TimeoutException:
            raise self.fail(f"{shown_url}: timed out ({self._timeout()})") from None
        except httpx.ConnectError as exc:
            raise self.fail(f"{shown_url}: cannot connect ({_one_line(str(exc))})") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise self.fail(f"{shown_url}: {type(exc).__name__}: {_one_line(str(exc))}") from None
        if not response.is_success:
            hint = _error_hint(body)
            reason = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
            raise self.fail(f"{shown_url}: {reason}" + (f" ({hint})" if hint else ""))
        try:
            return body, json.loads(body)
        except (ValueError, UnicodeDecodeError):
            kind = response.headers.get("content-type", "no content-type")
            raise self.fail(f"{shown_url}: the reply is not JSON ({kind})") from None

    def _read_capped(self, response: httpx.Response, shown_url: str) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise self.fail(f"{shown_url}: the reply is larger than {MAX_BODY_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _timeout(self) -> str:
        seconds = self.client.timeout.read
        return f"no reply within {seconds:g} s" if seconds is not None else "timed out"
