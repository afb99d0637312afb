"""Send the texts to both sides over the suite's transport, several requests at once.

The first batch goes to both sides before anything else: a side that cannot be reached, or
refuses the request, stops the comparison there (exit 2), and so do vectors of different
sizes — the verdict is known from one reply each, the rest of the corpus is never sent.
The other batches go out from a thread pool over one `HttpClient` (kept-alive connections,
proxy and CAs, rate limit, retries on 429/503, failures as data); a batch that fails leaves
its texts uncompared, and the comparison incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from embedcheck.conformance.compare.sides import Matrix, Side, UnusableReply
from embedcheck.conformance.errors import TargetUnreachable
from embedcheck.conformance.http.network import NetworkOptions
from embedcheck.conformance.http.ratelimit import RateLimiter
from embedcheck.conformance.http.transport import DEFAULT_TIMEOUT, HttpClient

DEFAULT_BATCH = 32


@dataclass(frozen=True)
class SendOptions:
    batch_size: int = DEFAULT_BATCH
    workers: int = 8  # requests in flight at once
    rate_limit: float | None = None  # requests per second, both sides together
    timeout: float = DEFAULT_TIMEOUT
    retries: int = 2
    network: NetworkOptions = field(default_factory=NetworkOptions)  # proxy and CAs, as in run


@dataclass
class SideVectors:
    """What one side gave: a row per text (NaN rows where its batch failed)."""

    side: Side
    vectors: Matrix
    requests: int = 0  # HTTP requests sent, retries included
    problems: list[str] = field(default_factory=list)

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])


@dataclass
class Collected:
    texts: list[str]
    a: SideVectors
    b: SideVectors
    sent: int  # texts sent to both sides (all of them, unless the dims differ)

    @property
    def dims_differ(self) -> bool:
        return self.a.dims != self.b.dims

    @property
    def missing(self) -> NDArray[np.bool_]:
        """Which texts lack a vector on either side (a boolean per text)."""
        lost = np.logical_or(
            np.isnan(self.a.vectors).all(axis=1), np.isnan(self.b.vectors).all(axis=1)
        )
        return np.asarray(lost, dtype=np.bool_)


def batches(count: int, size: int) -> list[range]:
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


@dataclass(frozen=True)
class Reply:
    """One request's outcome: the vectors, or the problem that left the texts without any."""

    vectors: Matrix | None
    attempts: int
    problem: str = ""


@dataclass(frozen=True)
class Ask:
    side: Side
    texts: Sequence[str]
    pooling: str | None = None  # None: the side's own


class Sender:
    """One client and one thread pool for the whole comparison (pooling probes included)."""

    def __init__(self, options: SendOptions) -> None:
        self.options = options
        limiter = RateLimiter(options.rate_limit) if options.rate_limit else None
        self.client = HttpClient(
            timeout=options.timeout,
            retries=options.retries,
            rate_limiter=limiter,
            pool_size=options.workers,
            network=options.network,
        )
        self.pool = ThreadPoolExecutor(options.workers, thread_name_prefix="embedcheck-compare")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.client.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(self, ask: Ask) -> Reply:
        request = ask.side.request(list(ask.texts), ask.pooling, label=f"side {ask.side.name}")
        exchange = self.client.send(request)
        try:
            return Reply(ask.side.vectors(exchange, len(ask.texts)), exchange.attempts)
        except UnusableReply as exc:
            return Reply(None, exchange.attempts, str(exc))

    def ask_all(self, asks: Sequence[Ask]) -> list[Reply]:
        """The replies to `asks`, in order, with up to `workers` requests in flight."""
        return list(self.pool.map(self.ask, asks))


def collect(sender: Sender, a: Side, b: Side, texts: list[str]) -> Collected:
    """Every text's vector from both sides; TargetUnreachable when the first batch fails."""
    groups = batches(len(texts), sender.options.batch_size)
    head = groups[0]
    results: list[SideVectors] = []
    for side, reply in zip(
        (a, b),
        sender.ask_all([Ask(a, texts[: head.stop]), Ask(b, texts[: head.stop])]),
        strict=True,
    ):
        if reply.vectors is None:
            raise TargetUnreachable(f"side {side.name} ({side.describe()}): {reply.problem}")
        full = np.full((len(texts), reply.vectors.shape[1]), np.nan)
        full[: head.stop] = reply.vectors
        results.append(SideVectors(side, full, requests=reply.attempts))
    collected = Collected(texts, results[0], results[1], sent=head.stop)
    if collected.dims_differ:
        return collected  # decided: the rest of the corpus would only cost requests
    jobs = [(held, group) for group in groups[1:] for held in results]
    replies = sender.ask_all(
        [Ask(held.side, texts[group.start : group.stop]) for held, group in jobs]
    )
    for (held, group), reply in zip(jobs, replies, strict=True):
        held.requests += reply.attempts
        where = f"texts {group.start + 1}-{group.stop}"
        if reply.vectors is None:
            held.problems.append(f"{where}: {reply.problem}")
        elif reply.vectors.shape[1] != held.dims:
            held.problems.append(f"{where}: {reply.vectors.shape[1]} dims, not {held.dims}")
        else:
            held.vectors[group.start : group.stop] = reply.vectors
    collected.sent = len(texts)
    return collected
