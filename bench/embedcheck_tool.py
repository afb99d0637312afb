"""embedcheck three ways: the `embedcheck run` CLI in its own process (the speed comparison, as
a user runs it), the suite in this process against both profiles at once (the fault table,
where only the verdict matters and 27 interpreter starts would be wasted), and its Hypothesis
generation alone, nothing sent (what the suite's speed is bounded by).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.machine import cpu_seconds
from embedcheck.conformance import checks as checks_module
from embedcheck.conformance.checks import Tolerances
from embedcheck.conformance.engine.dry_run import draw_only
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.runner import run
from embedcheck.conformance.profiles import mock_target, model_spec
from embedcheck.conformance.reports.results import flagged_checks
from embedcheck.schemas import models

ACCOUNT = "bench"
# The mock finishes a queued job after two polls; a job that never finishes would otherwise
# hold its unit for the default 60 s per example (and per shrinking step).
ASYNC_TIMEOUT = 5.0


@dataclass(frozen=True)
class EmbedcheckRun:
    wall: float  # seconds, process start to exit (or run start to end, in-process)
    running_time: float  # seconds, as embedcheck reports its own run
    examples: int  # examples sent and judged by every applicable check
    requests: int  # as embedcheck counted them
    failed: tuple[str, ...]  # names of the checks with a finding (failure or warning)
    errors: tuple[str, ...]  # crashes inside embedcheck (never expected)
    exit_code: int


def _model_ids() -> list[str]:
    return [m.id for m in models() if m.provider == "workers-ai"]


def run_cli(
    base_url: str,
    token: str,
    workdir: Path,
    *,
    max_examples: int,
    seed: int,
    workers: int,
    source: Path | None = None,
) -> EmbedcheckRun:
    """`embedcheck run --profile workers-ai` against the mock at `base_url` (its root), its
    report directory (and so its Hypothesis cache) kept in `workdir` between runs. `source`:
    a checkout of another version of embedcheck to run instead of this one."""
    report_dir = workdir / "embedcheck-report"
    report = report_dir / "report.json"
    report.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "embedcheck",
        "run",
        "--profile",
        "workers-ai",
        "--base-url",
        f"{base_url}/client/v4",
        "--account-id",
        ACCOUNT,
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
        "--example-db",
        "none",  # no replay of earlier runs' failures: every run starts equal
        "--report-dir",
        str(report_dir),
        "--no-progress",
    ]
    environment = {**os.environ, "CLOUDFLARE_API_TOKEN": token}
    if source is not None:  # `-m embedcheck` imports from the working directory first
        environment["PYTHONPATH"] = str(source)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environment, cwd=source)
    wall = time.perf_counter() - start
    if not report.exists():
        raise RuntimeError(
            f"embedcheck exited {done.returncode} without a report:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    units = data["units"]
    return EmbedcheckRun(
        wall=wall,
        running_time=float(data["duration_s"]),
        examples=sum(int(u["examples"]) for u in units),
        requests=sum(int(u["requests"]) for u in units),
        failed=tuple(sorted({f["check"] for f in data["findings"]})),
        errors=tuple(data["errors"]),
        exit_code=done.returncode,
    )


def run_in_process(
    base_url: str, token: str, *, max_examples: int, seed: int, workers: int
) -> EmbedcheckRun:
    """Every check, both profiles (workers-ai and openai) of the mock at `base_url`."""
    specs = tuple(model_spec(name) for name in _model_ids())
    targets = [mock_target(p, base_url, specs, token) for p in ("workers-ai", "openai")]
    options = RunOptions(
        max_examples=max_examples,
        seed=seed,
        workers=workers,
        tolerances=Tolerances(async_timeout=ASYNC_TIMEOUT),
    )
    start = time.perf_counter()
    result = run(targets, list(checks_module.ALL), options)
    wall = time.perf_counter() - start
    return EmbedcheckRun(
        wall=wall,
        running_time=result.duration,
        examples=sum(u.examples for u in result.units),
        requests=sum(u.requests for u in result.units),
        failed=tuple(sorted(flagged_checks(result))),
        errors=tuple(result.errors),
        exit_code=result.exit_code,
    )


@dataclass(frozen=True)
class GenerationRun:
    wall: float
    cpu: float  # CPU seconds of the worker processes
    examples: int
    requests: int  # what those examples would have sent (a queued batch: its submission)


def generation_only(*, max_examples: int, seed: int, workers: int) -> GenerationRun:
    """The Hypothesis side of `embedcheck run --profile workers-ai` alone: the same units,
    seeds, budgets and worker processes, every example drawn, nothing sent or judged. What
    the suite costs before it has sent a byte."""
    specs = tuple(model_spec(name) for name in _model_ids())
    target = mock_target("workers-ai", "http://127.0.0.1:9", specs, "unused")
    options = RunOptions(max_examples=max_examples, seed=seed, workers=workers)
    done = draw_only([target], list(checks_module.ALL), options)
    return GenerationRun(
        wall=done.wall,
        cpu=sum(u.cpu for u in done.units),
        examples=sum(u.examples for u in done.units),
        requests=sum(u.payloads for u in done.units),
    )


def startup_cpu(rounds: int = 3) -> float:
    """CPU seconds of an `embedcheck run` that stops after loading everything a run loads
    (`--list-checks`): the interpreter and imports, best of `rounds`."""
    best = float("inf")
    for _ in range(rounds):
        before = cpu_seconds()
        subprocess.run(
            [sys.executable, "-m", "embedcheck", "run", "--list-checks"],
            capture_output=True,
            check=True,
        )
        best = min(best, cpu_seconds() - before)
    return best
