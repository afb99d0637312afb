"""Mistakes calling `embedcheck run` give one line and exit 2; secrets come from the env."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.conformance.checks import ALL
from tests.conformance.hostile import hostile_server


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--checks", "no-such-check"], "unknown check"),
        (["--exclude-checks", "dims,nope"], "unknown check"),
        (["--model", "no-such-model"], "unknown model"),
        (["--mock-fault", "no-such-fault"], "unknown mock fault"),
        (["--profile", "workers-ai", "--base-url", "https://example.invalid/client/v4"], "account"),
        (["--profile", "openai", "--base-url", "http://example.invalid/v1"], "--model"),
        (["--profile", "openai", "--base-url", "ftp://x/v1", "--model", "m"], "http(s)"),
        (["--profile", "worker", "--base-url", "http://x/"], "--url"),
        (["--base-url", "http://x/v1"], "--profile"),
        (["--url", "http://x/", "--mock-fault", "wrong-dims"], "bundled mock"),
        (["--max-examples", "0"], "at least 1"),
        (["--tolerance", "2"], "cosine"),
        (["--parallel", "greenlets"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    args: list[str],
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    code = main(["run", "--no-progress", "--report-dir", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and words in err
    assert "Traceback" not in err


def test_list_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--list-checks"]) == 0
    out = capsys.readouterr().out
    assert all(check.name in out for check in ALL)


def test_the_token_and_account_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "env-token-7c2e")
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acct-from-env")
    with hostile_server("malformed") as server:
        code = main(
            [
                "run", "--profile", "workers-ai", "--base-url", server.url, "--model", "bge-m3",
                "--checks", "json-body", "--max-examples", "1", "--no-progress",
                "--report-dir", str(tmp_path),
            ]
        )  # fmt: skip
    assert code == 1
    first = server.record.requests[0].decode()
    assert "/accounts/acct-from-env/ai/run/@cf/baai/bge-m3" in first
    assert "Bearer env-token-7c2e" in first


def test_worker_processes_where_fork_is_missing_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("embedcheck.conformance.job.can_fork", lambda: False)
    code = main(["run", "--no-progress", "--report-dir", str(tmp_path), "--parallel", "processes"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "--parallel threads" in err
