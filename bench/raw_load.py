"""The physical limit: valid requests sent as fast as an async httpx client can, nothing checked.

Each request is a 1-text embedding request to one of the four models in turn (the cheapest
valid request the mock serves); `concurrency` of them are in flight at any time.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

import httpx
import orjson

from schemas import models

ACCOUNT = "bench"


@dataclass(frozen=True)
class RawRun:
    wall: float
    requests: int
    failed: int  # replies other than 200 (a broken baseline, reported rather than hidden)


async def _load(base_url: str, token: str, total: int, concurrency: int) -> RawRun:
    ids = [m.id for m in models() if m.provider == "workers-ai"]
    paths = itertools.cycle(f"/client/v4/accounts/{ACCOUNT}/ai/run/{m}" for m in ids)
    body = orjson.dumps({"text": "The quick brown fox jumps over the lazy dog."})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    remaining = total
    failed = 0
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal remaining, failed
            while remaining > 0:
                remaining -= 1
                reply = await client.post(next(paths), content=body, headers=headers)
                failed += reply.status_code != 200

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - start
    return RawRun(wall, total, failed)


def run(base_url: str, token: str, *, requests: int, concurrency: int) -> RawRun:
    return asyncio.run(_load(base_url, token, requests, concurrency))
