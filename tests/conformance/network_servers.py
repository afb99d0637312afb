"""Servers for the network tests, each on 127.0.0.1 and a free port, stopped on exit: a real
forward proxy (proxy.py, from PyPI), the mock behind TLS (uvicorn with a trustme CA), and an
HTTP/2-only server (the h2 library's server side)."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import h2.config
import h2.connection
import h2.errors
import h2.exceptions
import trustme

from embedcheck.conformance.mock import MockConfig
from embedcheck.conformance.mock.app import create_app
from tests.asgi_thread import serve_in_thread
from tests.conformance.proxy_recorder import SEPARATOR

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0

# The ways to send a request directly although HTTPS_PROXY is set: (environment, flags). Both
# commands (`run`, `compare`) must honour each, through the one network layer.
BYPASSES: list[tuple[dict[str, str], tuple[str, ...]]] = [
    ({"NO_PROXY": "localhost,127.0.0.1"}, ()),
    ({"no_proxy": "10.0.0.0/8 127.0.0.0/8"}, ()),
    ({"NO_PROXY": "elsewhere.test"}, ("--no-proxy", "127.0.0.1")),
    ({}, ("--proxy", "")),
]


@dataclass
class RunningProxy:
    url: str
    log: Path  # proxy.py's own log (DEBUG level: all it says)
    record: Path  # every request it parsed (`proxy_recorder`)

    def requests(self) -> list[bytes]:
        if not self.record.exists():
            return []
        return [r for r in self.record.read_bytes().split(SEPARATOR) if r]

    def seen(self) -> bytes:
        """All the proxy wrote down: its log and the requests it parsed."""
        log = self.log.read_bytes() if self.log.exists() else b""
        return log + b"".join(self.requests())


@contextmanager
def forward_proxy(
    directory: Path,
    basic_auth: str | None = None,
    log_level: str = "DEBUG",
    refused_hosts: str | None = None,
) -> Iterator[RunningProxy]:
    """proxy.py in its own process, recording what it parsed; `basic_auth` "user:password";
    `refused_hosts` (commas) rejected by proxy.py's own FilterByUpstreamHostPlugin."""
    port_file, log, record = directory / "proxy.port", directory / "proxy.log", directory / "rec"
    command = [
        sys.executable,
        "-m",
        "proxy",
        "--hostname",
        "127.0.0.1",
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--num-workers",
        "1",
        "--num-acceptors",
        "1",
        "--log-level",
        log_level,
        "--log-file",
        str(log),
        "--plugins",
        "tests.conformance.proxy_recorder.Recorder",
    ]
    if basic_auth:
        command += ["--basic-auth", basic_auth]
    if refused_hosts:
        command[-1:] += ["proxy.plugin.FilterByUpstreamHostPlugin"]
        command += ["--filtered-upstream-hosts", refused_hosts]
    env = {**os.environ, "EMBEDCHECK_PROXY_RECORD": str(record), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=directory
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (port_file.exists() and port_file.read_text().strip()):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"proxy.py did not start: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        port = int(port_file.read_text().strip())
        _wait_listening(port, deadline)
        yield RunningProxy(f"http://127.0.0.1:{port}", log, record)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(port: int, deadline: float) -> None:
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def tls_mock(
    ca: trustme.CA,
    directory: Path,
    token: str,
    names: tuple[str, ...] = ("127.0.0.1",),
    faults: frozenset[str] = frozenset(),
) -> Iterator[str]:
    """The mock (with `faults`) served over TLS by uvicorn, its certificate for `names`;
    yields its base URL."""
    pem = directory / "server.pem"
    ca.issue_cert(*names).private_key_and_cert_chain_pem.write_to_path(str(pem))
    app = create_app(MockConfig(api_token=token, faults=faults))
    with serve_in_thread(app, "the TLS mock", ssl_certfile=str(pem), ssl_keyfile=str(pem)) as port:
        yield f"https://127.0.0.1:{port}"


@contextmanager
def http2_only_server(tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A server that speaks HTTP/2 and nothing else (h2's server side): it opens with its
    SETTINGS frame and answers HTTP/1.1 bytes with GOAWAY. Yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with suppress(OSError, ssl.SSLError), conn:
                sock = tls.wrap_socket(conn, server_side=True) if tls else conn
                h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
                h2conn.initiate_connection()
                sock.sendall(h2conn.data_to_send())
                sock.settimeout(5)
                data = sock.recv(65536)
                try:
                    h2conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    h2conn.close_connection(error_code=h2.errors.ErrorCodes.PROTOCOL_ERROR)
                sock.sendall(h2conn.data_to_send())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
