"""One HTTP exchange at a time, safe against a hostile server.

Every call returns an `Exchange`: a response or a named transport failure, never an exception.
Bodies are read as a stream and cut at `max_body` bytes; the whole exchange has a deadline, so a
server that trickles bytes cannot hold a worker; redirects are never followed (the token would go
with them); 429 and 503 are retried, honouring `Retry-After`, then marked inconclusive.
Proxy and CAs come from `network.NetworkOptions`; a connection that cannot be set up for a
reason the user can fix (scheme, CA, proxy, HTTP/2-only server) fails as "connect" with one
line saying what to change (`diagnose`).
"""

from __future__ import annotations

import email.utils
import json
import math
import socket
import ssl
import time
import zlib
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import orjson

from embedcheck.conformance.http import diagnose
from embedcheck.conformance.http.connections import ConnectionPool, split_url
from embedcheck.conformance.http.http11 import (
    BrokenReply,
    Closed,
    Connection,
    ForeignProtocol,
    Origin,
    ProxyFailure,
    Response,
    header_value,
)
from embedcheck.conformance.http.network import NetworkOptions
from embedcheck.conformance.http.ratelimit import RateLimiter

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BODY = 8 * 1024 * 1024  # 100 texts x 1024 dims as JSON is about 2 MB
RETRY_STATUSES = frozenset({429, 503})
NO_BODY: Any = object()
USER_AGENT = "embedcheck"


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = NO_BODY  # a JSON value
    label: str = ""  # what this request is for, e.g. "batch" or "single #2"

    def content(self) -> bytes | None:
        return self._content

    @cached_property
    def _content(self) -> bytes | None:
        # Encoded once: the request is sent, logged and retried from the same bytes.
        if self.body is NO_BODY:
            return None
        text = json.dumps(self.body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate (the suite sends some) has no UTF-8 form: its JSON escape,
            # `\ud800`, is what goes on the wire.
            escaped = json.dumps(self.body, separators=(",", ":"), allow_nan=False)
            return escaped.encode("ascii")

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


@dataclass(frozen=True)
class ParsedJson:
    ok: bool
    value: Any = None
    problem: str = ""
    nonstandard: tuple[str, ...] = ()  # NaN / Infinity tokens, which JSON does not have


@dataclass(frozen=True)
class Exchange:
    """What happened to one request: a status with headers and body, or `error` in words."""

    request: Request
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    error: str = ""
    error_kind: str = ""  # timeout | reset | disconnected | too-large | connect | protocol
    elapsed: float = 0.0
    attempts: int = 1
    inconclusive: bool = False  # 429/503 after every retry
    skipped: bool = False  # never sent: the target had stopped answering

    @property
    def answered(self) -> bool:
        return self.status is not None and not self.error and not self.skipped

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    @cached_property
    def json(self) -> ParsedJson:
        return parse_json(self.body)


def parse_json(body: bytes) -> ParsedJson:
    """Parse leniently enough to see NaN/Infinity, and record them: they are not JSON."""
    try:
        return ParsedJson(True, value=orjson.loads(body))  # fast path: strict JSON
    except orjson.JSONDecodeError:
        pass  # NaN, huge integers, lone surrogates: the standard parser tells which
    seen: list[str] = []

    def constant(token: str) -> float:
        seen.append(token)
        return float(token.replace("Infinity", "inf"))

    try:
        value = json.loads(body.decode("utf-8"), parse_constant=constant)
    except UnicodeDecodeError as exc:
        return ParsedJson(False, problem=f"body is not UTF-8 ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        return ParsedJson(False, problem=f"body is not JSON: {exc.msg} at char {exc.pos}")
    except RecursionError:
        return ParsedJson(False, problem="body is JSON nested too deeply to parse")
    return ParsedJson(True, value=value, nonstandard=tuple(sorted(set(seen))))


def asked_wait(exchange: Exchange) -> float | None:
    """Seconds the reply's `Retry-After` asks for (seconds or an HTTP date), if it says."""
    value = exchange.header("retry-after")
    if not value:
        return None
    try:
        wait = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        wait = (when - datetime.now(UTC)).total_seconds()
    return wait if not math.isnan(wait) else None


def retry_wait(exchange: Exchange, attempt: int, cap: float) -> float:
    """Seconds before the next try: `Retry-After` (seconds or HTTP date), else 0.5 s x 2^n."""
    wait = asked_wait(exchange)
    if wait is None:
        wait = 0.5 * 2**attempt
    if not math.isfinite(wait):
        wait = cap
    return float(min(max(wait, 0.0), cap))


class HttpClient:
    """Kept-alive connections (see `connections`); thread-safe: worker threads share one."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_body: int = DEFAULT_MAX_BODY,
        retries: int = 2,
        max_retry_wait: float = 10.0,
        rate_limiter: RateLimiter | None = None,
        pool_size: int = 8,
        in_flight: AbstractContextManager[Any] | None = None,
        network: NetworkOptions | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self._limiter = rate_limiter
        # Held while a request is out (a semaphore shared by all workers): `--workers` is how
        # many requests are in flight, however many workers draw and judge examples.
        self._in_flight = in_flight if in_flight is not None else nullcontext()
        # NetworkConfigError here for a proxy or CA the environment names but cannot be used.
        self._pool = ConnectionPool(timeout, pool_size, (network or NetworkOptions()).resolve())
        self._probed: dict[Origin, bool] = {}  # origin -> whether it answered a TLS handshake

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, request: Request) -> Exchange:
        attempt = 0
        while True:
            if self._limiter is not None:
                self._limiter.acquire()
            with self._in_flight:
                exchange = replace(self._once(request), attempts=attempt + 1)
            if exchange.status not in RETRY_STATUSES:
                return exchange
            asked = asked_wait(exchange)
            if attempt >= self.retries or (asked is not None and asked > self.max_retry_wait):
                # Asked to wait longer than a request may: not slept through, left unjudged.
                return replace(exchange, inconclusive=True)
            time.sleep(retry_wait(exchange, attempt, self.max_retry_wait))
            attempt += 1

    def _once(self, request: Request) -> Exchange:
        start = time.monotonic()
        try:
            origin, target = split_url(request.url)
        except ValueError as exc:
            return _failed(request, start, "connect", f"cannot connect: {exc}")
        content = request.content()
        headers = {"user-agent": USER_AGENT, "accept-encoding": "gzip"}
        headers.update(request.headers)
        if content is not None:
            headers.setdefault("content-type", "application/json")
        fresh = False
        while True:
            connection, reused = self._pool.acquire(origin, fresh=fresh)
            try:
                if connection.sock is None:
                    connection.connect()
            except ForeignProtocol as exc:  # HTTP/2 chosen in the handshake
                connection.close()
                return _failed(request, start, "connect", diagnose.foreign_reply(exc, origin))
            except OSError as exc:  # refused, unknown host, TLS handshake, proxy
                connection.close()
                if isinstance(exc, TimeoutError) and not isinstance(exc, ProxyFailure):
                    return _failed(request, start, "connect", f"connect timed out: {exc}")
                message = diagnose.connect_failure(exc, origin, self._pool.network.ca.shown)
                return _failed(request, start, "connect", message)
            try:
                response = connection.request(
                    request.method, target, headers, content, start + self.timeout
                )
            except ValueError as exc:  # a header that cannot be sent as it is
                connection.close()
                return _failed(request, start, "connect", f"cannot send the request: {exc}")
            except ForeignProtocol as exc:
                connection.close()
                return _failed(request, start, "connect", diagnose.foreign_reply(exc, origin))
            except (OSError, BrokenReply) as exc:
                connection.close()
                stale = (Closed, ConnectionResetError, BrokenPipeError)
                if reused and isinstance(exc, stale):
                    fresh = True  # a kept-alive connection the server closed meanwhile
                    continue
                if isinstance(exc, Closed) and connection.proxy is None and self._tls_at(origin):
                    message = diagnose.foreign_reply(ForeignProtocol("tls"), origin)
                    return _failed(request, start, "connect", message)
                return _failed(request, start, *_classify(exc, self.timeout))
            exchange = self._read(request, start, origin, connection, response)
            return _misrouted(exchange, origin, connection) or exchange

    def _tls_at(self, origin: Origin) -> bool:
        """`speaks_tls`, asked once per origin: a flaky server that often closes without a
        reply costs one probe, not one per failure."""
        if origin not in self._probed:
            self._probed[origin] = speaks_tls(origin, min(self.timeout, 5.0))
        return self._probed[origin]

    def _read(
        self,
        request: Request,
        start: float,
        origin: Origin,
        connection: Connection,
        response: Response,
    ) -> Exchange:
        """The body, as a stream cut at `max_body` bytes (after gzip) and at the deadline."""
        status = response.status
        got = response.headers
        gzipped = (response.header("content-encoding") or "").strip().lower() == "gzip"
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        chunks: list[bytes] = []
        size = 0
        problem: tuple[str, str] | None = None
        try:
            for chunk in response.chunks():
                if decoder is not None:
                    chunk = decoder.decompress(chunk, self.max_body - size + 1)
                    if decoder.unconsumed_tail:
                        size = self.max_body + 1
                size += len(chunk)
                if size > self.max_body:
                    problem = (
                        "too-large",
                        f"body larger than {self.max_body} bytes; stopped reading",
                    )
                    break
                chunks.append(chunk)
                if time.monotonic() - start > self.timeout:
                    problem = (
                        "timeout",
                        f"body still arriving after {self.timeout:g} s; stopped reading",
                    )
                    break
        except TimeoutError:
            problem = ("timeout", f"body still arriving after {self.timeout:g} s; stopped reading")
        except zlib.error as exc:
            problem = ("protocol", f"the gzip body does not decompress: {exc}")
        except (OSError, BrokenReply) as exc:
            problem = _classify(exc, self.timeout)
        if problem is not None:
            connection.close()
            return _failed(request, start, *problem, status=status, headers=got)
        if response.will_close:
            connection.close()
        else:
            self._pool.release(origin, connection)  # read to the end: ready for the next request
        return Exchange(
            request=request,
            status=status,
            headers=got,
            body=b"".join(chunks),
            elapsed=time.monotonic() - start,
        )


def speaks_tls(origin: Origin, timeout: float = 5.0) -> bool:
    """Whether an http:// origin that closed on our request completes a TLS handshake: then
    the URL should say https (asked only after that failure, so a run never pays for it)."""
    scheme, host, port = origin
    if scheme != "http":
        return False
    probe = ssl.create_default_context()
    probe.check_hostname = False
    probe.verify_mode = ssl.CERT_NONE  # any certificate will do: the question is the protocol
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            probe.wrap_socket(sock, server_hostname=host),
        ):
            return True
    except (OSError, ValueError):
        return False


def _misrouted(exchange: Exchange, origin: Origin, connection: Connection) -> Exchange | None:
    """A reply that is not the target's: a proxy asking for credentials (http targets), or a
    TLS server's note that plain HTTP came to its HTTPS port (nginx); else None."""
    if exchange.status == 407 and connection.proxy is not None:
        message = diagnose.proxy_refused(connection.proxy, 407, diagnose.where(origin))
        return replace(exchange, error=message, error_kind="connect")
    if exchange.status == 400 and origin[0] == "http" and b"sent to HTTPS port" in exchange.body:
        message = diagnose.foreign_reply(ForeignProtocol("tls"), origin)
        return replace(exchange, error=message, error_kind="connect")
    return None


def _classify(exc: BaseException, timeout: float) -> tuple[str, str]:
    """(error kind, message) of a failure after the connection was made."""
    if isinstance(exc, TimeoutError):
        return "timeout", f"no answer within {timeout:g} s"
    if isinstance(exc, BrokenReply):
        return "disconnected", f"broken HTTP reply: {exc}"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "reset", f"connection reset: {exc or 'no detail'}"
    return "reset", f"connection failed: {type(exc).__name__}: {exc}"


def _failed(
    request: Request,
    start: float,
    kind: str,
    message: str,
    status: int | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    return Exchange(
        request=request,
        status=status,
        headers=headers,
        error=message,
        error_kind=kind,
        elapsed=time.monotonic() - start,
    )
