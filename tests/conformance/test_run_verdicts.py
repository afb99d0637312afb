"""Through the CLI: a run that could not judge everything is never a pass (exit 3), a run that
is asked to wait an hour stops at once, and checks that judge nothing here are a usage error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from embedcheck.conformance.checks import ALL, REGISTRY, CheckContext
from embedcheck.conformance.vocabulary import Outcome
from tests.conformance.hostile import hostile_server

SMALL = "bge-small-en-v1.5"


def run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report"
    code = main(
        ["run", "--no-progress", "--example-db", "none", "--report-dir", str(report), *args]
    )
    return code, json.loads((report / "report.json").read_text())


def test_retry_after_an_hour_ends_the_run_at_once_inconclusive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_server("busy-for-an-hour") as server:
        code, data = run(
            tmp_path, "--profile", "worker", "--url", server.url, "--model", SMALL,
            "--api-token", "t-123456789",
        )  # fmt: skip
    out = capsys.readouterr().out
    assert (code, data["verdict"], data["exit_status"]) == (3, "inconclusive", 3)
    # Only the preflight went out, once: no retry slept through, nothing sent after it.
    assert len(server.record.requests) == 1
    assert data["duration_s"] < 60  # an hour's Retry-After slept through would be 3600 s
    assert "retry after 3600 s (Retry-After)" in data["notes"][0]
    assert "--rate-limit" in out and "INCONCLUSIVE" in out
    html = (tmp_path / "report" / "report.html").read_text()
    assert "INCONCLUSIVE: nothing could be judged" in html
    assert "Every check passed." not in html
    assert {c["why"] for c in data["unjudged"]} == {
        f"the run stopped sending ({data['notes'][0].split('not sent: ', 1)[1]})"
    }


def test_allow_inconclusive_exits_0_when_nothing_failed(tmp_path: Path) -> None:
    with hostile_server("busy") as server:
        code, data = run(
            tmp_path, "--profile", "worker", "--url", server.url, "--model", SMALL,
            "--retries", "0", "--checks", "valid-accepted", "--allow-inconclusive",
        )  # fmt: skip
    assert (code, data["verdict"], data["exit_status"]) == (0, "inconclusive", 0)
    assert data["passed"] is False  # allowed is not passed


def test_a_check_that_crashes_leaves_the_run_incomplete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crashes(ctx: CheckContext, outcome: Outcome) -> bool:
        raise RuntimeError("a bug in the check, not a finding about the server")

    monkeypatch.setitem(REGISTRY, "dims", REGISTRY["dims"].__class__(
        "dims", REGISTRY["dims"].summary, crashes, REGISTRY["dims"].scenarios,
        REGISTRY["dims"].profiles,
    ))  # fmt: skip
    code, data = run(
        tmp_path, "--profile", "worker", "--model", SMALL, "--checks", "dims,shape",
        "--max-examples", "2", "--parallel", "threads",
    )  # fmt: skip
    assert (code, data["verdict"], data["exit_status"]) == (3, "incomplete", 3)
    statuses = {c: row[f"worker:{SMALL}"]["status"] for c, row in data["scorecard"].items()}
    assert statuses == {"dims": "error", "shape": "passed"}
    assert [(c["check"], c["why"]) for c in data["unjudged"]] == [
        ("dims", "the check crashed (see errors)")
    ]
    html = (tmp_path / "report" / "report.html").read_text()
    assert "INCOMPLETE: 1 check x model cell(s) could not be judged" in html
    assert "Every check passed." not in html
    assert "INCOMPLETE" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--profile", "workers-ai", "--checks", "openai-index"],
            "--checks openai-index applies to nothing on workers-ai at http://127.0.0.1:",
        ),
        (["--profile", "workers-ai", "--checks", "openai-index"], "on the openai profile only"),
        (
            ["--profile", "worker", "--model", SMALL, "--checks", "score-ids,dims"],
            "score-ids runs in the contexts scenario, which no model here has",
        ),
    ],
)
def test_checks_that_apply_to_nothing_here_are_a_usage_error(
    args: list[str], words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "--no-progress", "--report-dir", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert (code, err.count("\n")) == (2, 1)
    assert words in err


def test_excluding_every_check_that_applies_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    applying = [c.name for c in ALL if c.profiles is None or "openai" in c.profiles]
    code = main(
        [
            "run", "--no-progress", "--report-dir", str(tmp_path), "--profile", "openai",
            "--model", SMALL, "--exclude-checks", ",".join(applying),
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert (code, err.count("\n")) == (2, 1)
    assert "leaves no check that applies to openai at http://127.0.0.1:" in err
