"""One mock process serving the clean mock and every fault switch, each under its own prefix.

    /clean/...          the mock with no fault
    /fault/<name>/...   the mock with fault <name> on (every name in `conformance.mock.FAULTS`)
    GET /__bench__/counts    requests served per prefix so far, as JSON
    GET /__bench__/record    start recording what /clean receives (method, path,
                             credentials, body): what the raw loop replays
    GET /__bench__/recorded  the requests recorded since, as JSON; recording stops

The tools under test are pointed at a prefix as if it were the mock's root, so one process
started once serves every run of the comparison, and the requests each tool really sent are
counted where they arrive rather than trusted from the tool's own report.

Run as `python -m bench.mock_host TOKEN`: it prints its port, then serves until terminated.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
COUNTS_PATH = "/__bench__/counts"
RECORD_PATH = "/__bench__/record"
RECORDED_PATH = "/__bench__/recorded"
CLEAN = "/clean"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def fault_prefix(fault: str) -> str:
    return f"/fault/{fault}"


class Dispatcher:
    """Route each request to the app whose prefix starts its path, with the prefix removed."""

    def __init__(self, apps: dict[str, App]) -> None:
        self.apps = apps
        self.counts: Counter[str] = Counter()
        # Requests to the clean mock, for the raw replay; None: not recording (no work added to
        # the runs that are measured without it).
        self.recorded: list[Recorded] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == COUNTS_PATH:
            await _json_reply(send, dict(self.counts))
            return
        if path == RECORD_PATH:
            self.recorded = []
            await _json_reply(send, "recording")
            return
        if path == RECORDED_PATH:
            recorded, self.recorded = self.recorded or [], None
            await _json_reply(send, [r.as_json() for r in recorded])
            return
        for prefix, app in self.apps.items():
            if path == prefix or path.startswith(prefix + "/"):
                self.counts[prefix] += 1
                raw: bytes = scope.get("raw_path") or path.encode()
                inner = dict(scope, path=path[len(prefix) :] or "/")
                inner["raw_path"] = raw[len(prefix) :] or b"/"
                if prefix == CLEAN and self.recorded is not None:
                    receive = self._recording(self.recorded, inner, receive)
                await app(inner, receive, send)
                return
        await _json_reply(send, {"error": f"no mock under {path}"}, status=404)

    @staticmethod
    def _recording(recorded: list[Recorded], scope: Scope, receive: Receive) -> Receive:
        """`receive`, keeping a copy of the request in `recorded`."""
        query: bytes = scope.get("query_string") or b""
        target = scope["raw_path"] + (b"?" + query if query else b"")
        entry = Recorded(scope["method"], target.decode("latin-1"), _headers(scope), [])
        recorded.append(entry)

        async def wrapped() -> MutableMapping[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                entry.body.append(message.get("body", b""))
            return message

        return wrapped


@dataclass
class Recorded:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # what the replay must send again (authorization, content-type)
    body: list[bytes]

    def as_json(self) -> dict[str, Any]:
        body = base64.b64encode(b"".join(self.body)).decode()
        return {"method": self.method, "target": self.target, "headers": self.headers, "body": body}


REPLAYED_HEADERS = frozenset({b"authorization", b"content-type"})


def _headers(scope: Scope) -> dict[str, str]:
    return {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in scope["headers"]
        if k.lower() in REPLAYED_HEADERS
    }


async def _json_reply(send: Send, value: Any, status: int = 200) -> None:
    body = json.dumps(value).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def listening_socket() -> socket.socket:
    # IPPROTO_TCP spelled out: asyncio only sets TCP_NODELAY on accepted sockets whose proto is
    # TCP, and without it every kept-alive reply waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    return sock


def serve(token: str) -> None:
    import uvicorn

    from embedcheck.conformance.mock import FAULTS, MockConfig, create_app

    apps: dict[str, App] = {CLEAN: create_app(MockConfig(api_token=token))}
    for name in FAULTS:
        apps[fault_prefix(name)] = create_app(MockConfig(api_token=token, faults=frozenset({name})))
    sock = listening_socket()
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(Dispatcher(apps), log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


class MockHost:
    """The mock process, started on entry and stopped on exit."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.origin = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> MockHost:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.mock_host", self.token],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.strip().isdigit():
            self._process.kill()
            raise RuntimeError("the mock process did not start")
        self.origin = f"http://127.0.0.1:{int(line)}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def base_url(self, fault: str | None = None) -> str:
        """Where the mock with `fault` (None: clean) has its root."""
        return self.origin + (fault_prefix(fault) if fault else CLEAN)

    def counts(self) -> Counter[str]:
        reply = httpx.get(self.origin + COUNTS_PATH, timeout=10)
        reply.raise_for_status()
        return Counter(reply.json())

    def record(self) -> None:
        """Start recording what the clean mock receives."""
        httpx.get(self.origin + RECORD_PATH, timeout=10).raise_for_status()

    def recorded(self) -> list[dict[str, Any]]:
        """The requests the clean mock received since `record()`; recording stops."""
        reply = httpx.get(self.origin + RECORDED_PATH, timeout=60)
        reply.raise_for_status()
        recorded: list[dict[str, Any]] = reply.json()
        return recorded

    def requests_to(self, fault: str | None = None) -> int:
        return self.counts()[fault_prefix(fault) if fault else CLEAN]

    def cpu_seconds(self) -> float:
        """User + system CPU the mock process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    serve(sys.argv[1])
