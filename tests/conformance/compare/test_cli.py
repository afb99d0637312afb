"""`embedcheck compare` through the CLI, against mocks on real sockets: the verdicts the issue
names, the request count of a dims mismatch, secrets, and the one-line errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from embedcheck.conformance.compare.corpus import builtin
from tests.conformance.compare.servers import ACCOUNT, CountingMock, counting_mock

BASE = "@cf/baai/bge-base-en-v1.5"
LARGE = "@cf/baai/bge-large-en-v1.5"
M3 = "@cf/baai/bge-m3"
DISTINCT = len(builtin().all_texts())
BATCHES = math.ceil(DISTINCT / 32)


def compare(
    tmp_path: Path, a: str, b: str, *args: str, a_mock: CountingMock, b_mock: CountingMock
) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "compare",
            a,
            b,
            "--account-id",
            ACCOUNT,
            "--api-token",
            a_mock.token,
            "--api-token-b",
            b_mock.token,
            "--api-key",
            a_mock.token,
            "--api-key-b",
            b_mock.token,
            "--report-dir",
            str(tmp_path),
            *args,
        ]
    )
    return code, json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))


def causes(report: dict[str, Any]) -> list[str]:
    return [f["cause"] for f in report["findings"]]


def test_mock_vs_mock_is_interchangeable(tmp_path: Path) -> None:
    with counting_mock("tok-a-91f2") as a, counting_mock("tok-b-33c7") as b:
        code, report = compare(
            tmp_path, a.workers_ai, b.workers_ai, "--model", BASE, a_mock=a, b_mock=b
        )
        assert (a.counter.requests, b.counter.requests) == (BATCHES, BATCHES)
    assert (code, report["verdict"], report["exit_status"]) == (0, "interchangeable", 0)
    assert report["cosine"]["min"] >= 0.9999999 and report["cosine"]["count"] == 79
    assert report["retrieval"]["mixed"]["top_k_overlap"] == 1.0
    assert report["sides"]["A"]["requests"] == BATCHES and report["findings"] == []
    for name in ("compare.json", "compare.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "tok-a-91f2" not in text and "tok-b-33c7" not in text


def test_workers_ai_route_vs_openai_route_same_model(tmp_path: Path) -> None:
    # The gateway spelling of the model on the OpenAI side, as seed 003 names it.
    with counting_mock() as mock:
        code, report = compare(
            tmp_path,
            mock.workers_ai,
            mock.openai,
            "--model",
            M3,
            "--model-b",
            "baai/bge-m3",
            a_mock=mock,
            b_mock=mock,
        )
    assert (code, report["verdict"]) == (0, "interchangeable")
    assert report["sides"]["A"]["dims"] == report["sides"]["B"]["dims"] == 1024
    assert report["sides"]["B"]["model"] == "baai/bge-m3"


def test_precision_switch_is_same_model_lower_precision(tmp_path: Path) -> None:
    with counting_mock() as a, counting_mock(precision="bfloat16") as b:
        code, report = compare(
            tmp_path, a.workers_ai, b.openai, "--model", BASE, a_mock=a, b_mock=b
        )
    assert (code, report["verdict"]) == (1, "same model, lower precision")
    # bf16 rounding of unit vectors: 8 significant bits, cosine 1 - ~1.5e-6 on every text
    assert 0.99999 < report["cosine"]["min"] < 0.999999
    assert causes(report) == ["precision"]
    assert any("mixed index" in line and "top 10" in line for line in report["evidence"])
    assert report["retrieval"]["mixed"]["top_k_overlap"] >= 0.9


def test_precision_within_the_users_threshold_exits_0(tmp_path: Path) -> None:
    with counting_mock() as a, counting_mock(precision="bfloat16") as b:
        code, report = compare(
            tmp_path,
            a.workers_ai,
            b.workers_ai,
            "--model",
            BASE,
            "--interchangeable-cosine",
            "0.9999",
            a_mock=a,
            b_mock=b,
        )
    assert (code, report["verdict"]) == (0, "interchangeable")
    assert report["thresholds"]["interchangeable"] == 0.9999


def test_cls_vs_mean_is_incompatible_with_pooling_named(tmp_path: Path) -> None:
    with counting_mock() as mock:
        code, report = compare(
            tmp_path,
            mock.workers_ai,
            mock.workers_ai,
            "--model",
            BASE,
            "--pooling",
            "cls",
            "--pooling-b",
            "mean",
            a_mock=mock,
            b_mock=mock,
        )
    assert (code, report["verdict"]) == (1, "incompatible")
    assert causes(report)[0] == "pooling"
    assert "model" not in causes(report)
    assert "pooling=mean gives side B's vectors" in report["findings"][0]["summary"]
    assert report["evidence"][0].startswith("pooling")
    probe = {(p["side"], p["pooling"]): p["min_cosine"] for p in report["pooling_probes"]}
    assert probe[("A", "mean")] >= 0.9999999 and probe[("B", "cls")] >= 0.9999999


def test_different_model_switch_is_incompatible(tmp_path: Path) -> None:
    with counting_mock() as a, counting_mock(model_variant="other") as b:
        code, report = compare(
            tmp_path, a.workers_ai, b.openai, "--model", BASE, a_mock=a, b_mock=b
        )
    assert (code, report["verdict"]) == (1, "incompatible")
    assert causes(report) == ["model"]
    assert abs(report["cosine"]["median"]) < 0.2  # unrelated 768-dim vectors: about 0
    assert report["retrieval"]["sides"]["top_k_overlap"] < 0.6


def test_dims_1024_vs_768_decided_from_the_first_reply(tmp_path: Path) -> None:
    with counting_mock() as a, counting_mock() as b:
        code, report = compare(
            tmp_path,
            a.workers_ai,
            b.openai,
            "--model",
            LARGE,
            "--model-b",
            BASE,
            a_mock=a,
            b_mock=b,
        )
        seen = (a.counter.requests, b.counter.requests)
    assert (code, report["verdict"]) == (1, "incompatible")
    assert seen == (1, 1), f"expected one request per side, the servers saw {seen}"
    assert report["corpus"]["sent"] == 32 < DISTINCT
    assert "dims differ: A 1024, B 768" in report["evidence"][0]


def test_a_side_failing_mid_way_is_never_a_pass(tmp_path: Path) -> None:
    with counting_mock() as a, counting_mock(fail_after=2) as b:
        code, report = compare(
            tmp_path, a.workers_ai, b.workers_ai, "--model", BASE, a_mock=a, b_mock=b
        )
    assert (code, report["verdict"]) == (1, "incomplete")
    problems = report["sides"]["B"]["problems"]
    assert problems and all("HTTP 500" in p for p in problems)
    assert report["sides"]["A"]["problems"] == []


def test_a_corpus_file(tmp_path: Path) -> None:
    corpus = tmp_path / "texts.txt"
    corpus.write_text("first text\n\nsecond text\n  third  \n", encoding="utf-8")
    with counting_mock() as mock:
        code, report = compare(
            tmp_path / "out",
            mock.workers_ai,
            mock.openai,
            "--model",
            BASE,
            "--corpus",
            str(corpus),
            a_mock=mock,
            b_mock=mock,
        )
    assert code == 0
    assert [t["text"] for t in report["texts"]] == ["first text", "second text", "  third  "]
    assert report["corpus"]["source"] == str(corpus)


def test_the_demo_needs_no_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--report-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "verdict: interchangeable" in out
    page = (tmp_path / "compare.html").read_text(encoding="utf-8")
    assert "<svg" in page and page.count('<rect class="bar"') == 11 and "interchangeable" in page


def test_the_demo_with_the_second_mock_switched(tmp_path: Path) -> None:
    assert main(["compare", "--mock-b", "other-model", "--report-dir", str(tmp_path)]) == 1
    report = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "incompatible" and causes(report) == ["model"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["workers-ai=http://127.0.0.1:9/client/v4"], "two sides"),
        (["ftp=http://x/v1", "openai=http://x/v1", "--model", "m"], "PROFILE=BASE_URL"),
        (["openai=ftp://x/v1", "openai=http://x/v1", "--model", "m"], "http(s)"),
        (["openai=http://x/v1", "openai=http://y/v1"], "--model"),
        (
            ["openai=http://x/v1", "openai=http://y/v1", "--model", "m", "--pooling", "cls"],
            "pooling",
        ),
        (["workers-ai=http://x/client/v4", "openai=http://y/v1", "--model", "m"], "--account-id"),
        (["--corpus", "/nonexistent/texts.txt"], "no such file"),
        (["--same-model-cosine", "0.99", "--interchangeable-cosine", "0.9"], "must not exceed"),
        (["--interchangeable-cosine", "1.5"], "between -1 and 1"),
        (["--mock-b", "fp8"], "invalid choice"),
        (["--batch-size", "0"], "at least 1"),
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
    code = main(["compare", "--report-dir", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and words in err, err
    assert "Traceback" not in err


def test_an_unreachable_side_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with counting_mock() as mock:
        code = main(
            [
                "compare",
                mock.openai,
                "openai=http://127.0.0.1:9/v1",
                "--model",
                BASE,
                "--api-key",
                mock.token,
                "--report-dir",
                str(tmp_path),
            ]
        )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "side B" in err and "cannot connect" in err


def test_a_wrong_token_is_one_line_exit_2_without_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with counting_mock() as mock:
        code = main(
            [
                "compare",
                mock.openai,
                mock.openai,
                "--model",
                BASE,
                "--api-key",
                mock.token,
                "--api-key-b",
                "wrong-secret-8d1e",
                "--report-dir",
                str(tmp_path),
            ]
        )
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "side B" in err and "HTTP 401" in err and "wrong-secret-8d1e" not in err


def test_secrets_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with counting_mock("env-token-5b2c") as mock:
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "env-token-5b2c")
        monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
        monkeypatch.setenv("OPENAI_API_KEY", "env-token-5b2c")
        code = main(
            [
                "compare",
                mock.workers_ai,
                mock.openai,
                "--model",
                BASE,
                "--report-dir",
                str(tmp_path),
            ]
        )
    assert code == 0
    assert "env-token-5b2c" not in (tmp_path / "compare.json").read_text(encoding="utf-8")
