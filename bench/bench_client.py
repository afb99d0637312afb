"""embedcheck's HTTP client next to the standard library's, urllib3's and httpx's: CPU per request.

    .venv/bin/python bench/bench_client.py [--requests N] [--rounds N] [--quick] [--through-proxy]

The same POSTs (the body JSON-encoded per request, as a run does), one after another on one
kept-alive connection, to one mock process (bench/mock_host.py): a 1-text request and a 20-text
one to bge-small. Clients take turns, round after round; each figure is the best round. CPU is
this process's (user + system), so it is the client's alone: the mock runs elsewhere.
`--through-proxy` sends every request through a real forward proxy (proxy.py, started here in
its own process), each client configured for it as its users would: the cost of the proxy
path of each client.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.machine import table  # noqa: E402
from bench.mock_host import MockHost  # noqa: E402
from embedcheck.conformance.http.network import NetworkOptions  # noqa: E402
from embedcheck.conformance.http.transport import HttpClient, Request  # noqa: E402
from tests.conformance.network_servers import forward_proxy  # noqa: E402

PATH = "/client/v4/accounts/bench/ai/run/@cf/baai/bge-small-en-v1.5"
BODIES = {
    "1 text": {"text": "The quick brown fox jumps over the lazy dog."},
    "20 texts": {"text": [f"text number {i} about the weather" for i in range(20)]},
}
Send = Callable[[Any], int]  # one request with this JSON body; its status
Make = Callable[[str, dict[str, str], str | None], tuple[Send, Callable[[], None]]]


def embedcheck_client(
    url: str, headers: dict[str, str], proxy: str | None
) -> tuple[Send, Callable[[], None]]:
    client = HttpClient(pool_size=1, network=NetworkOptions(proxy=proxy or ""))
    pairs = tuple(headers.items())

    def send(body: Any) -> int:
        return client.send(Request("POST", url, pairs, body)).status or 0

    return send, client.close


def stdlib_client(
    url: str, headers: dict[str, str], proxy: str | None
) -> tuple[Send, Callable[[], None]]:
    parts = httpx.URL(proxy or url)
    connection = http.client.HTTPConnection(parts.host, parts.port, timeout=30)
    target = url if proxy else httpx.URL(url).raw_path.decode()  # absolute form to a proxy

    def send(body: Any) -> int:
        connection.request("POST", target, json.dumps(body).encode(), headers)
        reply = connection.getresponse()
        reply.read()
        return reply.status

    return send, connection.close


def httpx_client(
    url: str, headers: dict[str, str], proxy: str | None
) -> tuple[Send, Callable[[], None]]:
    client = httpx.Client(timeout=30, proxy=proxy, trust_env=False)

    def send(body: Any) -> int:
        return client.post(url, content=json.dumps(body).encode(), headers=headers).status_code

    return send, client.close


def urllib3_client(
    url: str, headers: dict[str, str], proxy: str | None
) -> tuple[Send, Callable[[], None]]:
    # The library a proxy could have come from: ProxyManager, or PoolManager without one.
    # Its cost per request is http.client's plus its own.
    pool = (
        urllib3.ProxyManager(proxy, maxsize=1, timeout=30.0, retries=False)
        if proxy
        else urllib3.PoolManager(maxsize=1, timeout=30.0, retries=False)
    )

    def send(body: Any) -> int:
        return pool.request("POST", url, body=json.dumps(body).encode(), headers=headers).status

    return send, pool.clear


CLIENTS: dict[str, Make] = {
    "embedcheck (conformance.http11)": embedcheck_client,
    "http.client (standard library)": stdlib_client,
    "urllib3 (PoolManager; ProxyManager)": urllib3_client,
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
    parser.add_argument(
        "--through-proxy", action="store_true", help="through a forward proxy (proxy.py)"
    )
    args = parser.parse_args()
    requests, rounds = (20, 1) if args.quick else (args.requests, args.rounds)
    token = f"bench-{secrets.token_urlsafe(18)}"
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    best: dict[tuple[str, str], tuple[float, float]] = {}
    with contextlib.ExitStack() as stack:
        host = stack.enter_context(MockHost(token))
        proxy = None
        if args.through_proxy:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            proxy = stack.enter_context(forward_proxy(directory, log_level="WARNING")).url
        url = host.base_url(None) + PATH
        for _ in range(rounds):
            for name, make in CLIENTS.items():
                send, close = make(url, headers, proxy)
                try:
                    for label, body in BODIES.items():
                        figures = measure(send, body, requests)
                        key = (name, label)
                        best[key] = min(best.get(key, figures), figures)
                finally:
                    close()
    through = " through a forward proxy (proxy.py)" if args.through_proxy else ""
    print(f"## HTTP clients, one request at a time to the mock{through}\n")
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
