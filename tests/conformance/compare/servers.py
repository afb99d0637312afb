"""Mocks on real sockets that count the requests they get (and can start failing), for the
compare tests: the count is the server's, not what `compare` says it sent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from embedcheck.conformance.mock import MockConfig, create_app
from embedcheck.conformance.mock.server import bind

ACCOUNT = "acct-compare"
Scope = dict[str, Any]


@dataclass
class Counter:
    """Embedding requests seen, and after how many of them to answer 500 instead."""

    requests: int = 0
    fail_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class Counting:
    def __init__(self, app: Any, counter: Counter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            with self.counter.lock:
                self.counter.requests += 1
                failing = (
                    self.counter.fail_after is not None
                    and self.counter.requests > self.counter.fail_after
                )
            if failing:
                await send({"type": "http.response.start", "status": 500, "headers": []})
                await send({"type": "http.response.body", "body": b"broken"})
                return
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class CountingMock:
    base_url: str
    counter: Counter
    token: str

    @property
    def workers_ai(self) -> str:
        return f"workers-ai={self.base_url}/client/v4"

    @property
    def openai(self) -> str:
        return f"openai={self.base_url}/v1"


@contextmanager
def counting_mock(
    token: str = "tok-compare-4f1a", fail_after: int | None = None, **switches: Any
) -> Iterator[CountingMock]:
    """The mock (with MockConfig `switches`) on a free 127.0.0.1 port, counting requests."""
    counter = Counter(fail_after=fail_after)
    app = Counting(create_app(MockConfig(api_token=token, **switches)), counter)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "mock did not start"
            time.sleep(0.01)
        yield CountingMock(f"http://127.0.0.1:{port}", counter, token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
