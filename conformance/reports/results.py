"""What a run found, as plain data: per (profile, model, check) tallies and the distinct failures.

`RunResult.to_data()` is the one JSON-ready view every report renders (after redaction), so the
terminal, JSON, JUnit and HTML outputs cannot disagree. Its shape is `reports.data.ReportData`.

Every distinct failure of a check is kept, not only the smallest: two failing examples are the
same failure when they fail the same check on the same kind of payload (its variant or its
mutation, item indices aside) with the same wording, numbers and quoted values aside
(`failure_kind`). Each kind keeps its smallest example; a check shows up to `KINDS_SHOWN`
kinds, smallest first, and counts the rest.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from embedcheck.conformance.checks import ALL, REGISTRY, CheckFailed
from embedcheck.conformance.checks.base import WARNING
from embedcheck.conformance.generation.scenarios import SCENARIOS
from embedcheck.conformance.http.network import Network
from embedcheck.conformance.http.transport import NO_BODY, Exchange
from embedcheck.conformance.profiles import PROFILES, Target
from embedcheck.conformance.reports.curl import curl_command
from embedcheck.conformance.reports.data import (
    STATUSES,
    ExchangeData,
    FindingData,
    MockData,
    OmittedData,
    ReportData,
    TallyData,
    TargetData,
    UnitData,
    UnjudgedData,
    key_names,
)
from embedcheck.conformance.reports.redact import Redactor
from embedcheck.conformance.verdict import Verdict, conclude
from embedcheck.conformance.vocabulary import Outcome, Payload

BODY_EXCERPT = 2000
KINDS_SHOWN = 10  # distinct failures shown per check and column; the rest are counted
KINDS_KEPT = 50  # distinct failures a unit keeps per check (memory bound on a wild server)
# Checks whose failure on an outcome leaves the later checks no reply to judge: a check that
# judged nothing where one of these failed is "not judged", not "does not apply".
GATES = frozenset({"responds", "no-5xx", "valid-accepted", "invalid-rejected", "json-body"})
# Report values that name things the report refers to elsewhere (often as keys): masking them
# would break the references, and they hold our names or the user's model names, not replies.
NAMES = frozenset({"columns", "column", "check", "profile", "model", "scenario", "status"})


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    warned: int = 0  # examples with a warning (the contract is silent; see checks.base)
    inconclusive: int = 0
    errors: int = 0
    cut_short: int = 0  # units of this cell stopped before the end (breaker, crash)
    blocked: Counter[str] = field(default_factory=Counter)  # gate check -> outcomes it left
    undecided: Counter[str] = field(default_factory=Counter)  # why the check could not decide

    def add(self, other: Tally) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.warned += other.warned
        self.inconclusive += other.inconclusive
        self.errors += other.errors
        self.cut_short += other.cut_short
        self.blocked.update(other.blocked)
        self.undecided.update(other.undecided)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.errors:
            return "error"
        if self.warned:
            return "warning"
        if self.passed:
            return "passed"
        if self.inconclusive or self.cut_short:
            return "inconclusive"
        return "not-judged" if self.blocked else "n/a"

    @property
    def unjudged(self) -> bool:
        """Planned, and neither passed nor failed because something stood in the way."""
        return self.status in ("error", "inconclusive")

    @property
    def blocked_by(self) -> list[str]:
        """The gate checks that left this check nothing to judge, in report order."""
        return [c.name for c in ALL if c.name in self.blocked]

    def to_data(self) -> TallyData:
        return {
            "status": self.status,
            "passed": self.passed,
            "failed": self.failed,
            "warned": self.warned,
            "inconclusive": self.inconclusive,
            "errors": self.errors,
            "cut_short": self.cut_short,
            "blocked_by": self.blocked_by if self.status == "not-judged" else [],
        }


@dataclass
class Finding:
    """The smallest example seen failing one check in one way (`kind`) in one unit."""

    check: str
    profile: str
    model: str
    scenario: str
    failure: CheckFailed
    outcome: Outcome
    # "boundary" (sent on every run), "replayed" (saved in the example database by an earlier
    # run) or "generated" (drawn and shrunk by Hypothesis)
    origin: str
    size: int  # length of the case's canonical JSON: smaller is simpler
    kind: str = ""  # failure_kind(): what makes it distinct from the check's other failures
    seen: int = 1  # failing examples of this kind

    @property
    def column(self) -> str:
        return f"{self.profile}:{self.model}"

    def to_data(
        self, target: Target, redactor: Redactor, network: Network | None = None
    ) -> FindingData:
        failing = self.failure.exchange
        return {
            "check": self.check,
            "severity": self.failure.severity,
            "summary": REGISTRY[self.check].summary,
            "column": self.column,
            "profile": self.profile,
            "model": self.model,
            "scenario": self.scenario,
            "kind": self.kind,
            "seen": self.seen,
            "message": self.failure.message,
            "expected": redactor.content(_plain(self.failure.expected)),
            "actual": redactor.content(_plain(self.failure.actual)),
            "origin": self.origin,
            "payloads": [p.describe() for p in self.outcome.case.payloads],
            "exchanges": [
                exchange_data(e, target, redactor, failing=e is failing, network=network)
                for e in self.outcome.all_exchanges
            ],
        }


def payload_of(exchange: Exchange | None, outcome: Outcome) -> Payload | None:
    """The payload `exchange` answers, if it answers one (polls answer none)."""
    for payload, sent in zip(outcome.case.payloads, outcome.exchanges, strict=False):
        if sent is exchange:
            return payload
    return None


def message_template(message: str) -> str:
    """The wording of a message without what varies between examples of one failure: the
    reply excerpt (from the first `{`), quoted values and numbers."""
    text = message.partition("{")[0]
    text = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text)
    text = re.sub(r"-?\d+(?:\.\d+)?", "#", text)
    return re.sub(r"\[#(?:, ?#)*\]", "[#...]", text)[:120]  # lists of numbers of any length


def failure_kind(failure: CheckFailed, outcome: Outcome) -> str:
    """What tells this failure apart from the check's others: the kind of payload (a valid
    variant, or an invalid one's mutation and field, item indices aside: the 3rd and the 17th
    item failing alike are one failure) and the wording of the message (numbers and quoted
    values aside: `expected [1, 384]` and `expected [2, 384]` are one failure)."""
    payload = payload_of(failure.exchange, outcome)
    what = payload.describe() if payload is not None else outcome.case.scenario
    what = re.sub(r"/\d+", "/*", what)
    return f"{what} | {message_template(failure.message)}"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def exchange_data(
    exchange: Exchange,
    target: Target,
    redactor: Redactor,
    *,
    failing: bool = False,
    network: Network | None = None,
) -> ExchangeData:
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
            "error_kind": exchange.error_kind,
            "elapsed_s": round(exchange.elapsed, 4),
            "attempts": exchange.attempts,
            "inconclusive": exchange.inconclusive,
        },
        "curl": curl_command(request, redactor, target.secret_env, network),
    }


@dataclass
class UnitResult:
    """One scenario run against one model of one target."""

    target: Target
    model: str
    scenario: str
    tallies: dict[str, Tally] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)  # (check, kind)
    unkept: Counter[str] = field(default_factory=Counter)  # check -> failures past KINDS_KEPT
    examples: int = 0
    requests: int = 0
    replayed: int = 0  # examples replayed from the example database, before generation
    elapsed: float = 0.0
    error: str = ""
    checks: tuple[str, ...] = ()  # the checks planned to judge this unit
    stopped: str = ""  # why the unit was cut short, when the run's breaker tripped

    @property
    def column(self) -> str:
        return f"{self.target.profile}:{self.model}"

    def keep(self, finding: Finding) -> None:
        """Count `finding`; keep it if it is a new kind, or smaller than its kind's so far."""
        key = (finding.check, finding.kind)
        known = self.findings.get(key)
        if known is not None:
            known.seen += 1
            if finding.size < known.size:
                finding.seen = known.seen
                self.findings[key] = finding
            return
        if sum(1 for check, _ in self.findings if check == finding.check) >= KINDS_KEPT:
            self.unkept[finding.check] += 1
            return
        self.findings[key] = finding


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
    strict: bool = False  # --strict: a warning fails the run
    interrupted: bool = False  # Ctrl-C: `units` holds only the units finished by then
    network: Network | None = None  # how requests were sent, for the curl lines

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

    def distinct_findings(self) -> dict[tuple[str, str], list[tuple[UnitResult, Finding]]]:
        """(check, column) -> every distinct failure, smallest first, in report order."""
        best: dict[tuple[str, str, str], tuple[UnitResult, Finding]] = {}
        seen: Counter[tuple[str, str, str]] = Counter()
        for unit in self.units:
            for finding in unit.findings.values():
                key = (finding.check, unit.column, finding.kind)
                seen[key] += finding.seen
                if key not in best or finding.size < best[key][1].size:
                    best[key] = (unit, finding)
        groups: dict[tuple[str, str], list[tuple[UnitResult, Finding]]] = {}
        for (check, column, kind), (unit, finding) in best.items():
            if finding.seen != seen[check, column, kind]:
                finding = Finding(**{**finding.__dict__, "seen": seen[check, column, kind]})
            groups.setdefault((check, column), []).append((unit, finding))
        order = {c.name: i for i, c in enumerate(ALL)}
        for group in groups.values():
            group.sort(key=lambda uf: (uf[1].size, uf[1].kind))
        return dict(sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])))

    def findings(self) -> list[tuple[UnitResult, Finding]]:
        """The distinct failures shown: up to KINDS_SHOWN per (check, column), smallest first."""
        return [uf for group in self.distinct_findings().values() for uf in group[:KINDS_SHOWN]]

    def omitted(self) -> list[OmittedData]:
        """Per (check, column), the distinct failures beyond KINDS_SHOWN (or past KINDS_KEPT)."""
        unkept: Counter[tuple[str, str]] = Counter()
        for unit in self.units:
            for check, count in unit.unkept.items():
                unkept[check, unit.column] += count
        left: list[OmittedData] = []
        for (check, column), group in self.distinct_findings().items():
            rest = group[KINDS_SHOWN:]
            if rest or unkept[check, column]:
                left.append(
                    {
                        "check": check,
                        "column": column,
                        "kinds": len(rest),
                        "examples": sum(f.seen for _, f in rest) + unkept[check, column],
                    }
                )
        return left

    @property
    def failed(self) -> bool:
        return any(t.failed for row in self.scorecard().values() for t in row.values())

    @property
    def warned(self) -> bool:
        return any(t.warned for row in self.scorecard().values() for t in row.values())

    @property
    def errors(self) -> list[str]:
        return [f"{u.column} {u.scenario}: {u.error}" for u in self.units if u.error]

    def unjudged(self) -> list[UnjudgedData]:
        """The planned cells neither passed nor failed, each with why."""
        cells: list[UnjudgedData] = []
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
        busy = tally.inconclusive - tally.undecided.total()
        reasons = [why for why, _ in tally.undecided.most_common(2)]
        if busy:
            reasons.append("every reply was 429/503 after the retries")
        return "; ".join(reasons)

    @property
    def verdict(self) -> Verdict:
        card = self.scorecard()
        tallies = [t for row in card.values() for t in row.values()]
        unjudged = sum(t.unjudged for t in tallies) + bool(self.stopped) + bool(self.errors)
        unjudged += self.interrupted  # the units not run were not judged
        return conclude(
            failed=self.failed,
            judged=sum(t.passed + t.failed + t.warned > 0 for t in tallies),
            unjudged=unjudged,
            warned=self.warned,
            strict=self.strict,
        )

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_status(allow_inconclusive=self.allow_inconclusive)

    def to_data(self, redactor: Redactor) -> ReportData:
        """The JSON-ready view of the run, every string value passed through `redactor`."""
        card = self.scorecard()
        verdict = self.verdict
        totals = {s: 0 for s in STATUSES}
        for row in card.values():
            for tally in row.values():
                totals[tally.status] += 1
        data: ReportData = {
            "tool": "embedcheck",
            "started": self.started,
            "duration_s": round(self.duration, 2),
            "seed": self.seed,
            "settings": self.settings,
            "targets": [_target_data(t) for t in self.targets],
            "verdict": str(verdict),
            "exit_status": verdict.exit_status(allow_inconclusive=self.allow_inconclusive),
            "passed": verdict is Verdict.PASSED,
            "strict": self.strict,
            "warnings": sum(1 for _, f in self.findings() if f.failure.severity == WARNING),
            "unjudged": self.unjudged(),
            "interrupted": self.interrupted,
            "totals": totals,
            "checks": {c.name: c.summary for c in ALL if c.name in card},
            "columns": self.columns(),
            "scorecard": {
                check: {col: tally.to_data() for col, tally in row.items()}
                for check, row in card.items()
            },
            "findings": [f.to_data(u.target, redactor, self.network) for u, f in self.findings()],
            "omitted": self.omitted(),
            "units": [_unit_data(u) for u in self.units],
            "errors": self.errors,
            "notes": self.notes,
        }
        return cast(ReportData, redactor.data(data, keep=NAMES))


