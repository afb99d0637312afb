"""Requests in flight together, for the fault that corrupts vectors only then
(ggml-org/llama.cpp#26282): an ASGI middleware marks each request that overlapped another,
and the embedder asks `crowded()` while it works on one."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

# A server that batches concurrent requests waits a moment to gather them: so does this one,
# so that requests sent together are seen together.
GATHER_WINDOW = 0.02  # seconds


@dataclass(eq=False)
class Visit:
    crowded: bool = False  # another request was in flight at some time during this one


_current: ContextVar[Visit | None] = ContextVar("embedcheck_mock_visit", default=None)


def crowded() -> bool:
    """Whether the request being answered has had company."""
    visit = _current.get()
    return visit is not None and visit.crowded


class InFlight:
    """Tracks the HTTP requests in flight and marks those that overlap."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.active: set[Visit] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        visit = Visit(crowded=bool(self.active))
        for other in self.active:
            other.crowded = True
        self.active.add(visit)
        token = _current.set(visit)
        try:
            await asyncio.sleep(GATHER_WINDOW)
            return await self.app(scope, receive, send)
        finally:
            self.active.discard(visit)
            _current.reset(token)
