"""How a mock instance behaves: token, faults, queue pace and the limits that bound its memory."""

from __future__ import annotations

from dataclasses import dataclass

from embedcheck.conformance.mock.faults import unknown_faults

MAX_BODY_BYTES = 10 * 1024 * 1024  # Workers AI answers 413 (code 3006) above 10 MB
PRECISIONS = ("float32", "bfloat16")


@dataclass(frozen=True)
class MockConfig:
    api_token: str | None = None  # when set, every route needs `Authorization: Bearer <token>`
    faults: frozenset[str] = frozenset()
    # Polls answered as pending before a queued job is done: earlier ones say "queued", the
    # last pending one "running" (so 2 gives queued -> running -> done).
    queue_polls_until_done: int = 2
    max_jobs: int = 10_000  # the job store forgets the oldest jobs beyond this many...
    max_job_bytes: int = 64 * 1024 * 1024  # ...or beyond this many bytes of queued bodies
    max_body_bytes: int = MAX_BODY_BYTES
    # Texts one request may turn into vectors (contexts, batch items): bounds the reply size
    # (10,000 x 1024 floats is ~110 MB of JSON); beyond it the mock answers 413, code 3006.
    max_texts: int = 10_000
    # Stand-ins for real differences between two servers of "the same" model, for
    # `embedcheck compare` (conformant either way, so not faults): "bfloat16" rounds every
    # vector to bf16 as a low-precision build would; a `model_variant` seeds the vectors of
    # every model apart, as another model of the same size would give.
    precision: str = "float32"
    model_variant: str = ""

    def __post_init__(self) -> None:
        # A plain set or list is accepted and frozen, so callers can write faults={"wrong-dims"}.
        object.__setattr__(self, "faults", frozenset(self.faults))
        unknown = unknown_faults(self.faults)
        if unknown:
            raise ValueError(f"unknown mock faults: {', '.join(unknown)}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
        if self.queue_polls_until_done < 0:
            raise ValueError("queue_polls_until_done must be >= 0")

    def has(self, fault: str) -> bool:
        return fault in self.faults
