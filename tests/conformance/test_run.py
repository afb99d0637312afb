"""`embedcheck run` against the bundled mock: clean passes, every fault is caught by name."""

from __future__ import annotations

import json
import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from embedcheck.conformance.checks import ALL, select
from embedcheck.conformance.engine.options import DEFAULT_MAX_EXAMPLES, RunOptions
from embedcheck.conformance.engine.runner import run
from embedcheck.conformance.mock import FAULTS, MockConfig, serve
from embedcheck.conformance.profiles import PROFILES, mock_target, model_spec
from embedcheck.conformance.reports.results import failed_checks
from embedcheck.schemas import models

SMALL = "bge-small-en-v1.5"
# fault -> (the check that must name it, the options that focus the run on it)
EXPECTED: dict[str, tuple[str, list[str]]] = {
    "wrong-dims": ("dims", ["--profile", "worker", "--model", SMALL]),
    "drop-last-vector": ("vector-count", ["--profile", "worker", "--model", SMALL]),
    "reorder-vectors": ("order-kept", ["--profile", "worker", "--model", SMALL]),
    "shuffle-vectors": ("order-kept", ["--profile", "worker", "--model", SMALL]),
    "batch-degrades-from-16": ("batch-invariance", ["--profile", "openai", "--model", SMALL]),
    "one-vector-for-batch": ("vector-count", ["--profile", "openai", "--model", SMALL]),
    "concurrent-corruption": (
        "concurrency-isolation",
        ["--profile", "worker", "--model", SMALL, "--workers", "2"],
    ),
    "openai-empty-array-vectors": ("dims", ["--profile", "openai", "--model", SMALL]),
    "shape-mismatch": ("shape", ["--profile", "worker", "--model", SMALL]),
    "accept-101-items": ("invalid-rejected", ["--profile", "worker", "--model", SMALL]),
    "accept-empty-string": ("invalid-rejected", ["--profile", "worker", "--model", "bge-m3"]),
    "accept-unknown-pooling": ("invalid-rejected", ["--profile", "worker", "--model", SMALL]),
    "unicode-500": ("no-5xx", ["--profile", "worker", "--model", SMALL]),
    "nondeterministic": ("determinism", ["--profile", "worker", "--model", SMALL]),
    "batch-variance": ("batch-invariance", ["--profile", "worker", "--model", SMALL]),
    "pooling-ignored": ("pooling-differs", ["--profile", "worker", "--model", SMALL]),
    "pooling-not-echoed": ("pooling-echoed", ["--profile", "worker", "--model", SMALL]),
    "same-vector-for-all": ("distinct-vectors", ["--profile", "worker", "--model", SMALL]),
    "envelope-missing-success": ("envelope", ["--profile", "workers-ai", "--model", SMALL]),
    "error-status-200": ("invalid-rejected", ["--profile", "workers-ai", "--model", SMALL]),
    "error-plain-body": ("error-body", ["--profile", "workers-ai", "--model", SMALL]),
    "wrong-content-type": ("content-type", ["--profile", "worker", "--model", SMALL]),
    "nan-in-output": ("finite-values", ["--profile", "worker", "--model", SMALL]),
    "m3-ids-out-of-range": ("score-ids", ["--profile", "worker", "--model", "bge-m3"]),
    "async-never-completes": (
        "async-batch",
        ["--profile", "workers-ai", "--model", SMALL, "--async-timeout", "0.5"],
    ),
    "auth-not-enforced": ("auth-required", ["--profile", "worker", "--model", SMALL]),
    "openai-index-off-by-one": ("openai-index", ["--profile", "openai", "--model", SMALL]),
    "openai-base64-ignored": ("openai-base64", ["--profile", "openai", "--model", SMALL]),
    "openai-missing-usage": ("openai-usage", ["--profile", "openai", "--model", SMALL]),
    "openai-flat-error": ("error-body", ["--profile", "openai", "--model", SMALL]),
    "openai-bad-encoding-accepted": (
        "openai-encoding-rejected",
        ["--profile", "openai", "--model", SMALL],
    ),
    "openai-token-ids-refused": ("valid-accepted", ["--profile", "openai", "--model", SMALL]),
    "unknown-model-served": (
        "unknown-model-rejected",
        ["--profile", "openai", "--model", SMALL, "--strict"],
    ),
    "usage-counts-characters": ("usage-plausible", ["--profile", "openai", "--model", SMALL]),
    "usage-zero": ("usage-plausible", ["--profile", "openai", "--model", SMALL]),
    "dimensions-ignored": ("dimensions-honoured", ["--profile", "openai", "--model", SMALL]),
    "truncate-ignored": ("long-input", ["--profile", "worker", "--model", "bge-m3"]),
    "surrogate-500": ("no-5xx", ["--profile", "openai", "--model", SMALL]),
    "silent-truncation": ("long-input", ["--profile", "worker", "--model", SMALL, "--strict"]),
    "dimensions-not-renormalised": (
        "dimensions-honoured",
        ["--profile", "openai", "--model", SMALL],
    ),
}


