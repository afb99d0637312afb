"""`embedcheck run` against servers that hang, reset, flood, garble or redirect: findings only."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from tests.conformance.hostile import HUGE_BYTES, hostile_server

TOKEN = "hostile-test-token-5f3a9c"


def run_against(url: str, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report"
    code = main(
        [
            "run", "--profile", "worker", "--url", url, "--model", "bge-small-en-v1.5",
            "--api-token", TOKEN, "--max-examples", "2", "--timeout", "1", "--no-progress",
            "--example-db", "none", "--report-dir", str(report), *extra,
        ]
    )  # fmt: skip
    return code, json.loads((report / "report.json").read_text())


def findings_of(data: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["check"] == check]


@pytest.mark.parametrize(
    ("mode", "check", "words"),
    [
        ("hang", "responds", "no answer within 1 s"),
        ("slow", "responds", "still arriving"),
        ("reset", "responds", ""),
        ("garbage", "responds", "broken HTTP reply"),
        ("huge", "responds", "stopped reading"),
        ("malformed", "json-body", "not JSON"),
    ],
)
def test_a_hostile_server_gives_findings_not_a_crash(
    mode: str, check: str, words: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    with hostile_server(mode) as server:
        code, data = run_against(server.url, tmp_path)
    assert code == 1
    assert data["errors"] == []  # no unit crashed
    found = findings_of(data, check)
    assert found and words in found[0]["message"]
    if mode == "huge":
        assert server.record.body_bytes_sent < HUGE_BYTES  # we stopped reading at the cap
    assert time.monotonic() - start < 30  # the breaker stops a dead target from stalling us
    assert "Traceback" not in capsys.readouterr().err


def test_a_redirect_to_another_host_is_not_followed_with_the_token(tmp_path: Path) -> None:
    with hostile_server("hang") as elsewhere:
        target = elsewhere.url.replace("127.0.0.1", "localhost") + "/collect"
        with hostile_server("redirect", redirect_to=target) as server:
            code, data = run_against(server.url, tmp_path)
        assert elsewhere.record.requests == []  # nothing, with or without the token
    assert code == 1
    found = findings_of(data, "responds")  # one per distinct failure: each is this redirect
    assert found and all("not followed" in f["message"] for f in found)
    assert "redirect" in found[0]["message"]
    assert any(TOKEN.encode() in r for r in server.record.requests)  # sent where asked only
    for path in (tmp_path / "report").iterdir():
        assert TOKEN not in path.read_text(errors="replace")


def test_rate_limited_everywhere_is_inconclusive_not_a_pass(tmp_path: Path) -> None:
    with hostile_server("busy") as server:
        code, data = run_against(
            server.url, tmp_path, "--retries", "1", "--checks", "valid-accepted"
        )
    assert (code, data["verdict"], data["exit_status"]) == (3, "inconclusive", 3)
    assert data["passed"] is False
    statuses = {t["status"] for row in data["scorecard"].values() for t in row.values()}
    assert statuses == {"inconclusive"}
    # The breaker stopped after a streak of 429s: a handful of requests, not the whole plan.
    assert len(server.record.requests) <= 2 * (5 + 4)  # 2 attempts; 4 in flight at the trip
    assert "--rate-limit" in data["notes"][0]


def test_an_unreachable_target_is_a_one_line_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_server("hang") as server:
        url = server.url  # closed once the block ends
    code = main(
        ["run", "--profile", "worker", "--url", url, "--no-progress", "--report-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "unreachable" in err