def report_vocabulary() -> str:
    """The report's own words (keys, check names and summaries, statuses, scenarios, profiles):
    a token found in them is a dummy, masked by position only (see `redact`)."""
    words = [*key_names(), *STATUSES, *PROFILES, *(s.name for s in SCENARIOS)]
    words += [text for c in ALL for text in (c.name, c.summary)]
    return "\n".join(words)


def _target_data(target: Target) -> TargetData:
    return {
        "profile": target.profile,
        "base_url": target.base_url,
        "account_id": target.account_id,
        "models": [m.name for m in target.models],
        "token": "***" if target.token else None,
    }


def _unit_data(unit: UnitResult) -> UnitData:
    return {
        "column": unit.column,
        "scenario": unit.scenario,
        "examples": unit.examples,
        "requests": unit.requests,
        "replayed": unit.replayed,
        "elapsed_s": round(unit.elapsed, 3),
        "error": unit.error,
        "stopped": unit.stopped,
        "tallies": {name: t.to_data() for name, t in unit.tallies.items()},
    }


def failed_checks(result: RunResult) -> set[str]:
    return {
        check for check, row in result.scorecard().items() if any(t.failed for t in row.values())
    }


def warned_checks(result: RunResult) -> set[str]:
    return {
        check for check, row in result.scorecard().items() if any(t.warned for t in row.values())
    }


def flagged_checks(result: RunResult) -> set[str]:
    """Checks with a finding of either severity: what `--strict` fails on."""
    return failed_checks(result) | warned_checks(result)


def mock_data(targets: list[Target], faults: tuple[str, ...], data: ReportData) -> MockData:
    """The bundled mock this run checked, and the command that starts it again on the same
    port with the same faults, so that each failure's curl line reproduces it as printed."""
    base = urlsplit(targets[0].base_url)
    failing = {f["profile"] for f in data["findings"]}
    wanted = [t for t in targets if t.profile in failing or not failing]
    envs = list(dict.fromkeys(t.secret_env for t in wanted))
    command = f"embedcheck mock --port {base.port}"
    command += "".join(f" --fault {fault}" for fault in faults)
    command += f' --api-token "${envs[0]}"'
    if len(envs) > 1:
        command += f"  # give {', '.join('$' + e for e in envs)} the same value"
    return {
        "base_url": f"{base.scheme}://{base.netloc}",
        "faults": list(faults),
        "command": command,
    }