def embedcheck(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report"
    code = main(
        ["run", "--no-progress", "--example-db", "none", "--report-dir", str(report), *args]
    )
    data: dict[str, Any] = json.loads((report / "report.json").read_text())
    return code, data


WARNING_FAULTS = {"silent-truncation", "unknown-model-served"}


def cells(data: dict[str, Any], status: str) -> set[str]:
    return {
        check
        for check, row in data["scorecard"].items()
        if any(t["status"] == status for t in row.values())
    }


def failed(data: dict[str, Any]) -> set[str]:
    return cells(data, "failed")


def warned(data: dict[str, Any]) -> set[str]:
    return cells(data, "warning")


def test_every_fault_has_an_expected_check() -> None:
    assert set(EXPECTED) == set(FAULTS)
    assert {check for check, _ in EXPECTED.values()} <= {c.name for c in ALL}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_the_run_naming_its_check(
    fault: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check, focus = EXPECTED[fault]
    code, data = embedcheck(
        tmp_path,
        "--mock-fault", fault, "--checks", check, "--max-examples", "3", "--seed", "7",
        "--shrink-budget", "5", *focus,
    )  # fmt: skip
    assert code == 1
    # A fault the contract is silent on is a warning; --strict (in its focus) fails on it.
    warning = fault in WARNING_FAULTS
    assert (failed(data), warned(data)) == ((set(), {check}) if warning else ({check}, set()))
    finding = next(f for f in data["findings"] if f["check"] == check)
    assert finding["severity"] == ("warning" if warning else "failure")
    assert finding["message"] and any(e["failing"] for e in finding["exchanges"])
    out = capsys.readouterr().out
    assert (f"⚠ {check}" if warning else f"✗ {check}") in out and "FAILED" in out


def test_the_default_run_passes_every_check_against_the_clean_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = embedcheck(tmp_path)  # no target: the bundled mock, every profile and model
    assert code == 0, data["findings"][:3]
    assert data["settings"]["max_examples"] == DEFAULT_MAX_EXAMPLES
    # A reference earns neither failures nor warnings.
    assert (data["findings"], data["errors"]) == ([], [])
    # Every check was exercised and passed somewhere; none was skipped everywhere.
    passed = {
        c
        for c, row in data["scorecard"].items()
        if any(t["status"] == "passed" for t in row.values())
    }
    assert passed == {c.name for c in ALL}
    workers_ai = [m for m in models() if m.provider == "workers-ai"]  # the manifest's
    assert len(data["columns"]) == len(PROFILES) * len(workers_ai)  # every profile x model
    assert "PASSED" in capsys.readouterr().out
    junit = ET.parse(tmp_path / "report" / "junit.xml").getroot()
    assert junit.get("failures") == "0" and int(junit.get("tests", "0")) > 200
    html = (tmp_path / "report" / "report.html").read_text()
    assert "Every check passed." in html and "Scorecard" in html


def test_twenty_seeds_against_the_clean_mock_find_nothing() -> None:
    # The boundary cases are the same whatever the seed; seeds vary what Hypothesis draws,
    # so each seed runs the generated examples only (bge-small and bge-m3 cover both schemas).
    specs = (model_spec("bge-small-en-v1.5"), model_spec("bge-m3"))
    with serve(MockConfig(api_token="seed-token")) as mock:
        targets = [mock_target(p, mock.base_url, specs, "seed-token") for p in PROFILES]
        for seed in range(20):
            options = RunOptions(max_examples=3, seed=seed, boundaries=False)
            result = run(targets, select(), options)
            assert failed_checks(result) == set(), (
                seed,
                [f.failure.message for _, f in result.findings()],
            )
            assert result.errors == []


def _sent(
    seed: int, base_url: str, caplog: pytest.LogCaptureFixture, parallel: str = "processes"
) -> list[str]:
    """What a run sent, as sorted 'url [label] size #hash' lines (workers interleave)."""
    specs = (model_spec("bge-small-en-v1.5"),)
    targets = [mock_target(p, base_url, specs, None) for p in ("worker", "openai")]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="embedcheck.run"):
        options = RunOptions(max_examples=6, seed=seed, boundaries=False, parallel=parallel)
        run(targets, select(), options)
    return sorted(
        r.getMessage().split(" -> ")[0] for r in caplog.records if " -> " in r.getMessage()
    )


def test_the_same_seed_sends_the_same_examples(caplog: pytest.LogCaptureFixture) -> None:
    with serve(MockConfig()) as mock:
        first = _sent(42, mock.base_url, caplog)
        again = _sent(42, mock.base_url, caplog)
        other = _sent(43, mock.base_url, caplog)
    assert len(first) > 20
    assert first == again
    assert first != other


def test_worker_processes_and_threads_send_the_same_examples(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Each unit has its own seed, so where it runs changes nothing; and the log lines the
    # worker processes write reach this process's handlers (here: pytest's capture).
    with serve(MockConfig()) as mock:
        processes = _sent(42, mock.base_url, caplog, "processes")
        threads = _sent(42, mock.base_url, caplog, "threads")
    assert len(processes) > 20
    assert processes == threads


def test_a_failure_is_shrunk_to_a_small_example(tmp_path: Path) -> None:
    code, data = embedcheck(
        tmp_path,
        "--profile", "worker", "--model", SMALL, "--mock-fault", "unicode-500",
        "--checks", "no-5xx", "--max-examples", "30", "--seed", "3",
    )  # fmt: skip
    assert code == 1
    finding = data["findings"][0]  # the smallest of the check's distinct failures comes first
    assert {f["check"] for f in data["findings"]} == {"no-5xx"}
    body = finding["exchanges"][0]["request"]["body"]
    text = body["text"] if isinstance(body["text"], str) else "".join(body["text"])
    assert any(ord(c) > 0xFFFF for c in text)  # the example still shows the cause...
    assert len(json.dumps(body, ensure_ascii=False)) < 40  # ...and little else


def test_the_rate_limit_bounds_requests_per_second(tmp_path: Path) -> None:
    _, data = embedcheck(
        tmp_path,
        "--profile", "worker", "--model", SMALL, "--checks", "valid-accepted",
        "--max-examples", "3", "--rate-limit", "10", "--workers", "4",
    )  # fmt: skip
    sent = sum(u["requests"] for u in data["units"])
    assert sent >= 25  # unthrottled, the mock serves these in well under 2 s
    assert sent / data["duration_s"] <= 10 * 1.1
