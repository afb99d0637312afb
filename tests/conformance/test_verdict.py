"""A run passes only when everything it planned was judged and nothing failed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from embedcheck.conformance.engine.breaker import Breaker
from embedcheck.conformance.http.transport import Exchange, Request
from embedcheck.conformance.profiles import Target, model_spec
from embedcheck.conformance.reports.redact import Redactor
from embedcheck.conformance.reports.results import RunResult, Tally, UnitResult
from embedcheck.conformance.verdict import EXIT_FAILED, EXIT_NOT_JUDGED, EXIT_PASSED, Verdict

TARGET = Target("worker", "http://127.0.0.1:9/", (model_spec("bge-small-en-v1.5"),))
CHECKS = ("dims", "shape", "vector-count")

tallies = st.builds(
    Tally,
    passed=st.integers(0, 3),
    failed=st.integers(0, 1),
    inconclusive=st.integers(0, 3),
    errors=st.integers(0, 1),
)


def result_of(cells: list[Tally], *, stopped: str = "", allow: bool = False) -> RunResult:
    unit = UnitResult(TARGET, "bge-small-en-v1.5", "embed", checks=CHECKS[: len(cells)])
    unit.tallies = dict(zip(CHECKS, cells, strict=False))
    result = RunResult([TARGET], 1, {}, "now", units=[unit], stopped=stopped)
    result.allow_inconclusive = allow
    return result


@given(st.lists(tallies, min_size=1, max_size=3), st.booleans())
def test_the_verdict_is_a_pass_only_when_every_cell_was_judged(
    cells: list[Tally], allow: bool
) -> None:
    result = result_of(cells, allow=allow)
    data = result.to_data(Redactor([]))
    # Each cell: failed > error (a check crashed) > passed > inconclusive (429/503) > n/a.
    statuses = [t.status for t in cells]
    if "failed" in statuses:
        expected = Verdict.FAILED
    elif not any(t.passed for t in cells):
        expected = Verdict.INCONCLUSIVE  # nothing at all was judged
    elif {"error", "inconclusive"} & set(statuses):
        expected = Verdict.INCOMPLETE
    else:
        expected = Verdict.PASSED
    assert data["verdict"] == expected
    assert data["passed"] is (expected is Verdict.PASSED)
    status = {Verdict.PASSED: EXIT_PASSED, Verdict.FAILED: EXIT_FAILED}.get(
        expected, EXIT_PASSED if allow else EXIT_NOT_JUDGED
    )
    assert data["exit_status"] == result.exit_code == status


def test_a_tripped_breaker_makes_a_passing_run_incomplete() -> None:
    result = result_of([Tally(passed=3)], stopped="not sent: 5 replies in a row stayed HTTP 429")
    assert result.verdict is Verdict.INCOMPLETE and result.exit_code == EXIT_NOT_JUDGED


def test_a_unit_cut_short_shows_its_checks_as_not_judged() -> None:
    unit = UnitResult(TARGET, "bge-small-en-v1.5", "embed", checks=("dims",), stopped="not sent")
    result = RunResult([TARGET], 1, {}, "now", units=[unit], stopped="not sent: 5 timeouts")
    data = result.to_data(Redactor([]))
    assert data["scorecard"]["dims"]["worker:bge-small-en-v1.5"]["status"] == "inconclusive"
    assert data["unjudged"] == [
        {
            "check": "dims",
            "column": "worker:bge-small-en-v1.5",
            "why": "the run stopped sending (5 timeouts)",
        }
    ]
    assert (data["verdict"], data["exit_status"]) == ("inconclusive", EXIT_NOT_JUDGED)


def _reply(status: int, retry_after: str | None = None, *, inconclusive: bool = True) -> Exchange:
    headers = (("retry-after", retry_after),) if retry_after is not None else ()
    request = Request("POST", "http://127.0.0.1:9/")
    return Exchange(request, status=status, headers=headers, inconclusive=inconclusive)


def test_the_breaker_trips_on_a_streak_of_429_and_a_reply_resets_it() -> None:
    breaker = Breaker(3, max_wait=10)
    assert [breaker.record(_reply(429)) for _ in range(2)] == [False, False]
    breaker.record(_reply(200, inconclusive=False))  # the streak starts again
    assert [breaker.record(_reply(503)) for _ in range(3)] == [False, False, True]
    assert "3 replies in a row stayed HTTP 503" in breaker.reason
    assert "--rate-limit" in breaker.reason


def test_the_breaker_trips_at_once_on_a_retry_after_beyond_the_wait_allowed() -> None:
    breaker = Breaker(5, max_wait=10)
    assert breaker.record(_reply(429, "5")) is False  # within what a request may wait
    assert breaker.record(_reply(429, "3600")) is True
    assert "retry after 3600 s" in breaker.reason and "beyond the 10 s" in breaker.reason
