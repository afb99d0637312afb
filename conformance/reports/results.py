"""What a run found, as plain data: per (profile, model, check) tallies and the minimal failures.

`RunResult.to_data()` is the one JSON-ready view every report renders (after redaction), so the
terminal, JSON, JUnit and HTML outputs cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from embedcheck.conformance.checks import ALL, REGISTRY, CheckFailed
from embedcheck.conformance.reports.curl import curl_command
from embedcheck.conformance.profiles import Target
from embedcheck.conformance.reports.redact import Redactor
from embedcheck.conformance.http.transport import NO_BODY, Exchange
from embedcheck.conformance.vocabulary import Outcome

BODY_EXCERPT = 2000
STATUSES = ("failed", "error", "passed", "inconclusive", "n/a")


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    errors: int = 0

    def add(self, other: Tally) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.inconclusive += other.inconclusive
        self.errors += other.errors

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.errors:
            return "error"
        if self.passed:
            return "passed"
        return "inconclusive" if self.inconclusive else "n/a"

    def to_data(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "passed": self.passed,
            "failed": self.failed,
            "inconclusive": self.inconclusive,
            "errors": self.errors,
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
        return any(t.failed or t.errors for row in self.scorecard().values() for t in row.values())

    @property
    def errors(self) -> list[str]:
        return [f"{u.column} {u.scenario}: {u.error}" for u in self.units if u.error]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.errors else 0

    def to_data(self, redactor: Redactor) -> dict[str, Any]:
        """The JSON-ready view of the run, every string passed through `redactor`."""
        card = self.scorecard()
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
            "passed": self.exit_code == 0,
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
        "tallies": {name: t.to_data() for name, t in unit.tallies.items()},
    }


def failed_checks(result: RunResult) -> set[str]:
    return {
        check for check, row in result.scorecard().items() if any(t.failed for t in row.values())
    }
