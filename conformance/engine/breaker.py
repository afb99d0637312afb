"""The breaker every worker of a run shares, threads or processes: when to stop sending.

It trips, and nothing more is sent to the target, after `limit` consecutive transport failures
(timeouts, resets, refused connections), after `limit` consecutive replies that stayed 429/503
through the retries, or at once when the target asks to wait (`Retry-After`) longer than a
request may wait. A dead, hostile or throttling server costs a handful of requests, not a run
of timeouts or a silent hour of sleeping; what was not judged makes the run INCOMPLETE. The
state sits in shared memory (`multiprocessing`), which forked worker processes inherit.
"""

from __future__ import annotations

import multiprocessing

from embedcheck.conformance.http.transport import Exchange, asked_wait

REASON_BYTES = 400  # the reason is a short sentence; a longer server message is cut
TRANSPORT_FAILURES = frozenset({"timeout", "reset", "disconnected", "too-large", "connect"})
RATE_HINT = "rerun later, or pace the run with --rate-limit R (requests per second)"


class Breaker:
    def __init__(self, limit: int, max_wait: float) -> None:
        self.limit = limit
        self.max_wait = max_wait  # seconds a request may wait for a retry
        # One lock for all three: the two streaks, and the reason (empty while closed).
        self._failures = multiprocessing.Value("i", 0)
        self._busy = multiprocessing.Value("i", 0, lock=False)
        self._reason = multiprocessing.Array("c", REASON_BYTES, lock=False)

    @property
    def reason(self) -> str:
        """'' while closed; once tripped, why nothing more is sent."""
        with self._failures.get_lock():
            return bytes(self._reason).rstrip(b"\0").decode("utf-8", "replace")

    def stop(self, reason: str) -> None:
        """Trip now, whatever the count (the run was interrupted): nothing more is sent."""
        with self._failures.get_lock():
            self._trip(reason)

    def record(self, exchange: Exchange) -> bool:
        """Count one exchange; True when this one tripped the breaker."""
        if exchange.skipped:
            return False
        with self._failures.get_lock():
            reason = self._verdict(exchange)
            return bool(reason) and self._trip(reason)

    def _trip(self, reason: str) -> bool:
        """Set the reason unless already tripped (the caller holds the lock)."""
        if self._reason[0] != b"\0":
            return False
        # Cut to fit, on a character boundary.
        encoded = reason.encode("utf-8")[: REASON_BYTES - 1]
        encoded = encoded.decode("utf-8", "ignore").encode("utf-8")
        self._reason[: len(encoded)] = encoded
        return True

    def _verdict(self, exchange: Exchange) -> str:
        """Update the streaks with `exchange`; why to trip now, or ''."""
        transport = exchange.error_kind in TRANSPORT_FAILURES
        self._failures.value = self._failures.value + 1 if transport else 0
        self._busy.value = self._busy.value + 1 if exchange.inconclusive else 0
        if self._failures.value >= self.limit:
            return (
                f"not sent: {self.limit} requests in a row failed at the transport level "
                f"(last: {exchange.error})"
            )
        wait = asked_wait(exchange)
        if exchange.inconclusive and wait is not None and wait > self.max_wait:
            return (
                f"not sent: the target answered HTTP {exchange.status} asking to retry after "
                f"{wait:.0f} s (Retry-After), beyond the {self.max_wait:g} s a request may "
                f"wait; {RATE_HINT}"
            )
        if self._busy.value >= self.limit:
            return (
                f"not sent: {self.limit} replies in a row stayed HTTP {exchange.status} "
                f"(rate limited or unavailable) after the retries; {RATE_HINT}"
            )
        return ""
