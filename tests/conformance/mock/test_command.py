"""`embedcheck mock`: lists faults, refuses unknown ones in one line, serves until Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import httpx
import pytest

from embedcheck.cli import main
from embedcheck.conformance.mock import FAULTS
from tests.conformance.mock.wire import SMALL, run_url


def test_list_faults_prints_one_line_per_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "--list-faults"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(FAULTS)
    assert all(len(line.split(None, 1)) == 2 for line in lines)


def test_unknown_fault_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "--fault", "wrong-dims", "wrong-dimz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "wrong-dimz" in err and "--list-faults" in err


def test_taken_port_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["mock", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err


def test_serves_with_token_and_faults_until_interrupted() -> None:
    token = "cli-secret-token"
    command = [sys.executable, "-m", "embedcheck", "mock", "--port", "0"]
    command += ["--api-token", token, "--fault", "wrong-dims"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline()]
        while not banner[-1].startswith("Press Ctrl-C") and banner[-1]:
            banner.append(process.stdout.readline())
        assert banner[0].startswith("embedcheck mock listening on http://127.0.0.1:")
        base = banner[0].split()[-1]
        header = {"authorization": f"Bearer {token}"}
        reply = httpx.post(base + run_url(SMALL), json={"text": "a"}, headers=header)
        assert reply.json()["result"]["shape"] == [1, 383]
        assert httpx.post(base + run_url(SMALL), json={"text": "a"}).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    printed = "".join(banner) + out
    assert "faults: wrong-dims" in printed and "/v1/embeddings" in printed
    assert token not in printed and "Traceback" not in err
