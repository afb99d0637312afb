"""What a run is asked to do: budgets, concurrency, limits and tolerances."""

from __future__ import annotations

import multiprocessing
import sys
from dataclasses import dataclass, field
from pathlib import Path

from embedcheck.conformance.checks import Tolerances
from embedcheck.conformance.http.network import NetworkOptions
from embedcheck.conformance.http.transport import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT

DEFAULT_MAX_EXAMPLES = 20
PARALLEL_MODES = ("processes", "threads")


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def default_parallel() -> str:
    # Worker processes are forked from the run's process (cheap, and they inherit its loaded
    # schemas and shared breaker); fork is only safe to rely on on Linux.
    return "processes" if sys.platform == "linux" and can_fork() else "threads"


@dataclass(frozen=True)
class RunOptions:
    max_examples: int = DEFAULT_MAX_EXAMPLES
    seed: int | None = None
    workers: int = 4  # requests in flight at once
    # processes: units run in forked worker processes (Hypothesis is CPU-bound, and threads of
    # one process share one core), a few more than `workers`; threads: `workers` threads here.
    parallel: str = field(default_factory=default_parallel)
    rate_limit: float | None = None  # requests per second over the whole run
    checks: tuple[str, ...] = ()  # empty: all
    exclude_checks: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    max_body: int = DEFAULT_MAX_BODY
    retries: int = 2
    max_retry_wait: float = 10.0
    tolerances: Tolerances = field(default_factory=Tolerances)
    example_db: Path | None = None
    shrink_budget: int = 25  # examples sent per unit after its first failure
    boundaries: bool = True  # send the boundary cases (the same on every run)
    scenarios: tuple[str, ...] = ()  # empty: all (a testing aid; checks select scenarios too)
    allow_inconclusive: bool = False  # exit 0 when nothing failed, even if not all was judged
    strict: bool = False  # a warning (the contract is silent, a user should know) fails the run
    network: NetworkOptions = field(default_factory=NetworkOptions)  # proxy and CAs

    def __post_init__(self) -> None:
        if self.parallel not in PARALLEL_MODES:
            raise ValueError(f"parallel must be one of {PARALLEL_MODES}, got {self.parallel!r}")
