"""Reports a user can trust: masking that never damages them, every distinct failure, writers
that fail alone, Ctrl-C, a terminal output fit for grep, and a page that reads well.

Every run here goes over real sockets: the CLI against the bundled mock or a hostile server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedcheck.cli import main
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.job import RunConfig, run_suite
from embedcheck.conformance.mock import MockConfig, RunningMock, serve
from embedcheck.conformance.profiles import PROFILES
from embedcheck.conformance.reports import results
from embedcheck.conformance.reports.results import report_vocabulary
from embedcheck.conformance.reports.text import abbreviated, printable
from embedcheck.schemas import models
from tests.conformance.hostile import hostile_server

LONG_TOKEN = "Long-secret-token-4b9e1f"
SMALL = "bge-small-en-v1.5"
REPORTS = ("report.json", "junit.xml", "report.html", "run.log")


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key of a JSON document as a path, list items collapsed to `[]`."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            paths.add(f"{prefix}/{key}")
            paths |= key_paths(item, f"{prefix}/{key}")
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, f"{prefix}/[]")
    return paths


def junit_cases(path: Path) -> set[tuple[str, str, str]]:
    """(suite, case, outcome tag) of every test case: parsing it is the first check."""
    root = ET.parse(path).getroot()
    return {
        (suite.get("name", ""), case.get("name", ""), ",".join(child.tag for child in case))
        for suite in root
        for case in suite
    }


def cli(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], Path]:
    report = tmp_path / "report"
    code = main(
        ["run", "--no-progress", "--example-db", "none", "--report-dir", str(report), *args]
    )
    return code, json.loads((report / "report.json").read_text()), report


def everything_written(report: Path, *texts: str) -> str:
    return "\n".join([*((report / name).read_text(errors="replace") for name in REPORTS), *texts])


# --- 1. masking ------------------------------------------------------------------------------

FAULTY = (
    "--profile", "workers-ai", "--model", "bge-m3", "--mock-fault", "error-plain-body",
    "--mock-fault", "wrong-dims", "--max-examples", "2", "--shrink-budget", "2", "--seed", "5",
)  # fmt: skip


@pytest.fixture(scope="module")
def faulty_baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], set[Any]]:
    """The report keys and JUnit cases of the faulty run with the mock's own random token."""
    tmp = tmp_path_factory.mktemp("baseline")
    code, data, report = cli(tmp, *FAULTY)
    assert code == 1
    return key_paths(data), junit_cases(report / "junit.xml")


