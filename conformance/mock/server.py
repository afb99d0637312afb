"""`serve`: the mock under a real uvicorn server on a real socket, in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from embedcheck.conformance.mock.app import create_app
from embedcheck.conformance.mock.config import MockConfig

START_TIMEOUT = 10.0


@dataclass(frozen=True)
class RunningMock:
    base_url: str  # e.g. http://127.0.0.1:54321
    config: MockConfig

    @property
    def host(self) -> str:
        return self.base_url.split("//", 1)[1].rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 lets the OS pick a free one. OSError if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets it knows are TCP, and
    # without it every kept-alive reply waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@contextmanager
def serve(
    config: MockConfig | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningMock]:
    """Run the mock until the block exits; yields where it listens."""
    config = config or MockConfig()
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), log_level="warning", lifespan="off", access_log=False)
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="embedcheck-mock", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the mock server did not start on {host}:{actual_port}")
            time.sleep(0.01)
        yield RunningMock(f"http://{url_host(host)}:{actual_port}", config)
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()
