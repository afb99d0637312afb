"""What a run concluded, and the exit status `embedcheck run` gives for it (the one place).

A run passes only when every check x model cell it planned was judged and none failed (a
warning, where the contract is silent, fails it only with --strict). A cell
that could not be judged (every reply 429/503, the breaker stopped sending, a check crashed)
is never a pass: the run is INCOMPLETE, or INCONCLUSIVE when nothing at all was judged.
"""

from __future__ import annotations

from enum import StrEnum

EXIT_PASSED = 0
EXIT_FAILED = 1  # a check failed (or, with --strict, warned)
EXIT_USAGE = 2  # a usage or configuration mistake, or a target that cannot be reached
EXIT_NOT_JUDGED = 3  # INCOMPLETE or INCONCLUSIVE, unless --allow-inconclusive


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INCOMPLETE = "incomplete"  # some cells could not be judged
    INCONCLUSIVE = "inconclusive"  # no cell could be judged

    def exit_status(self, *, allow_inconclusive: bool = False) -> int:
        if self is Verdict.FAILED:
            return EXIT_FAILED
        if self is Verdict.PASSED or allow_inconclusive:
            return EXIT_PASSED
        return EXIT_NOT_JUDGED


def conclude(
    *, failed: bool, judged: int, unjudged: int, warned: bool = False, strict: bool = False
) -> Verdict:
    """The verdict over the planned cells: `judged` got a pass, a warning or a failure,
    `unjudged` not. Warnings leave a pass a pass, unless `strict`."""
    if failed or (warned and strict):
        return Verdict.FAILED
    if judged == 0:
        return Verdict.INCONCLUSIVE
    return Verdict.INCOMPLETE if unjudged else Verdict.PASSED
