"""Which target a run checks: the URL given, Cloudflare's API for credentials alone, the
bundled mock only when nothing names a real target (or with --mock); every output names it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.conformance.errors import ConfigError
from embedcheck.conformance.job import RunConfig, real_target, targets_for
from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.profiles.kinds import CLOUDFLARE_API

M3 = "@cf/baai/bge-m3"


def test_credentials_without_a_base_url_target_the_cloudflare_api() -> None:
    config = RunConfig(profile="workers-ai", account_id="acct-1", token="tok", models=("bge-m3",))
    assert not config.uses_mock
    target = real_target(config)
    assert target.base_url == CLOUDFLARE_API == "https://api.cloudflare.com/client/v4"
    assert target.url(target.models[0]) == f"{CLOUDFLARE_API}/accounts/acct-1/ai/run/{M3}"
    # The line printed first and stored in every report: no request is needed to get it.
    with targets_for(config) as (targets, description):
        assert targets == [target]
    assert description == f"workers-ai at {CLOUDFLARE_API} (account acct-1), model(s) {M3}"


@pytest.mark.parametrize(
    ("config", "mock"),
    [
        (RunConfig(), True),
        (RunConfig(profile="worker", models=("bge-m3",)), True),
        (RunConfig(mock_faults=("wrong-dims",)), True),
        (RunConfig(token="t"), False),
        (RunConfig(account_id="a"), False),
        (RunConfig(mock=True, token="t", account_id="a"), True),
        (RunConfig(base_url="http://127.0.0.1:9/v1"), False),
    ],
)
def test_the_mock_runs_only_when_nothing_names_a_real_target(config: RunConfig, mock: bool) -> None:
    assert config.uses_mock is mock


def test_an_account_id_alone_means_cloudflare() -> None:
    target = real_target(RunConfig(account_id="a", token="t", models=("bge-m3",)))
    assert (target.profile, target.base_url) == ("workers-ai", CLOUDFLARE_API)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (RunConfig(profile="openai", token="k", models=("m",)), "openai needs --base-url"),
        (RunConfig(token="t"), "credentials but no target"),
        (RunConfig(profile="worker", token="t"), "--profile worker needs --url"),
        (RunConfig(profile="workers-ai", token="t"), "--account-id"),
    ],
)
def test_what_a_real_target_lacks_is_named(config: RunConfig, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        real_target(config)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--profile", "openai", "--api-key", "k", "--model", "m"], "needs --base-url"),
        (["--api-token", "t"], "credentials but no target"),
        (["--mock", "--base-url", "http://127.0.0.1:9/v1"], "--mock checks the bundled mock"),
        (["--profile", "workers-ai", "--model", "bge-m3"], "--account-id"),  # env token
    ],
)
def test_target_mistakes_are_one_line_and_exit_2(
    args: list[str],
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "env-token")  # a real target's, never the mock's
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    code = main(["run", "--no-progress", "--report-dir", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert (code, err.count("\n")) == (2, 1)
    assert words in err and "Traceback" not in err


def test_the_first_line_and_every_report_name_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve(MockConfig(api_token="cf-token-8d1e")) as mock:
        base = f"{mock.base_url}/client/v4"
        code = main(
            [
                "run", "--profile", "workers-ai", "--base-url", base, "--account-id", "acct-9",
                "--api-token", "cf-token-8d1e", "--model", "bge-small-en-v1.5",
                "--checks", "dims", "--max-examples", "2", "--no-progress",
                "--report-dir", str(tmp_path),
            ]
        )  # fmt: skip
    out = capsys.readouterr().out
    named = f"workers-ai at {base} (account acct-9), model(s) @cf/baai/bge-small-en-v1.5"
    assert code == 0
    assert out.splitlines()[0] == f"embedcheck: checking {named}"
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["description"] == named
    assert [(t["profile"], t["base_url"]) for t in data["targets"]] == [("workers-ai", base)]
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["target"] == named and properties["verdict"] == "passed"
    assert f"Target: {named}" in (tmp_path / "report.html").read_text()


def test_mock_flag_checks_the_mock_with_the_token_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run", "--mock", "--profile", "worker", "--api-token", "mine-1234",
            "--model", "bge-small-en-v1.5", "--checks", "auth-required", "--max-examples", "1",
            "--no-progress", "--report-dir", str(tmp_path),
        ]
    )  # fmt: skip
    first = capsys.readouterr().out.splitlines()[0]
    assert code == 0
    assert first.startswith("embedcheck: checking the bundled mock at http://127.0.0.1:")
