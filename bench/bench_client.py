"""embedcheck's HTTP client next to the standard library's and httpx's: CPU per request.

    .venv/bin/python bench/bench_client.py [--requests N] [--rounds N] [--quick]

The same POSTs (the body JSON-encoded per request, as a run does), one after another on one
kept-alive connection, to one mock process (bench/mock_host.py): a 1-text request and a 20-text
one to bge-small. Clients take turns, round after round; each figure is the best round. CPU is
this process's (user + system), so it is the client's alone: the mock runs elsewhere.
"""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.compare_schemathesis import table  # noqa: E402
from bench.mock_host import MockHost  # noqa: E402
from embedcheck.conformance.http.transport import HttpClient, Request  # noqa: E402

PATH = "/client/v4/accounts/bench/ai/run/@cf/baai/bge-small-en-v1.5"
BODIES = {
    "1 text": {"text": "The quick brown fox jumps over the lazy dog."},
    "20 texts": {"text": [f"text number {i} about the weather" for i in range(20)]},
}
Send = Callable[[Any], int]  # one request with this JSON body; its status


def embedcheck_client(url: str, headers: dict[str, str]) -> tuple[Send, Callable[[], None]]:
    client = HttpClient(pool_size=1)
    pairs = tuple(headers.items())

    def send(body: Any) -> int:
        return client.send(Request("POST", url, pairs, body)).status or 0

    return send, client.close


def stdlib_client(url: str, headers: dict[str, str]) -> tuple[Send, Callable[[], None]]:
    parts = httpx.URL(url)
    connection = http.client.HTTPConnection(parts.host, parts.port, timeout=30)

    def send(body: Any) -> int:
        connection.request("POST", parts.raw_path.decode(), json.dumps(body).encode(), headers)
        reply = connection.getresponse()
        reply.read()
        return reply.status

    return send, connection.close


def httpx_client(url: str, headers: dict[str, str]) -> tuple[Send, Callable[[], None]]:
    client = httpx.Client(timeout=30)

    def send(body: Any) -> int:
        return client.post(url, content=json.dumps(body).encode(), headers=headers).status_code

    return send, client.close


CLIENTS = {
    "embedcheck (conformance.http11)": embedcheck_client,
    "http.client (standard library)": stdlib_client,
    "httpx.Client": httpx_client,
}


def measure(send: Send, body: Any, requests: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per request, over `requests` requests after a few untimed ones."""
    for _ in range(5):
        send(body)
    cpu, wall = machine.cpu_seconds(), time.perf_counter()
    for _ in range(requests):
        status = send(body)
        if status != 200:
            raise SystemExit(f"bench_client: the mock answered {status}")
    return (
        1000 * (machine.cpu_seconds() - cpu) / requests,
        1000 * (time.perf_counter() - wall) / requests,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per client, body and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tiny budget (CI smoke run)")
    args = parser.parse_args()
    requests, rounds = (20, 1) if args.quick else (args.requests, args.rounds)
    token = f"bench-{secrets.token_urlsafe(18)}"
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    best: dict[tuple[str, str], tuple[float, float]] = {}
    with MockHost(token) as host:
        url = host.base_url(None) + PATH
        for _ in range(rounds):
            for name, make in CLIENTS.items():
                send, close = make(url, headers)
                try:
                    for label, body in BODIES.items():
                        figures = measure(send, body, requests)
                        key = (name, label)
                        best[key] = min(best.get(key, figures), figures)
                finally:
                    close()
    print("## HTTP clients, one request at a time to the mock\n")
    print("\n".join(machine.describe()) + "\n")
    print(f"{requests} requests per client and body, best of {rounds} rounds\n")
    rows = []
    for name in CLIENTS:
        for label in BODIES:
            cpu, wall = best[(name, label)]
            ours = best[(next(iter(CLIENTS)), label)][0]
            rows.append((name, label, f"{cpu:.3f}", f"{wall:.3f}", f"{cpu / ours:.2f}x"))
    header = ("client", "body", "client CPU ms/request", "wall ms/request", "CPU / embedcheck's")
    print("\n".join(table(header, rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
