"""Kept-alive HTTP/1.1 connections per origin, shared by the worker threads of a run.

Built on the standard library's `http.client`: the suite is CPU-bound, and httpx's Python
layers cost about 1 ms of CPU per request where `http.client` costs a quarter of that (measured
against the mock). No proxy is read from the environment (a token never goes through a proxy
the user did not name) and redirects are never followed: `http.client` does neither.
"""

from __future__ import annotations

import http.client
import ssl
import threading
from functools import lru_cache
from urllib.parse import quote, urlsplit

import certifi

Origin = tuple[str, str, int]  # scheme, host, port
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in a request target: the reserved ones and '%' (escapes the
# caller already made); anything else (spaces, non-ASCII) is percent-encoded as UTF-8.
TARGET_SAFE = "!#$%&'()*+,/:;=?@[]~"


@lru_cache(maxsize=256)  # a run sends to a handful of URLs, thousands of times each
def split_url(url: str) -> tuple[Origin, str]:
    """(origin, request target) of an absolute http(s) URL; ValueError for anything else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"unsupported URL scheme {parts.scheme!r} in {url!r}")
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    port = parts.port or DEFAULT_PORTS[scheme]  # ValueError for a port out of range
    target = quote(parts.path or "/", safe=TARGET_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=TARGET_SAFE)
    return (scheme, parts.hostname, port), target


class ConnectionPool:
    """Idle connections per origin, at most `size` of each kept; thread-safe."""

    def __init__(self, timeout: float, size: int) -> None:
        self.timeout = timeout  # seconds for connecting, and for each read or write after
        self.size = size
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def acquire(
        self, origin: Origin, *, fresh: bool = False
    ) -> tuple[http.client.HTTPConnection, bool]:
        """A connection to `origin` and whether it was used before (it may have gone stale)."""
        if not fresh:
            with self._lock:
                idle = self._idle.get(origin)
                if idle:
                    return idle.pop(), True
        scheme, host, port = origin
        if scheme == "https":
            context = self._context()
            return http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=context
            ), False
        return http.client.HTTPConnection(host, port, timeout=self.timeout), False

    def release(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        """Keep a connection whose last reply was read to the end, for the next request."""
        with self._lock:
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self.size:
                idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self._lock:
            connections = [c for idle in self._idle.values() for c in idle]
            self._idle.clear()
        for connection in connections:
            connection.close()

    def _context(self) -> ssl.SSLContext:
        with self._lock:
            if self._tls is None:
                # certifi's bundle, as httpx used: the same trust on every machine.
                self._tls = ssl.create_default_context(cafile=certifi.where())
            return self._tls
