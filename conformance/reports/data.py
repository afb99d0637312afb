"""The report data every view reads (report.json as written), as TypedDicts for mypy.

`RunResult.to_data()` builds a `ReportData`; the JSON, JUnit, HTML and terminal views and the
pytest plugin read only what is declared here.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# A cell's status, worst first: "warning" is a finding the contract is silent about
# (a failure only with --strict).
STATUSES = ("failed", "error", "warning", "passed", "inconclusive", "not-judged", "n/a")
SEVERITIES = ("failure", "warning")


class TallyData(TypedDict):
    status: str  # one of STATUSES
    passed: int
    failed: int
    warned: int  # examples with a warning
    inconclusive: int
    errors: int
    cut_short: int  # units of this cell stopped before the end (breaker, crash)
    blocked_by: list[str]  # not-judged: the failed checks that left nothing to judge


class RequestData(TypedDict):
    method: str
    url: str
    headers: dict[str, str]
    body: Any


class ResponseData(TypedDict):
    status: int | None
    headers: dict[str, str]
    body: str
    bytes: int
    error: str
    error_kind: str
    elapsed_s: float
    attempts: int
    inconclusive: bool


class ExchangeData(TypedDict):
    label: str
    failing: bool
    request: RequestData
    response: ResponseData
    curl: str


class FindingData(TypedDict):
    check: str
    severity: str  # one of SEVERITIES
    summary: str
    column: str  # profile:model, as in `columns`
    profile: str
    model: str
    scenario: str
    kind: str  # what makes this failure distinct from the check's others
    seen: int  # failing examples of this kind
    message: str
    expected: Any
    actual: Any
    origin: str  # boundary | replayed | generated
    payloads: list[str]
    exchanges: list[ExchangeData]


class OmittedData(TypedDict):
    """Distinct failures of one check left out of `findings` (beyond the cap)."""

    check: str
    column: str
    kinds: int
    examples: int


class TargetData(TypedDict):
    profile: str
    base_url: str
    account_id: str | None
    models: list[str]
    token: str | None


class UnitData(TypedDict):
    column: str
    scenario: str
    examples: int
    requests: int
    replayed: int  # examples replayed from the example database
    elapsed_s: float
    error: str
    stopped: str  # why the unit was cut short, when it was
    tallies: dict[str, TallyData]


class MockData(TypedDict):
    """The bundled mock the run checked, and the command that starts it again."""

    base_url: str
    faults: list[str]
    command: str


class UnjudgedData(TypedDict):
    check: str
    column: str
    why: str


class ReportData(TypedDict):
    tool: str
    started: str
    duration_s: float
    seed: int
    settings: dict[str, Any]
    targets: list[TargetData]
    passed: bool
    strict: bool  # --strict: warnings fail the run
    warnings: int  # distinct findings of warning severity shown
    interrupted: bool  # Ctrl-C: only the units finished by then are in the report
    totals: dict[str, int]  # STATUSES -> check x model cells
    checks: dict[str, str]  # name -> summary, in report order
    columns: list[str]
    scorecard: dict[str, dict[str, TallyData]]  # check -> column -> tally
    findings: list[FindingData]  # grouped by check and column, smallest first
    omitted: list[OmittedData]
    units: list[UnitData]
    errors: list[str]
    notes: list[str]
    verdict: str  # passed | failed | incomplete | inconclusive
    exit_status: int
    unjudged: list[UnjudgedData]  # the cells that could not be judged, and why
    description: NotRequired[str]
    mock: NotRequired[MockData]
    reports: NotRequired[list[str]]


TYPES: tuple[type, ...] = (
    TallyData,
    RequestData,
    ResponseData,
    ExchangeData,
    FindingData,
    OmittedData,
    TargetData,
    UnitData,
    MockData,
    ReportData,
)


def unjudged_reasons(data: ReportData) -> dict[tuple[str, str], str]:
    """(column, check) -> why that cell could not be judged, as the result model says."""
    return {(c["column"], c["check"]): c["why"] for c in data["unjudged"]}


def key_names() -> list[str]:
    """Every key a report holds, for the report's vocabulary."""
    return sorted({key for kind in TYPES for key in kind.__annotations__})
