"""The token given on the command line appears in no report, log line or curl command."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.conformance.reports.redact import MASK, RedactingFilter, Redactor
from tests.conformance.hostile import hostile_server

TOKEN = "Tok3n-that-must-never-leak-8d1f"


def assert_nowhere(directory: Path, *texts: str) -> None:
    files = [p for p in directory.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert TOKEN not in path.read_bytes().decode("utf-8", "replace"), path
    for text in texts:
        assert TOKEN not in text


def test_no_token_in_reports_logs_or_curl_against_the_mock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    code = main(
        [
            "run", "--api-token", TOKEN, "--profile", "workers-ai", "--model", "bge-m3",
            "--mock-fault", "error-plain-body", "--mock-fault", "wrong-dims",
            "--mock-fault", "auth-not-enforced", "--max-examples", "3", "--shrink-budget", "3",
            "--no-progress", "--report-dir", str(report),
        ]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    assert_nowhere(report, out, err)
    data = json.loads((report / "report.json").read_text())
    curls = [e["curl"] for f in data["findings"] for e in f["exchanges"]]
    assert curls
    authorised = [c for c in curls if "Authorization" in c and "wrong-token" not in c]
    assert authorised and all("$CLOUDFLARE_API_TOKEN" in c for c in authorised)
    assert (report / "run.log").read_text().count("POST ") > 10  # the log is really written
    html = (report / "report.html").read_text()
    assert "Failures" in html and "curl -sS" in html and "error-body" in html
    junit = (report / "junit.xml").read_text()
    assert 'name="error-body"' in junit and "<failure" in junit


def test_a_server_echoing_the_token_back_is_masked_in_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    with hostile_server("echo") as server:
        code = main(
            [
                "run", "--profile", "worker", "--url", server.url, "--api-token", TOKEN,
                "--model", "bge-small-en-v1.5", "--max-examples", "2", "--no-progress",
                "--report-dir", str(report),
            ]
        )  # fmt: skip
    assert code == 1
    out, err = capsys.readouterr()
    assert_nowhere(report, out, err)
    data = json.loads((report / "report.json").read_text())
    bodies = [e["response"]["body"] for f in data["findings"] for e in f["exchanges"]]
    assert any(f"Bearer {MASK}" in b for b in bodies)  # the echo is there, masked


def test_redactor_masks_every_spelling_in_values_never_keys() -> None:
    redactor = Redactor(["a/b+c d=1", None, ""])
    assert redactor.text("x a/b+c d=1 y") == f"x {MASK} y"
    assert redactor.text("q=a%2Fb%2Bc%20d%3D1") == f"q={MASK}"
    # A report's keys are its structure; data from a reply (`content`) has its keys masked too.
    assert redactor.data({"a/b+c d=1": ["a/b+c d=1", 1]}) == {"a/b+c d=1": [MASK, 1]}
    assert redactor.content({"a/b+c d=1": "a/b+c d=1"}) == {MASK: MASK}
    assert redactor.headers([("Authorization", "Bearer anything")]) == [
        ("Authorization", f"Bearer {MASK}")
    ]


@pytest.mark.parametrize("token", ["x", "k", "EMPTY", "chec", "status", "passed", "sk-1234"])
def test_a_short_token_is_masked_by_position_only(token: str) -> None:
    redactor = Redactor([token])
    text = "max_examples checks status passed EMPTY sk-1234 k x"
    assert redactor.text(text) == text  # nothing else in the text is damaged
    assert redactor.headers([("authorization", f"Bearer {token}")]) == [
        ("authorization", f"Bearer {MASK}")
    ]
    assert redactor.unmasked == ["shorter than 8 characters"]


def test_a_token_from_the_reports_vocabulary_is_masked_by_position_only() -> None:
    from embedcheck.conformance.reports.results import report_vocabulary

    redactor = Redactor(["inconclusive", "response-schema"], report_vocabulary())
    assert redactor.text("status inconclusive; response-schema") == (
        "status inconclusive; response-schema"
    )
    assert redactor.unmasked == ["a word of the report's own vocabulary"] * 2


def test_log_records_are_masked_before_any_handler(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("embedcheck.test-redact")
    handler = caplog.handler
    handler.addFilter(RedactingFilter(Redactor([TOKEN])))
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("sending %s to %s", f"Bearer {TOKEN}", "host")
    finally:
        handler.filters.clear()
    assert TOKEN not in caplog.text and MASK in caplog.text
