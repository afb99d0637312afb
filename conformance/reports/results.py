"""What a run found, as plain data: per (profile, model, check) tallies and the minimal failures.

`RunResult.to_data()` is the one JSON-ready view every report renders (after redaction), so the
terminal, JSON, JUnit and HTML outputs cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from embedcheck.conformance.checks import ALL, REGISTRY, CheckFailed, Outcome
from embedcheck.conformance.reports.curl import curl_command
from embedcheck.conformance.profiles import Target
from embedcheck.conformance.reports.redact import Redactor
from embedcheck.conformance.http.transport import NO_BODY, Exchange
from embedcheck.conformance.verdict import Verdict, conclude

BODY_EXCERPT = 2000
STATUSES = ("failed", "error", "passed", "inconclusive", "n/a")


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    errors: int = 0
    cut_short: int = 0  # units of this cell stopped before the end (breaker, crash)

    def add(self, other: Tally) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.inconclusive += other.inconclusive
        self.errors += other.errors
        self.cut_short += other.cut_short

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.errors:
            return "error"
        if self.passed:
            return "passed"
        return "inconclusive" if self.inconclusive or self.cut_short else "n/a"

    @property
    def unjudged(self) -> bool:
        """Planned, and neither passed nor failed because something stood in the way."""
        return self.status in ("error", "inconclusive")

    def to_data(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "passed": self.passed,
            "failed": self.failed,
            "inconclusive": self.inconclusive,
            "errors": self.errors,
            "cut_short": self.cut_short,
        }


@dataclass(frozen=True)
class Finding:
    """The smallest example seen failing one check in one unit."""

    check: str
    profile: str
    model: str
    scenario: str
    failure: CheckFailed
    outcome: Outcome
    origin: str  # "boundary" (sent on every run) or "generated" (drawn and shrunk by Hypothesis)
    size: int  # length of the case's canonical JSON: smaller is simpler

    def to_data(self, target: Target, redactor: Redactor) -> dict[str, Any]:
        failing = self.failure.exchange
        return {
            "check": self.check,
            "summary": REGISTRY[self.check].summary,
            "profile": self.profile,
            "model": self.model,
            "scenario": self.scenario,
            "message": self.failure.message,
            "expected": _plain(self.failure.expected),
            "actual": _plain(self.failure.actual),
            "origin": self.origin,
            "payloads": [p.describe() for p in self.outcome.case.payloads],
            "exchanges": [
                exchange_data(e, target, redactor, failing=e is failing)
                for e in self.outcome.all_exchanges
            ],
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def exchange_data(
    exchange: Exchange, target: Target, redactor: Redactor, *, failing: bool = False
) -> dict[str, Any]:
    request = exchange.request
    body = exchange.body[:BODY_EXCERPT].decode("utf-8", "replace")
    return {
        "label": request.label,
        "failing": failing,
        "request": {
            "method": request.method,
            "url": request.url,
            "headers": dict(redactor.headers(request.headers)),
            "body": None if request.body is NO_BODY else request.body,
        },
        "response": {
            "status": exchange.status,
            "headers": dict(redactor.headers(exchange.headers)),
            "body": body + ("..." if len(exchange.body) > BODY_EXCERPT else ""),
            "bytes": len(exchange.body),
            "error": exchange.error,
            "elapsed_s": round(exchange.elapsed, 4),
            "attempts": exchange.attempts,
            "inconclusive": exchange.inconclusive,
        },
        "curl": curl_command(request, redactor, target.secret_env),
    }


@dataclass
class UnitResult:
    """One scenario run against one model of one target."""

    target: Target
    model: str
    scenario: str
    tallies: dict[str, Tally] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    examples: int = 0
    requests: int = 0
    elapsed: float = 0.0
    error: str = ""
    checks: tuple[str, ...] = ()  # the checks planned to judge this unit
    stopped: str = ""  # why the unit was cut short, when the run's breaker tripped

    @property
    def column(self) -> str:
        return f"{self.target.profile}:{self.model}"


@dataclass
class RunResult:
    targets: list[Target]
    seed: int
    settings: dict[str, Any]
    started: str
    units: list[UnitResult] = field(default_factory=list)
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    stopped: str = ""  # the breaker's reason, when it tripped
    allow_inconclusive: bool = False  # --allow-inconclusive: exit 0 unless something failed

    def columns(self) -> list[str]:
        return list(dict.fromkeys(u.column for u in self.units))

    def scorecard(self) -> dict[str, dict[str, Tally]]:
        """check -> column (profile:model) -> merged tally, in report order."""
        card: dict[str, dict[str, Tally]] = {}
        for check in ALL:
            row: dict[str, Tally] = {}
            for unit in self.units:
                tally = unit.tallies.get(check.name)
                if tally is not None:
                    row.setdefault(unit.column, Tally()).add(tally)
                if check.name in unit.checks and (unit.stopped or unit.error):
                    row.setdefault(unit.column, Tally()).cut_short += 1
            if row:
                card[check.name] = row
        return card

    def findings(self) -> list[tuple[UnitResult, Finding]]:
        """The smallest finding per (column, check)."""
        best: dict[tuple[str, str], tuple[UnitResult, Finding]] = {}
        for unit in self.units:
            for finding in unit.findings.values():
                key = (unit.column, finding.check)
                if key not in best or finding.size < best[key][1].size:
                    best[key] = (unit, finding)
        order = {c.name: i for i, c in enumerate(ALL)}
        return sorted(best.values(), key=lambda uf: (order[uf[1].check], uf[0].column))

    @property
    def failed(self) -> bool:
        return any(t.failed for row in self.scorecard().values() for t in row.values())

    @property
    def errors(self) -> list[str]:
        return [f"{u.column} {u.scenario}: {u.error}" for u in self.units if u.error]

    def unjudged(self) -> list[dict[str, str]]:
        """The planned cells neither passed nor failed, each with why."""
        cells = []
        for check, row in self.scorecard().items():
            for column, tally in row.items():
                if tally.unjudged:
                    cells.append({"check": check, "column": column, "why": self._why(tally)})
        return cells

    def _why(self, tally: Tally) -> str:
        if tally.errors:
            return "the check crashed (see errors)"
        if tally.cut_short and self.stopped:
            return f"the run stopped sending ({self.stopped.removeprefix('not sent: ')})"
        if tally.cut_short:
            return "its unit crashed (see errors)"
        return "every reply was 429/503 after the retries"

    @property
    def verdict(self) -> Verdict:
        card = self.scorecard()
        tallies = [t for row in card.values() for t in row.values()]
        unjudged = sum(t.unjudged for t in tallies) + bool(self.stopped) + bool(self.errors)
        return conclude(
            failed=self.failed,
            judged=sum(t.passed + t.failed > 0 for t in tallies),
            unjudged=unjudged,
        )

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_status(allow_inconclusive=self.allow_inconclusive)

    def to_data(self, redactor: Redactor) -> dict[str, Any]:
        """The JSON-ready view of the run, every string passed through `redactor`."""
        card = self.scorecard()
        verdict = self.verdict
        totals = {s: 0 for s in STATUSES}
        for row in card.values():
            for tally in row.values():
                totals[tally.status] += 1
        data = {
            "tool": "embedcheck",
            "started": self.started,
            "duration_s": round(self.duration, 2),
            "seed": self.seed,
            "settings": self.settings,
            "targets": [_target_data(t) for t in self.targets],
            "verdict": str(verdict),
            "exit_status": verdict.exit_status(allow_inconclusive=self.allow_inconclusive),
            "passed": verdict is Verdict.PASSED,
            "unjudged": self.unjudged(),
            "totals": totals,
            "checks": {c.name: c.summary for c in ALL if c.name in card},
            "columns": self.columns(),
            "scorecard": {
                check: {col: tally.to_data() for col, tally in row.items()}
                for check, row in card.items()
            },
            "findings": [f.to_data(u.target, redactor) for u, f in self.findings()],
            "units": [_unit_data(u) for u in self.units],
            "errors": self.errors,
            "notes": self.notes,
        }
        redacted: dict[str, Any] = redactor.data(data)
        return redacted


def _target_data(target: Target) -> dict[str, Any]:
    return {
        "profile": target.profile,
        "base_url": target.base_url,
        "account_id": target.account_id,
        "models": [m.name for m in target.models],
        "token": "***" if target.token else None,
    }


def _unit_data(unit: UnitResult) -> dict[str, Any]:
    return {
        "column": unit.column,
        "scenario": unit.scenario,
        "examples": unit.examples,
        "requests": unit.requests,
        "elapsed_s": round(unit.elapsed, 3),
        "error": unit.error,
        "stopped": unit.stopped,
        "tallies": {name: t.to_data() for name, t in unit.tallies.items()},
    }


def failed_checks(result: RunResult) -> set[str]:
    return {
        check for check, row in result.scorecard().items() if any(t.failed for t in row.values())
    }
