"""`--rate-limit` holds across worker threads."""

from __future__ import annotations

import threading
import time

from embedcheck.conformance.http.ratelimit import RateLimiter


def test_the_bucket_spaces_requests_across_threads() -> None:
    limiter = RateLimiter(50)  # one every 20 ms
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 20
    assert time.monotonic() - start >= 19 * 0.02 * 0.9  # 20 requests need 19 intervals
