"""A token bucket shared by every worker, threads or processes, so `--rate-limit R` holds for
the whole run. Its state lives in shared memory (`multiprocessing`), which forked worker
processes inherit; threads of one process share it as well."""

from __future__ import annotations

import multiprocessing
import time


class RateLimiter:
    def __init__(self, per_second: float, burst: int = 1) -> None:
        if per_second <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / per_second
        self._burst = max(1, burst)
        # [tokens, stamp]: one array so both change together under the one lock
        self._state = multiprocessing.Array("d", [float(self._burst), time.monotonic()])

    def acquire(self) -> None:
        """Block until one request may go out."""
        while True:
            with self._state.get_lock():
                tokens, stamp = self._state[0], self._state[1]
                now = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process
                tokens = min(self._burst, tokens + (now - stamp) / self._interval)
                if tokens >= 1:
                    self._state[0], self._state[1] = tokens - 1, now
                    return
                self._state[0], self._state[1] = tokens, now
                wait = (1 - tokens) * self._interval
            time.sleep(wait)