@pytest.mark.parametrize("token", ["x", "k", "EMPTY", "chec", "passed", LONG_TOKEN])
def test_a_token_of_any_length_leaves_every_report_whole(
    token: str,
    faulty_baseline: tuple[set[str], set[Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, data, report = cli(tmp_path, "--api-token", token, *FAULTY)
    out, err = capsys.readouterr()
    assert code == 1
    keys, cases = faulty_baseline
    assert key_paths(data) == keys
    assert junit_cases(report / "junit.xml") == cases
    assert "max_examples" in data["settings"] and "checks" in data["settings"]
    assert set(data["scorecard"]) >= {"error-body", "dims"}
    html = (report / "report.html").read_text()
    assert html.index("Failures") < html.index("Scorecard")
    curls = [e["curl"] for f in data["findings"] for e in f["exchanges"]]
    authorised = [c for c in curls if "Authorization" in c and "wrong-token" not in c]
    assert authorised and all(
        '"Authorization: Bearer $CLOUDFLARE_API_TOKEN"' in c for c in authorised
    )
    if len(token) >= 8:
        assert token not in everything_written(report, out, err)


def test_a_short_token_echoed_by_the_server_breaks_no_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_server("echo") as server:
        code, data, report = cli(
            tmp_path, "--profile", "worker", "--url", server.url, "--api-token", "x",
            "--model", SMALL, "--max-examples", "2",
        )  # fmt: skip
    assert code == 1
    assert "max_examples" in data["settings"]  # keys are never masked
    assert any(f["check"] == "valid-accepted" for f in data["findings"])
    assert junit_cases(report / "junit.xml")
    assert "Failures" in (report / "report.html").read_text()
    assert "shorter than 8 characters" in capsys.readouterr().out


@pytest.fixture(scope="module")
def clean_mock() -> Iterator[RunningMock]:
    with serve(MockConfig()) as mock:  # no token of its own: any credential is let in
        yield mock


def _run_with(mock: RunningMock, token: str | None, directory: Path) -> dict[str, Any]:
    config = RunConfig(
        profile="workers-ai",
        base_url=f"{mock.base_url}/client/v4",
        account_id="acct-1",
        token=token,
        models=(SMALL,),
        options=RunOptions(
            max_examples=1,
            seed=11,
            parallel="threads",
            workers=4,
            # This mock lets anyone in, by design here; long-input warns on the clean mock, and
            # a finding's exchanges carry the credential header only when a token is set.
            exclude_checks=("auth-required", "long-input"),
        ),
        report_dir=directory,
        progress=False,
    )
    result, data = run_suite(config)
    assert result.exit_code == 0, data["findings"][:2]
    return dict(data)


VOCABULARY_PIECES = ["chec", "status", "passed", "x", "k", "EMPTY", "error", "checks", "dims"]
TOKENS = st.one_of(
    st.sampled_from(VOCABULARY_PIECES),
    st.text(string.ascii_letters + string.digits + "-._~+/=", min_size=1, max_size=40),
)


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(token=TOKENS)
def test_property_any_token_keeps_the_reports_keys_and_no_long_token_leaks(
    clean_mock: RunningMock, token: str
) -> None:
    with tempfile.TemporaryDirectory() as plain_dir, tempfile.TemporaryDirectory() as dir_:
        plain = _run_with(clean_mock, None, Path(plain_dir))
        data = _run_with(clean_mock, token, Path(dir_))
        assert key_paths(data) == key_paths(plain)
        assert junit_cases(Path(dir_) / "junit.xml") == junit_cases(Path(plain_dir) / "junit.xml")
        html = (Path(dir_) / "report.html").read_text()
        assert html.count("<td") == (Path(plain_dir) / "report.html").read_text().count("<td")
        if len(token) >= 8 and token not in report_vocabulary():
            assert token not in everything_written(Path(dir_))


# --- 9. every distinct failure ---------------------------------------------------------------

ACCEPTING_INVALID = (
    "--profile", "worker", "--model", "bge-m3", "--mock-fault", "accept-empty-string",
    "--mock-fault", "accept-101-items", "--checks", "invalid-rejected", "--max-examples", "3",
    "--seed", "2",
)  # fmt: skip


def test_every_distinct_failure_of_a_check_is_in_every_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data, report = cli(tmp_path, *ACCEPTING_INVALID)
    out = capsys.readouterr().out
    assert code == 1
    findings = [f for f in data["findings"] if f["check"] == "invalid-rejected"]
    inputs = [f["exchanges"][0]["request"]["body"] for f in findings]
    # The empty text alone, an empty text inside a batch, an empty query, 101 texts: each one.
    assert {"text": ""} in inputs
    assert any(isinstance(b.get("text"), list) and "" in b["text"] for b in inputs)
    assert any(len(body.get("text", [])) == 101 for body in inputs)
    assert any(body.get("query") == "" for body in inputs)
    assert len({f["kind"] for f in findings}) == len(findings) >= 4
    sizes = [len(json.dumps(body)) for body in inputs]
    assert sizes[0] == min(sizes)  # smallest first
    junit = (report / "junit.xml").read_text()
    html = (report / "report.html").read_text()
    assert f"(+{len(findings) - 1} more distinct failures)" in junit
    assert f"invalid-rejected worker:bge-m3: {len(findings)} distinct failures" in out
    for finding in findings:
        assert printable(finding["payloads"][0]) in junit
        assert finding["payloads"][0] in html
        assert finding["payloads"][0] in out  # in the message line


def test_distinct_failures_beyond_the_cap_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "KINDS_SHOWN", 2)
    code, data, report = cli(tmp_path, *ACCEPTING_INVALID)
    out = capsys.readouterr().out
    assert code == 1
    assert len(data["findings"]) == 2
    (omitted,) = data["omitted"]
    assert omitted["check"] == "invalid-rejected" and omitted["kinds"] >= 2
    assert omitted["examples"] >= omitted["kinds"]
    assert f"+{omitted['kinds']} more not shown" in out
    junit = (report / "junit.xml").read_text()
    assert f"and {omitted['kinds']} more distinct failures" in junit
    assert f"{omitted['kinds']} more distinct failures" in (report / "report.html").read_text()


# --- 10. reports that survive -----------------------------------------------------------------


def test_one_writer_failing_stops_no_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report"
    (report / "junit.xml").mkdir(parents=True)  # a directory where the file goes: a real failure
    code = main(
        ["run", "--no-progress", "--report-dir", str(report), "--profile", "worker",
         "--model", SMALL, "--mock-fault", "wrong-dims", "--checks", "dims",
         "--max-examples", "2"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1  # the verdict stands
    data = json.loads((report / "report.json").read_text())
    assert data["findings"][0]["check"] == "dims"
    assert "dims" in (report / "report.html").read_text()
    assert f"could not write {report / 'junit.xml'}: IsADirectoryError" in out
    reports_line = next(line for line in out.splitlines() if line.startswith("reports: "))
    assert "junit.xml" not in reports_line and "report.html" in reports_line


def test_an_oversized_reply_to_an_invalid_request_is_an_acceptance_with_its_status(
    tmp_path: Path,
) -> None:
    code, data, _ = cli(
        tmp_path, "--profile", "worker", "--model", SMALL, "--mock-fault", "accept-empty-string",
        "--max-response-bytes", "1500", "--checks", "invalid-rejected", "--max-examples", "1",
    )  # fmt: skip
    assert code == 1
    finding = next(
        f for f in data["findings"] if f["payloads"][0].endswith("below-minLength at /text")
    )
    assert "answered HTTP 200 instead of a 4xx" in finding["message"]
    assert "body larger than 1500 bytes" in finding["message"]
    assert "--max-response-bytes" in finding["message"]
    assert finding["exchanges"][0]["response"]["status"] == 200


def test_ctrl_c_writes_a_partial_report_of_the_finished_units(tmp_path: Path) -> None:
    report = tmp_path / "report"
    process = subprocess.Popen(
        [sys.executable, "-m", "embedcheck", "run", "--no-progress", "--example-db", "none",
         "--report-dir", str(report), "--max-examples", "400", "--workers", "2", "--seed", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        log = report / "run.log"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if log.exists() and "INFO embedcheck.progress: finished " in log.read_text():
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err
    data = json.loads((report / "report.json").read_text())
    assert data["interrupted"] is True
    assert data["units"], "units finished before the interrupt are reported"
    assert len(data["units"]) < 60  # 12 models x profiles x scenarios were planned
    assert all(unit["error"] == "" for unit in data["units"])
    assert junit_cases(report / "junit.xml")
    assert "Interrupted (Ctrl-C)" in (report / "report.html").read_text()
    assert "interrupted: partial report" in out


# --- 11. the terminal ------------------------------------------------------------------------


def _free_port_is_bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_terminal_output_off_a_tty_is_not_wrapped_and_reproduces_against_the_mock(
    tmp_path: Path,
) -> None:
    report = tmp_path / "a-rather-long-report-directory-name-so-paths-pass-80-columns"
    env = {**os.environ, "COLUMNS": "80"}
    run = subprocess.run(
        [sys.executable, "-m", "embedcheck", "run", "--no-progress", "--example-db", "none",
         "--report-dir", str(report), "--profile", "worker", "--model", SMALL,
         "--mock-fault", "accept-empty-string", "--checks", "invalid-rejected",
         "--max-examples", "2"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    verdict = next(line for line in lines if line.startswith("FAILED"))
    assert "reruns the same examples" in verdict  # the whole sentence on one line
    paths = " ".join(str(report / name) for name in ("report.json", "junit.xml", "report.html"))
    assert f"reports: {paths.replace(' ', '  ')}" in lines
    assert '    input: {"text": ""}' in lines  # the failing input
    assert "more numbers)" in run.stdout  # the vectors in the reply excerpt, abbreviated
    # The line that starts the same mock again; then the report's curl line reproduces it.
    command = next(line for line in lines if line.startswith("reproduce: embedcheck mock"))
    words = shlex.split(command.removeprefix("reproduce: ").split("   (")[0])
    port = int(words[words.index("--port") + 1])
    assert words[words.index("--fault") + 1] == "accept-empty-string"
    data = json.loads((report / "report.json").read_text())
    assert data["mock"]["base_url"] == f"http://127.0.0.1:{port}"
    curl = next(
        e["curl"]
        for f in data["findings"]
        for e in f["exchanges"]
        if e["failing"] and e["request"]["body"] == {"text": ""}
    )
    env = {**os.environ, "EMBEDCHECK_TOKEN": "my-own-token"}
    argv = [sys.executable, "-m", "embedcheck", *words[1:]]
    argv[argv.index("$EMBEDCHECK_TOKEN")] = env["EMBEDCHECK_TOKEN"]
    deadline = time.monotonic() + 20
    while not _free_port_is_bindable(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    mock = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        reply = None
        while time.monotonic() < deadline:
            reply = subprocess.run(
                ["bash", "-c", curl + " -w ' HTTP%{http_code}'"],
                capture_output=True, text=True, env=env, timeout=10,
            )  # fmt: skip
            if reply.returncode == 0:
                break
            time.sleep(0.2)
        assert reply is not None and reply.stdout.endswith("HTTP200"), reply
        assert '"shape":[1,384]' in reply.stdout  # the empty text embedded: the fault again
    finally:
        mock.terminate()
        mock.wait(timeout=10)


def test_control_characters_from_a_server_never_reach_the_terminal_or_the_xml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_server("escapes") as server:
        code, data, report = cli(
            tmp_path, "--profile", "worker", "--url", server.url, "--model", SMALL,
            "--max-examples", "1", "--api-token", LONG_TOKEN,
        )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    message = next(f["message"] for f in data["findings"] if f["check"] == "no-5xx")
    assert "\x1b[2J" in message  # report.json keeps the server's text, JSON-escaped
    assert "\x1b" not in out and "\x00" not in out and "\u202e" not in out
    assert "boom\\x1b[2J\\x1b[31mred\\x00 \\u202ereversed" in out
    assert "\uffff" not in out and "\\uffffend" in out
    junit = ET.parse(report / "junit.xml").getroot()  # valid XML
    texts = [f.text or "" for f in junit.iter("failure")]
    assert any("boom\\x1b[2J" in t for t in texts)
    html = (report / "report.html").read_text()
    assert "\x1b" not in html and "boom\\x1b[2J" in html


def test_every_code_point_made_printable_is_an_xml_character() -> None:
    # Whatever a server says or the generator sends ends up in junit.xml through printable(),
    # as element text and as attributes; the code points are few enough to try each one.
    text = "".join(map(chr, range(0x110000)))
    shown = printable(text)
    case = ET.Element("testcase", name=shown)
    case.text = shown
    parsed = ET.fromstring(ET.tostring(case, encoding="unicode"))
    assert parsed.get("name") == shown and parsed.text == shown
    assert [c for c in "\ufffe\uffff\ud800\x00\x1b" if c in shown] == []  # escaped, not kept


def test_printable_and_abbreviated() -> None:
    assert printable("a\x1b[31mb\nc\td\x7f\u202e\ud800") == "a\\x1b[31mb\\nc\\td\\x7f\\u202e\\ud800"
    assert printable("a\nb\tc\x1b", lines=True) == "a\nb\tc\\x1b"
    assert printable("end\uffff \ufffe \ufdd0 \ufffd") == "end\\uffff \\ufffe \\ufdd0 \ufffd"
    vector = "[" + ", ".join(f"0.{i}5" for i in range(384)) + "]"
    assert abbreviated(f'{{"data": [{vector}]}}') == (
        '{"data": [[0.05, 0.15, 0.25, ... (381 more numbers)]]}'
    )
    assert abbreviated("[1, 2, 3]") == "[1, 2, 3]"  # a short list is not a vector


# --- 13. not judged, the page ----------------------------------------------------------------


def test_a_check_left_nothing_to_judge_is_not_judged_naming_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with hostile_server("escapes") as server:  # HTTP 500 to every request
        code, data, report = cli(
            tmp_path, "--profile", "worker", "--url", server.url, "--model", SMALL,
            "--max-examples", "1",
        )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    column = f"worker:{SMALL}"
    card = data["scorecard"]
    assert card["no-5xx"][column]["status"] == "failed"
    for check in ("valid-accepted", "dims", "vector-count", "response-schema"):
        assert card[check][column]["status"] == "not-judged", check
        assert card[check][column]["blocked_by"] == ["no-5xx"]
    assert data["totals"]["not-judged"] >= 4
    skipped = {
        case.get("name"): case.find("skipped")
        for case in ET.parse(report / "junit.xml").getroot().iter("testcase")
    }
    dims = skipped["dims"]
    assert dims is not None
    assert dims.get("message") == "not judged: no-5xx failed, leaving nothing to judge"
    html = (report / "report.html").read_text()
    assert 'title="not judged: no-5xx failed, leaving nothing to judge">⊘' in html
    assert "⊘" in out


@pytest.mark.parametrize(
    ("fault", "blocked", "blocker"),
    [
        # a shuffled batch: no row to compare with its text alone
        ("reorder-vectors", "batch-invariance", "order-kept"),
        # texts that cannot be told apart: no order to read
        ("same-vector-for-all", "order-kept", "distinct-vectors"),
        # one vector short: nothing row for row
        ("drop-last-vector", "determinism", "vector-count"),
        ("drop-last-vector", "concurrency-isolation", "vector-count"),
    ],
)
def test_a_comparison_left_nothing_by_the_check_it_builds_on_is_not_judged(
    tmp_path: Path, fault: str, blocked: str, blocker: str
) -> None:
    code, data, report = cli(tmp_path, "--mock-fault", fault, "--max-examples", "1")
    assert code == 1
    for column, tally in data["scorecard"][blocked].items():
        assert data["scorecard"][blocker][column]["status"] == "failed", column
        assert (tally["status"], blocker in tally["blocked_by"]) == ("not-judged", True), column
    skipped = [
        case.find("skipped")
        for case in ET.parse(report / "junit.xml").getroot().iter("testcase")
        if case.get("name") == blocked
    ]
    assert skipped and all(s is not None and blocker in s.get("message", "") for s in skipped)


def test_a_check_with_no_business_stays_n_a_when_a_gate_fails(tmp_path: Path) -> None:
    """pooling-echoed on a model whose schema has no setting to echo is n/a, gate or not."""
    _, clean, _ = cli(tmp_path / "clean", "--max-examples", "1")
    idle = {
        (check, column)
        for check, cells in clean["scorecard"].items()
        for column, tally in cells.items()
        if tally["status"] == "n/a"
    }
    if not idle:
        pytest.skip("every check applies to every model of these schemas")
    code, data, _ = cli(tmp_path / "fault", "--mock-fault", "surrogate-500", "--max-examples", "1")
    assert code == 1
    still = {(c, col) for c, col in idle if data["scorecard"][c][col]["status"] == "n/a"}
    assert still == idle


def test_the_page_shows_failures_first_and_groups_the_scorecard_by_profile(
    tmp_path: Path,
) -> None:
    code, _, report = cli(
        tmp_path, "--mock-fault", "wrong-dims", "--checks", "dims,responds",
        "--max-examples", "1",
    )  # fmt: skip
    assert code == 1
    html = (report / "report.html").read_text()
    assert html.index("<h2>Failures") < html.index("<h2>Scorecard")
    served = len([m for m in models() if m.provider == "workers-ai"])  # one column each
    for profile in PROFILES:
        assert f'<th class="profile" colspan="{served}">{profile}</th>' in html
    assert "position: sticky; left: 0" in html
    anchor = re.search(r'<section class="group" id="(dims-[^"]+)">', html)
    assert anchor and f'href="#{anchor.group(1)}"' in html  # a failed cell links to its failure
