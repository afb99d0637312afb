"""Real servers for the end-to-end tests, each on 127.0.0.1 and a free port, stopped on exit:
the bundled mock as a user starts it (`embedcheck --schemas-dir DIR mock`, its own process),
and a forwarding HTTP proxy in front of it that records every request and can refuse some,
as a gateway or a stricter server would."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.asgi_thread import serve_in_thread

TOKEN = "e2e-secret-token-4f1a"  # the mock requires it, so auth-required judges too
ACCOUNT = "e2e-account"
START_TIMEOUT = 20.0
FORWARDED = ("authorization", "content-type", "accept")


@contextmanager
def mock_process(root: Path) -> Iterator[str]:
    """`embedcheck --schemas-dir ROOT mock --port 0 --api-token TOKEN`; yields its base URL."""
    command = [sys.executable, "-m", "embedcheck", "--schemas-dir", str(root), "mock"]
    command += ["--port", "0", "--api-token", TOKEN]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first.startswith("embedcheck mock listening on "):
            process.kill()
            raise AssertionError(f"the mock did not start: {first}{process.communicate()[1]}")
        yield first.split()[-1]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: str
    body: bytes
    status: int

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class Proxy:
    """What the proxy saw, and which requests it refuses (`refuse(decoded body)`: True)."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    refuse: Callable[[Any], bool] = lambda body: False

    def posts(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]


def refusal() -> bytes:
    """A v4 error envelope, as Cloudflare words a refused input."""
    error = {"code": 5006, "message": "AiError: this server refuses the request"}
    envelope = {"success": False, "errors": [error], "messages": [], "result": None}
    return json.dumps(envelope).encode()


def _app(upstream: str, proxy: Proxy) -> Starlette:
    clients: list[httpx.AsyncClient] = []  # made in the server's event loop, on first use

    async def forward(request: Request) -> Response:
        if not clients:
            clients.append(httpx.AsyncClient(timeout=30.0))
        body = await request.body()
        query = request.url.query
        try:
            decoded = json.loads(body) if body else None
        except ValueError:
            decoded = None
        if proxy.refuse(decoded):
            proxy.seen.append(Seen(request.method, request.url.path, query, body, 400))
            return Response(refusal(), 400, media_type="application/json")
        reply = await clients[0].request(
            request.method,
            upstream + request.url.path + (f"?{query}" if query else ""),
            content=body,
            headers={k: v for k, v in request.headers.items() if k in FORWARDED},
        )
        proxy.seen.append(Seen(request.method, request.url.path, query, body, reply.status_code))
        kind = reply.headers.get("content-type", "application/octet-stream")
        return Response(reply.content, reply.status_code, media_type=kind)

    route = Route("/{path:path}", forward, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    return Starlette(routes=[route])


@contextmanager
def forwarding(upstream: str) -> Iterator[Proxy]:
    """A forwarding proxy to `upstream` (a base URL) on a free 127.0.0.1 port."""
    proxy = Proxy()
    with serve_in_thread(_app(upstream.rstrip("/"), proxy), "the forwarding proxy") as port:
        proxy.url = f"http://127.0.0.1:{port}"
        yield proxy


def carries(key: str) -> Callable[[Any], bool]:
    """A refusal rule: the body holds `key` anywhere (top level, in batch items, nested)."""

    def walk(value: Any) -> bool:
        if isinstance(value, dict):
            return key in value or any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    return walk


def values_of(bodies: list[Any], key: str) -> list[Any]:
    """Every value `key` has anywhere in `bodies`, in order."""
    found: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if key in value:
                found.append(value[key])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for body in bodies:
        walk(body)
    return found
