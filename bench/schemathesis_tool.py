"""Schemathesis as its users run it: `schemathesis run` on the OpenAPI document embedcheck
exports, every check on (`--checks all`), a fixed `--max-examples` and `--seed`, its JSON report
read back for what it generated and what failed.

The document is `schemas.openapi.build_openapi` (what `embedcheck schemas openapi` writes).
Its configuration is the one a user would write, nothing more: the bearer token, the account id
in the path, and, for the OpenAI route whose `model` field is any string, a dictionary of the
served model names so that its budget is not spent on 404s for made-up models.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedcheck.schemas import models
from embedcheck.schemas.openapi import build_openapi

EXECUTABLE = Path(sys.executable).with_name("schemathesis")
ACCOUNT = "bench"
WORKERS_AI_PREFIX = "/client/v4"  # where the mock serves each profile, below its root
OPENAI_PREFIX = "/v1"
BASELINE_FORMAT = 1  # the `format_version` of the baseline files Schemathesis 4 writes
QUICK_PHASES = ("fuzzing",)  # smoke runs only: the coverage phase alone takes seconds


@dataclass(frozen=True)
class Failure:
    code: str  # e.g. ST201
    title: str
    operations: tuple[str, ...]


@dataclass(frozen=True)
class SchemathesisRun:
    wall: float  # seconds, process start to exit
    running_time: float  # seconds, as Schemathesis reports its own run
    generated: int  # test cases generated (each sent as one request)
    checked: int  # test cases whose response went through the checks
    failures: tuple[Failure, ...]
    errors: tuple[str, ...]  # Schemathesis' own errors (not findings about the server)
    exit_code: int
    known: int = 0  # failures left out because the baseline already holds them

    @property
    def failure_keys(self) -> frozenset[tuple[str, str]]:
        """(code, operation) for every failure: what tells one finding from another."""
        return frozenset((f.code, op) for f in self.failures for op in f.operations)


def workers_ai_document() -> dict[str, Any]:
    return build_openapi("workers-ai", WORKERS_AI_PREFIX)


def combined_document() -> dict[str, Any]:
    """The workers-ai and openai documents as one, each path under its mock prefix."""
    merged = build_openapi("workers-ai", "/")
    merged["paths"] = {WORKERS_AI_PREFIX + p: v for p, v in merged["paths"].items()}
    openai = build_openapi("openai", "/")
    merged["paths"].update({OPENAI_PREFIX + p: v for p, v in openai["paths"].items()})
    merged["components"]["schemas"].update(openai["components"]["schemas"])
    merged["info"]["title"] = "Embedding API (workers-ai and openai), from embedcheck"
    return merged


def _config(token: str) -> str:
    names = ", ".join(json.dumps(m.id) for m in models() if m.provider == "workers-ai")
    return (
        "[parameters]\n"
        f'account_id = "{ACCOUNT}"\n'
        '"body.model" = { dictionary = "models" }\n'
        "[dictionaries.models]\n"
        f"values = [{names}]\n"
        "[headers]\n"
        f'Authorization = "Bearer {token}"\n'
    )


def run(
    document: dict[str, Any],
    base_url: str,
    token: str,
    workdir: Path,
    *,
    max_examples: int,
    seed: int,
    workers: int,
    phases: tuple[str, ...] | None = None,  # None: Schemathesis' default phases
    baseline: Path | None = None,
    record: bool = False,  # write this run's failures into `baseline` instead of omitting them
    timeout: float = 600.0,
) -> SchemathesisRun:
    """One `schemathesis run` in `workdir`, whose `.hypothesis` cache lasts between runs as in a
    user's project (a fresh one costs ~10 s of source scanning before the first request).
    With `baseline`, failures it holds are left out of the result (Schemathesis' own baseline
    feature, which tells a failure by operation, check, failure class and signature)."""
    with tempfile.TemporaryDirectory(prefix="st-", dir=workdir) as tmp:
        directory = Path(tmp)
        (directory / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
        (directory / "schemathesis.toml").write_text(_config(token), encoding="utf-8")
        report = directory / "report.json"
        command = [
            str(EXECUTABLE),
            "--config-file",
            str(directory / "schemathesis.toml"),
            "run",
            str(directory / "openapi.json"),
            "--url",
            base_url,
            "--checks",
            "all",
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
            "--workers",
            str(workers),
            "--continue-on-failure",  # spend the whole budget, as embedcheck does
            "--generation-database",
            "none",  # no replay of earlier runs' failures: every run starts equal
            "--report",
            "json",
            "--report-json-path",
            str(report),
            "--no-color",
        ]
        if phases:
            command += ["--phases", ",".join(phases)]
        if baseline is not None:
            command += ["--baseline", str(baseline), *(["--baseline-update"] if record else [])]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - start
        if not report.exists():
            raise RuntimeError(
                f"schemathesis exited {done.returncode} without a report:\n{done.stdout[-2000:]}"
                f"{done.stderr[-2000:]}"
            )
        data = json.loads(report.read_text(encoding="utf-8"))
    return parse_report(data, wall, done.returncode)


def parse_report(data: dict[str, Any], wall: float, exit_code: int) -> SchemathesisRun:
    cases = data["test_cases"]
    failures = tuple(
        Failure(f["code"], f["title"], tuple(f["operations"])) for f in data["failures"]
    )
    return SchemathesisRun(
        wall=wall,
        running_time=float(data["running_time"]),
        generated=int(cases["generated"]),
        checked=int(cases["generated"]) - int(cases["without_checks"]) - int(cases["errored"]),
        failures=failures,
        errors=tuple(f"{e['title']} x{e['count']}" for e in data["errors"]),
        exit_code=exit_code,
        known=int((data.get("baseline") or {}).get("known", 0)),
    )


def merge_baselines(sources: list[Path], target: Path) -> int:
    """One baseline file holding every entry of `sources`; the number of entries."""
    entries: dict[str, Any] = {}
    merged: dict[str, Any] = {"format_version": BASELINE_FORMAT}
    for source in sources:
        data = json.loads(source.read_text(encoding="utf-8"))
        merged = {**data, "entries": []}
        entries.update({entry["id"]: entry for entry in data["entries"]})
    merged["entries"] = [entries[key] for key in sorted(entries)]
    target.write_text(json.dumps(merged, indent=2), encoding="utf-8")
    return len(entries)
