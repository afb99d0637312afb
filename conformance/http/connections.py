"""Kept-alive HTTP/1.1 connections (`http11`) per origin, shared by the worker threads of a run.

Each new connection goes the way `network` says for its origin: directly or through a proxy.
"""

from __future__ import annotations

import ssl
import threading
from functools import lru_cache
from urllib.parse import quote, urlsplit

from embedcheck.conformance.http.http11 import DEFAULT_PORTS, Connection, Origin
from embedcheck.conformance.http.network import Network, NetworkOptions

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

    def __init__(self, timeout: float, size: int, network: Network | None = None) -> None:
        self.timeout = timeout  # seconds for connecting, and for each read or write after
        self.size = size
        self.network = network or NetworkOptions().resolve()
        self._idle: dict[Origin, list[Connection]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def acquire(self, origin: Origin, *, fresh: bool = False) -> tuple[Connection, bool]:
        """A connection to `origin` and whether it was used before (it may have gone stale)."""
        if not fresh:
            with self._lock:
                idle = self._idle.get(origin)
                if idle:
                    return idle.pop(), True
        tls = self._context() if origin[0] == "https" else None
        return Connection(origin, self.timeout, tls, self.network.proxy_for(*origin)), False

    def release(self, origin: Origin, connection: Connection) -> None:
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
                self._tls = self.network.tls_context()
            return self._tls
