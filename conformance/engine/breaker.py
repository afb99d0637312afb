"""The transport-failure breaker every worker of a run shares, threads or processes.

After `limit` consecutive transport failures (timeouts, resets, refused connections), wherever
they happened, the breaker trips and nothing more is sent to the target: a dead or hostile
server costs a handful of requests, not a full run of timeouts. The state sits in shared memory
(`multiprocessing`), which forked worker processes inherit.
"""

from __future__ import annotations

import multiprocessing

REASON_BYTES = 400  # the reason is a short sentence; a longer server message is cut


class Breaker:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        # One lock for both: the count, and the reason (empty while the breaker is closed).
        self._consecutive = multiprocessing.Value("i", 0)
        self._reason = multiprocessing.Array("c", REASON_BYTES, lock=False)

    @property
    def reason(self) -> str:
        """'' while closed; once tripped, why nothing more is sent."""
        with self._consecutive.get_lock():
            return bytes(self._reason).rstrip(b"\0").decode("utf-8", "replace")

    def stop(self, reason: str) -> None:
        """Trip now, whatever the count (the run was interrupted): nothing more is sent."""
        with self._consecutive.get_lock():
            if self._reason[0] == b"\0":
                encoded = reason.encode("utf-8")[: REASON_BYTES - 1]
                encoded = encoded.decode("utf-8", "ignore").encode("utf-8")
                self._reason[: len(encoded)] = encoded

    def record(self, transport_failure: bool, error: str) -> bool:
        """Count one exchange; True when this one tripped the breaker."""
        with self._consecutive.get_lock():
            if not transport_failure:
                self._consecutive.value = 0
                return False
            self._consecutive.value += 1
            if self._consecutive.value < self.limit or self._reason[0] != b"\0":
                return False
            reason = (
                f"not sent: {self.limit} requests in a row failed at the transport level "
                f"(last: {error})"
            )
            # Cut to fit, on a character boundary.
            encoded = reason.encode("utf-8")[: REASON_BYTES - 1]
            encoded = encoded.decode("utf-8", "ignore").encode("utf-8")
            self._reason[: len(encoded)] = encoded
            return True
