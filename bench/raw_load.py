"""The physical limit: requests sent as fast as a client can, nothing checked.

Loads, each with `concurrency` requests in flight at any time:

- `replay`: the very requests another tool sent (method, path, credentials and body, in the
  order the mock received them), so the server does the same work as it did for that tool,
  from an async httpx client;
- `replay_http11`: the same, from embedcheck's own HTTP/1.1 connection (`conformance.http.http11`)
  in as many threads: an httpx client spends more CPU per request than embedcheck's whole
  client does, and this is the limit for a client as lean;
- `run`: a 1-text embedding request to each of the four models in turn, the cheapest valid
  request the mock serves, from the async httpx client.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from embedcheck.conformance.http.http11 import Connection
from embedcheck.schemas import models

ACCOUNT = "bench"


@dataclass(frozen=True)
class RawRun:
    wall: float  # seconds from the first request out to the last reply in
    requests: int
    failed: int  # replies other than expected (a broken baseline, reported rather than hidden)
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Sent:
    """One request as the server received it."""

    method: str
    target: str  # path and query
    headers: dict[str, str]
    body: bytes

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sent:
        return cls(data["method"], data["target"], data["headers"], base64.b64decode(data["body"]))


async def _drive(
    base_url: str, requests: Iterator[Sent], concurrency: int, ok: frozenset[int] | None
) -> RawRun:
    """Send everything `requests` yields, `concurrency` at a time; `ok`: the statuses that
    count as served (None: any reply below 500)."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            for sent in requests:  # one shared iterator: each request is sent once
                reply = await client.request(
                    sent.method, sent.target, content=sent.body, headers=sent.headers
                )
                statuses[reply.status_code] += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    served = sum(n for s, n in statuses.items() if (s in ok if ok is not None else s < 500))
    total = sum(statuses.values())
    return RawRun(wall, total, total - served, statuses)


def run(base_url: str, token: str, *, requests: int, concurrency: int) -> RawRun:
    """`requests` 1-text embedding requests, the models in turn; each must get a 200."""
    ids = [m.id for m in models() if m.provider == "workers-ai"]
    body = orjson.dumps({"text": "The quick brown fox jumps over the lazy dog."})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    paths = itertools.cycle(f"/client/v4/accounts/{ACCOUNT}/ai/run/{m}" for m in ids)
    load = (Sent("POST", next(paths), headers, body) for _ in range(requests))
    return asyncio.run(_drive(base_url, load, concurrency, frozenset({200})))


def replay(base_url: str, recorded: list[Sent], *, concurrency: int) -> RawRun:
    """The recorded requests again, in their order; any reply below 500 counts as served."""
    return asyncio.run(_drive(base_url, iter(recorded), concurrency, None))


def replay_http11(base_url: str, recorded: list[Sent], *, concurrency: int) -> RawRun:
    """The recorded requests again, in their order, each of `concurrency` threads sending on
    its own kept-alive `http11.Connection`; any reply below 500 counts as served."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None and parts.port is not None, base_url
    origin = (parts.scheme, parts.hostname, parts.port)
    pending = iter(recorded)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        connection = Connection(origin, 60.0, None)
        try:
            while True:
                with lock:
                    sent = next(pending, None)
                if sent is None:
                    return
                if connection.sock is None:
                    connection.connect()
                target = parts.path + sent.target
                reply = connection.request(
                    sent.method, target, sent.headers, sent.body, time.monotonic() + 60
                )
                for _ in reply.chunks():
                    pass
                if reply.will_close:
                    connection.close()
                with lock:
                    statuses[reply.status] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    served = sum(n for s, n in statuses.items() if s < 500)
    return RawRun(wall, sum(statuses.values()), len(recorded) - served, statuses)
