"""Benchmark: the mock's requests/s next to a bare Starlette endpoint, in one run.

    .venv/bin/python bench/bench_mock.py [--quick]

Two uvicorn servers in subprocesses on 127.0.0.1, configured alike: the mock (clean config),
and a bare Starlette app whose one route reads the request body and returns a pre-built body,
the very bytes the mock answered for the same request. One async httpx client in this process
drives each with the same bounded load (a fixed number of requests, a fixed concurrency), for
a 1-text bge-base request and a 100-text bge-large request, the same texts every time (as a
conformance run re-sends texts) and new texts in every request (as a fuzzer sends them).
Rounds alternate mock and bare so drift on a shared machine hits both; the median round is
reported. Goal: mock >= 0.8x bare in requests/s.

The client can be the bottleneck (parsing a 1.2 MB reply costs it more than the bare server
spends sending it), and then both rates are the client's. So the servers' CPU time per request
(from /proc) is reported too, and its ratio (bare / mock): the ratio of requests/s the two
would reach if each server were the bottleneck. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402
import uvicorn  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from bench.machine import load_average  # noqa: E402
from embedcheck.conformance.mock import create_app  # noqa: E402
from embedcheck.conformance.mock.server import bind  # noqa: E402

PATH = "/client/v4/accounts/bench/ai/run/{model}"
GOAL = 0.8


@dataclass(frozen=True)
class Scenario:
    name: str
    model: str
    texts: int
    requests: int  # per round and server
    quick_requests: int
    fresh: bool = False  # new texts in every request, as a fuzzer sends them

    @property
    def path(self) -> str:
        return PATH.format(model=self.model)

    def body(self, serial: int = 0) -> bytes:
        tag = f" #{serial}" if self.fresh else ""
        texts = [f"benchmark sentence {i} about clouds and llamas{tag}" for i in range(self.texts)]
        return orjson.dumps({"text": texts if self.texts > 1 else texts[0]})


SCENARIOS = (
    Scenario("1 text, bge-base", "@cf/baai/bge-base-en-v1.5", 1, 600, 60),
    Scenario("100 texts, bge-large", "@cf/baai/bge-large-en-v1.5", 100, 160, 16),
    Scenario("100 fresh texts", "@cf/baai/bge-large-en-v1.5", 100, 120, 16, fresh=True),
)


def bare_app(body: bytes) -> Starlette:
    async def endpoint(request: Request) -> Response:
        await request.body()  # read it, as the mock does
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])


def serve_forever(kind: str, body_file: str | None) -> None:
    """Subprocess mode: print the port, then serve until killed."""
    app = create_app() if kind == "mock" else bare_app(Path(str(body_file)).read_bytes())
    sock = bind("127.0.0.1", 0)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


class Server:
    def __init__(self, kind: str, body_file: Path | None = None) -> None:
        command = [sys.executable, __file__, "--serve", kind]
        if body_file is not None:
            command += ["--body-file", str(body_file)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.base_url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


async def load(base_url: str, scenario: Scenario, total: int, concurrency: int) -> float:
    """Requests per second for `total` POSTs with `concurrency` in flight; every reply checked."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"content-type": "application/json"}
    remaining = total
    serial = 0

    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal remaining, serial
            while remaining > 0:
                remaining -= 1
                serial += 1
                body = scenario.body(serial)
                response = await client.post(scenario.path, content=body, headers=headers)
                if response.status_code != 200 or not response.content:
                    raise RuntimeError(f"{base_url}: HTTP {response.status_code}")

        remaining = 2 * concurrency  # open and warm the connections first
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        remaining = total
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - start)


@dataclass(frozen=True)
class Round:
    rate: float  # requests per second seen by the client
    cpu_ms: float  # server CPU milliseconds per request (less sensitive to a busy machine)


def one_round(server: Server, scenario: Scenario, total: int, concurrency: int) -> Round:
    cpu = server.cpu_seconds()
    rate = asyncio.run(load(server.base_url, scenario, total, concurrency))
    # The warm-up requests are in the CPU time too: count them.
    return Round(rate, (server.cpu_seconds() - cpu) * 1000 / (total + 2 * concurrency))


def measure(scenario: Scenario, rounds: int, total: int, concurrency: int, tmp: Path) -> None:
    mock = Server("mock")
    try:
        reply = httpx.post(mock.base_url + scenario.path, content=scenario.body(), timeout=60)
        reply.raise_for_status()
        body_file = tmp / f"bare-{scenario.texts}.json"
        body_file.write_bytes(reply.content)
        bare = Server("bare", body_file)
        try:
            mock_rounds, bare_rounds = [], []
            for _ in range(rounds):
                mock_rounds.append(one_round(mock, scenario, total, concurrency))
                bare_rounds.append(one_round(bare, scenario, total, concurrency))
        finally:
            bare.stop()
    finally:
        mock.stop()
    mock_rate = statistics.median(r.rate for r in mock_rounds)
    bare_rate = statistics.median(r.rate for r in bare_rounds)
    mock_cpu = statistics.median(r.cpu_ms for r in mock_rounds)
    bare_cpu = statistics.median(r.cpu_ms for r in bare_rounds)
    ratio = mock_rate / bare_rate
    verdict = "ok" if ratio >= GOAL else f"below {GOAL}x"
    print(
        f"{scenario.name:<21} {len(reply.content):>10,} {total:>5}x{rounds}  "
        f"{mock_rate:8.1f} {bare_rate:8.1f}  {ratio:5.2f} {verdict:<10} "
        f"{mock_cpu:7.2f} {bare_cpu:7.2f}  {bare_cpu / mock_cpu:5.2f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny budget (CI smoke run)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", choices=["mock", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--body-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve, args.body_file)
        return 0
    rounds = 1 if args.quick else args.rounds
    print(f"mock vs bare Starlette under uvicorn on 127.0.0.1, concurrency {args.concurrency}")
    print(f"load average before: {load_average()}")
    print(
        f"{'request':<21} {'reply B':>10} {'reqs':>7}  {'mock/s':>8} {'bare/s':>8}  "
        f"{'ratio':>5} {'':<10} {'mock ms':>7} {'bare ms':>7}  {'cpu r':>5}"
        "  (ms: server CPU per request; cpu r: bare ms / mock ms)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in SCENARIOS:
            total = scenario.quick_requests if args.quick else scenario.requests
            measure(scenario, rounds, total, args.concurrency, Path(tmp))
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
