"""Warnings: findings where the contract is silent. In every report and the summary line, the
run still passes; with --strict it fails."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import embedcheck.conformance.pytest_plugin  # noqa: F401  (see test_pytest_plugin)
from embedcheck.cli import main
from embedcheck.conformance.verdict import EXIT_FAILED, EXIT_PASSED

pytest_plugins = ["pytester"]

# The clean mock cuts a too long text silently for a model whose schema has no truncation
# switch: long-input's one warning, and nothing else.
WARNING_ONLY = (
    "--profile", "worker", "--model", "bge-small-en-v1.5", "--checks", "long-input,no-5xx",
    "--max-examples", "2", "--seed", "1", "--mock-fault", "silent-truncation",
)  # fmt: skip
MESSAGE = "was silently truncated"


def _run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], Path]:
    report = tmp_path / "report"
    code = main(
        ["run", "--no-progress", "--example-db", "none", "--report-dir", str(report), *args]
    )
    return code, json.loads((report / "report.json").read_text()), report


def _junit_case(report: Path, check: str) -> ET.Element:
    root = ET.parse(report / "junit.xml").getroot()
    return next(case for suite in root for case in suite if case.get("name") == check)


def test_a_warning_only_run_passes_and_shows_the_warning_in_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, report = _run(tmp_path, *WARNING_ONLY)
    out = capsys.readouterr().out
    assert code == EXIT_PASSED
    assert data["verdict"] == "passed" and data["exit_status"] == 0 and not data["strict"]
    (finding,) = data["findings"]
    assert finding["severity"] == "warning" and MESSAGE in finding["message"]
    assert finding["expected"] == "a 4xx, or a documented truncation"
    assert data["scorecard"]["long-input"]["worker:bge-small-en-v1.5"]["status"] == "warning"
    assert data["totals"]["warning"] == 1 and data["warnings"] == 1
    # terminal: the warning, then the summary line naming it
    assert "⚠ long-input worker:bge-small-en-v1.5: 1 distinct warning" in out
    assert f"warning: a text of 768 words, over max_input_tokens 512, {MESSAGE}" in out
    assert "PASSED with 1 warning cell (--strict fails on them): 1 passed, 1 with warnings" in out
    # junit: a passing case, the warning as a property and in system-out
    case = _junit_case(report, "long-input")
    assert case.find("failure") is None
    prop = case.find("properties/property")
    assert prop is not None and prop.get("name") == "warning"
    assert MESSAGE in (prop.get("value") or "")
    assert MESSAGE in (case.findtext("system-out") or "")
    assert ET.parse(report / "junit.xml").getroot().get("failures") == "0"
    # html: the verdict line and the finding, marked as a warning
    html = (report / "report.html").read_text()
    assert "Every check passed." in html and "1 check × model cell(s) with warnings" in html  # noqa: RUF001
    assert '<section class="finding warning">' in html and "⚠ warning: a text of 768" in html


def test_strict_fails_a_warning_only_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, report = _run(tmp_path, *WARNING_ONLY, "--strict")
    out = capsys.readouterr().out
    assert code == EXIT_FAILED
    assert data["verdict"] == "failed" and data["exit_status"] == 1 and data["strict"]
    assert data["settings"]["strict"] is True
    assert "FAILED (--strict: warnings fail the run): 1 passed, 1 with warnings" in out
    failure = _junit_case(report, "long-input").find("failure")
    assert failure is not None and failure.get("type") == "warning"
    assert MESSAGE in (failure.get("message") or "")
    assert "(--strict: they fail the run)" in (report / "report.html").read_text()


PLUGIN = 'pytest_plugins = ["embedcheck.conformance.pytest_plugin"]'
PLUGIN_ARGS = (
    "-p", "no:cacheprovider", "--embedcheck", "--embedcheck-profile", "worker",
    "--embedcheck-model", "bge-small-en-v1.5", "--embedcheck-checks", "long-input",
    "--embedcheck-max-examples", "2", "--embedcheck-mock-fault", "silent-truncation",
)  # fmt: skip


def test_the_plugin_passes_a_warning_with_a_pytest_warning_and_fails_it_when_strict(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(PLUGIN)
    result = pytester.runpytest_inprocess(*PLUGIN_ARGS)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*EmbedcheckWarning*{MESSAGE}*"])
    strict = pytester.runpytest_inprocess(*PLUGIN_ARGS, "--embedcheck-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines([f"*{MESSAGE}*"])
