"""The async batch queue: jobs keyed by request_id, pending for a few polls, then done.

A job keeps the validated request items, not their results: results are computed when a poll
finds the job done (vectors are deterministic, so computing them again later is the same). The
store is bounded by job count and by queued bytes and forgets the oldest jobs first, so a long
fuzz run cannot grow the mock's memory without bound.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from embedcheck.schemas import ModelRecord


@dataclass
class Job:
    request_id: str
    model: ModelRecord
    items: list[Any]
    size: int  # bytes of the submitted body, for the store's byte budget
    polls: int = field(default=0)


class JobStore:
    def __init__(self, max_jobs: int, max_bytes: int) -> None:
        self.max_jobs = max_jobs
        self.max_bytes = max_bytes
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._jobs)

    def submit(self, model: ModelRecord, items: list[Any], size: int) -> Job:
        job = Job(str(uuid.uuid4()), model, items, size)
        self._jobs[job.request_id] = job
        self._bytes += size
        # Keep at least the job just submitted, whatever its size.
        while len(self._jobs) > 1 and (
            len(self._jobs) > self.max_jobs or self._bytes > self.max_bytes
        ):
            _, old = self._jobs.popitem(last=False)
            self._bytes -= old.size
        return job

    def get(self, request_id: str) -> Job | None:
        job = self._jobs.get(request_id)
        if job is not None:
            self._jobs.move_to_end(request_id)
        return job


def pending_status(polls: int, polls_until_done: int, never_done: bool) -> str | None:
    """The status the `polls`-th poll (from 1) reports, or None once the job is done."""
    if never_done:
        return "running"
    if polls > polls_until_done:
        return None
    return "running" if polls == polls_until_done else "queued"
