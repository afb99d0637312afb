"""An ASGI app served by uvicorn in a thread of the test process, on a free 127.0.0.1 port.

For test servers whose state the test reads directly (a forwarding proxy's log, a concurrency
counter, the mock behind TLS). The bundled mock's own `conformance.mock.server.serve` is the
one to use for the plain mock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from embedcheck.conformance.mock.server import bind

START_TIMEOUT = 30.0


@contextmanager
def serve_in_thread(app: Any, what: str, **config: Any) -> Iterator[int]:
    """Serve `app` (uvicorn `config` options, e.g. ssl_certfile) until the block ends; yields
    the port. `what` names the server in the error raised when it does not start."""
    sock = bind("127.0.0.1", 0)
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "off", "access_log": False}
    server = uvicorn.Server(uvicorn.Config(app, **{**options, **config}))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start")
            time.sleep(0.01)
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=START_TIMEOUT)
        sock.close()
