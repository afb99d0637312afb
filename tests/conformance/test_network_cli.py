"""`embedcheck run` over real networks: a real forward proxy (proxy.py) for http and https
targets, the mock behind TLS with a throwaway CA, and the one-line errors for a target the
suite cannot talk to as it was told (wrong scheme, untrusted CA, proxy trouble, HTTP/2-only)."""

from __future__ import annotations

import json
import logging
import os
import ssl
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from embedcheck.cli import main
from embedcheck.conformance.mock import MockConfig, serve
from tests.conformance.network_servers import (
    BYPASSES,
    RunningProxy,
    forward_proxy,
    http2_only_server,
    tls_mock,
)
from tests.conformance.test_network import clean_environment

__all__ = ["clean_environment"]  # autouse: no proxy or CA variable from the machine

TOKEN = "net-token-5d1f8a2c9e"
MODEL = "@cf/baai/bge-small-en-v1.5"


@dataclass(frozen=True)
class Targets:
    http: str  # the mock, plain HTTP
    https: str  # the mock behind TLS, its certificate from `ca`
    ca_file: Path
    proxy: RunningProxy


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    directory = tmp_path_factory.mktemp("network")
    ca = trustme.CA()
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with (
        serve(MockConfig(api_token=TOKEN)) as plain,
        tls_mock(ca, directory, TOKEN) as secure,
        forward_proxy(directory) as proxy,
    ):
        yield Targets(plain.base_url, secure, ca_file, proxy)


@pytest.fixture(autouse=True)
def quiet_servers() -> Iterator[None]:
    """The servers' own complaints about the wrong-scheme tests' bytes ("Invalid HTTP request
    received") are not embedcheck's output: keep them off the stderr the tests read."""
    server_log = logging.getLogger("uvicorn.error")
    level = server_log.level
    server_log.setLevel(logging.ERROR)
    yield
    server_log.setLevel(level)


@pytest.fixture
def proxy(targets: Targets) -> RunningProxy:
    targets.proxy.record.unlink(missing_ok=True)  # each test sees only its own requests
    return targets.proxy


def run(base: str, tmp_path: Path, *extra: str) -> int:
    return main(
        [
            "run",
            "--no-progress",
            "--profile",
            "workers-ai",
            "--base-url",
            f"{base}/client/v4",
            "--account-id",
            "acct",
            "--api-token",
            TOKEN,
            "--model",
            MODEL,
            "--checks",
            "valid-accepted",
            "--max-examples",
            "2",
            "--parallel",
            "threads",
            "--workers",
            "1",
            "--report-dir",
            str(tmp_path / "report"),
            *extra,
        ]
    )


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_https_goes_through_a_connect_tunnel_the_proxy_cannot_read(
    targets: Targets, proxy: RunningProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert run(targets.https, tmp_path, "--ca-bundle", str(targets.ca_file)) == 0
    authority = targets.https.removeprefix("https://").encode()
    requests = proxy.requests()
    assert requests, "the proxy saw nothing"
    assert {r.split(b"\r\n")[0] for r in requests} == {b"CONNECT " + authority + b" HTTP/1.1"}
    assert TOKEN.encode() not in proxy.seen()  # neither in its log nor in what it parsed
    assert b"client/v4" not in proxy.seen()  # nor the path: all of it inside TLS
    log = (tmp_path / "report" / "run.log").read_text()
    assert f"https via http://127.0.0.1:{proxy.url.rsplit(':', 1)[1]} (from HTTPS_PROXY)" in log


def test_http_goes_to_the_proxy_in_absolute_form(
    targets: Targets, proxy: RunningProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", proxy.url)
    assert run(targets.http, tmp_path) == 0
    requests = proxy.requests()
    line = f"POST {targets.http}/client/v4/accounts/acct/ai/run/{MODEL}".encode()
    assert requests and all(r.startswith(line) for r in requests)
    # Plain HTTP through a proxy the user named: the proxy necessarily reads the token.
    assert f"Bearer {TOKEN}".encode() in requests[0]


@pytest.mark.parametrize(("env", "flags"), BYPASSES)
def test_no_proxy_reaches_the_target_directly(
    env: dict[str, str],
    flags: tuple[str, ...],
    targets: Targets,
    proxy: RunningProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert run(targets.https, tmp_path, "--ca-bundle", str(targets.ca_file), *flags) == 0
    assert proxy.requests() == []


def test_the_proxy_flag_overrides_the_environment(
    targets: Targets, proxy: RunningProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
    assert (
        run(targets.https, tmp_path, "--proxy", proxy.url, "--ca-bundle", str(targets.ca_file)) == 0
    )
    assert len(proxy.requests()) >= 1


def test_an_untrusted_certificate_says_how_to_trust_it(
    targets: Targets, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(targets.https, tmp_path) == 2
    err = one_line_error(capsys)
    assert "is not trusted (unable to get local issuer certificate" in err
    assert "trusted CAs: the system store and certifi" in err
    assert "--ca-bundle FILE or SSL_CERT_FILE" in err


def test_ssl_cert_file_is_trusted(
    targets: Targets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(targets.ca_file))
    assert run(targets.https, tmp_path) == 0


def test_a_hostname_mismatch_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with tls_mock(ca, tmp_path, TOKEN, names=("other.example",)) as url:
        assert run(url, tmp_path, "--ca-bundle", str(tmp_path / "ca.pem")) == 2
    err = one_line_error(capsys)
    assert "is not valid for '127.0.0.1' (hostname mismatch)" in err


def test_https_on_a_plain_http_server(
    targets: Targets, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = targets.http.rsplit(":", 1)[1]
    assert run(targets.http.replace("http://", "https://"), tmp_path) == 2
    err = one_line_error(capsys)
    assert f"127.0.0.1:{port} answers in plain HTTP, not TLS: use http:// in the URL" in err


def test_http_on_a_tls_server(
    targets: Targets, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = targets.https.rsplit(":", 1)[1]
    assert run(targets.https.replace("https://", "http://"), tmp_path) == 2
    err = one_line_error(capsys)
    assert f"127.0.0.1:{port} answers in TLS: use https:// in the URL" in err


@pytest.mark.parametrize("over_tls", [False, True])
def test_an_http2_only_server_is_named(
    over_tls: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    context: ssl.SSLContext | None = None
    if over_tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        context.set_alpn_protocols(["h2"])  # and nothing else
    with http2_only_server(context) as port:
        scheme = "https" if over_tls else "http"
        code = run(
            f"{scheme}://127.0.0.1:{port}", tmp_path, "--ca-bundle", str(tmp_path / "ca.pem")
        )
    assert code == 2
    err = one_line_error(capsys)
    assert f"127.0.0.1:{port} is an HTTP/2-only server" in err
    assert "embedcheck speaks HTTP/1.1" in err


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_asking_for_credentials(
    scheme: str, targets: Targets, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = targets.https if scheme == "https" else targets.http
    with forward_proxy(tmp_path, basic_auth="alice:s3cret-pw") as guarded:
        address = guarded.url.removeprefix("http://")
        ca = ("--ca-bundle", str(targets.ca_file))
        missing = run(base, tmp_path, "--proxy", guarded.url, *ca)
        missing_err = one_line_error(capsys)
        wrong = run(base, tmp_path, "--proxy", f"http://alice:nope-pw@{address}", *ca)
        wrong_err = one_line_error(capsys)
        right = run(base, tmp_path, "--proxy", f"http://alice:s3cret-pw@{address}", *ca)
    assert (missing, wrong, right) == (2, 2, 0)
    assert "needs credentials (407 Proxy Authentication Required)" in missing_err
    assert "put them in the proxy URL, http://USER:PASSWORD@HOST:PORT" in missing_err
    assert "rejected the credentials in its URL (407 Proxy Authentication Required)" in wrong_err
    assert "nope-pw" not in wrong_err and f"http://***@{address}" in wrong_err


def test_a_proxy_refusing_connect(
    targets: Targets, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    authority = targets.https.removeprefix("https://")
    with forward_proxy(tmp_path, refused_hosts="127.0.0.1") as strict:
        assert run(targets.https, tmp_path, "--proxy", strict.url) == 2
    err = one_line_error(capsys)
    assert f"the proxy {strict.url} (from --proxy) refused to connect to {authority}" in err
    assert "(418 I'm a Teapot)" in err  # proxy.py's filter plugin refuses with 418
    assert "or bypass it with --no-proxy/NO_PROXY" in err


def test_an_unreachable_proxy(
    targets: Targets, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(targets.https, tmp_path, "--proxy", "http://127.0.0.1:9")  # discard: closed
    assert code == 2
    err = one_line_error(capsys)
    assert "cannot reach the proxy http://127.0.0.1:9 (from --proxy): [Errno 111]" in err
    assert "--no-proxy/NO_PROXY" in err


@pytest.mark.parametrize(
    ("env", "flags", "words"),
    [
        ({"ALL_PROXY": "socks5://127.0.0.1:1080"}, (), "ALL_PROXY: socks5:// proxies are not"),
        ({}, ("--ca-bundle", "/nonexistent/ca.pem"), "--ca-bundle /nonexistent/ca.pem: no such"),
        ({"SSL_CERT_FILE": "/nonexistent/ca.pem"}, (), "SSL_CERT_FILE=/nonexistent/ca.pem"),
    ],
)
def test_unusable_network_settings_are_usage_errors(
    env: dict[str, str],
    flags: tuple[str, ...],
    words: str,
    targets: Targets,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert run(targets.https, tmp_path, *flags) == 2
    assert words in one_line_error(capsys)


def test_the_bundled_mock_is_never_proxied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # would fail every request
    args = ["run", "--no-progress", "--profile", "workers-ai", "--model", MODEL]
    args += ["--checks", "valid-accepted", "--max-examples", "2", "--parallel", "threads"]
    assert main([*args, "--report-dir", str(tmp_path)]) == 0


def _failing_curl(tmp_path: Path, base: str, *extra: str) -> str:
    """The curl line of the run's one `dims` failure (the TLS mock cuts a value off)."""
    report = tmp_path / "report"
    code = main(
        ["run", "--no-progress", "--profile", "workers-ai", "--base-url", f"{base}/client/v4",
         "--account-id", "acct", "--api-token", TOKEN, "--model", MODEL, "--checks", "dims",
         "--max-examples", "1", "--parallel", "threads", "--report-dir", str(report), *extra]
    )  # fmt: skip
    assert code == 1
    data = json.loads((report / "report.json").read_text())
    curls: set[str] = {e["curl"] for f in data["findings"] for e in f["exchanges"] if e["failing"]}
    assert curls, data["findings"]
    curl = sorted(curls)[0]
    assert TOKEN not in curl and "s3cret" not in curl
    junit = ET.parse(report / "junit.xml").getroot()
    assert curl in "".join(junit.itertext())  # the same line in JUnit
    return curl


def _send(curl: str, **env: str) -> dict[str, Any]:
    """Run the printed curl line in a shell, as a user would paste it."""
    done = subprocess.run(
        ["bash", "-c", curl],
        env={"PATH": os.environ["PATH"], "CLOUDFLARE_API_TOKEN": TOKEN, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    reply: dict[str, Any] = json.loads(done.stdout)
    return reply


def test_curl_lines_go_through_the_proxy_and_trust_the_ca_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    wrong_dims = frozenset({"wrong-dims"})
    (tmp_path / "proxy").mkdir()
    with (
        tls_mock(ca, tmp_path, TOKEN, faults=wrong_dims) as base,
        forward_proxy(tmp_path / "proxy", basic_auth="alice:s3cret-pw") as guarded,
    ):
        address = guarded.url.removeprefix("http://")
        proxy_url = f"http://alice:s3cret-pw@{address}"

        # From the environment: the line names the variable, so it carries the credentials
        # without printing them, and the CA bundle the run trusted.
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        curl = _failing_curl(tmp_path / "env", base, "--ca-bundle", str(ca_file))
        assert curl.startswith(f'curl -sS -x "$HTTPS_PROXY" --cacert {ca_file.resolve()} -X POST')
        guarded.record.unlink(missing_ok=True)
        reply = _send(curl, HTTPS_PROXY=proxy_url)
        assert len(reply["result"]["data"][0]) == 383  # the failure, reproduced
        authority = base.removeprefix("https://")
        assert [r.split(b"\r\n")[0] for r in guarded.requests()] == [
            f"CONNECT {authority} HTTP/1.1".encode()
        ]

        # From --proxy: the user and password are *** (the proxy as run.log shows it).
        monkeypatch.delenv("HTTPS_PROXY")
        curl = _failing_curl(
            tmp_path / "flag", base, "--proxy", proxy_url, "--ca-bundle", str(ca_file)
        )
        assert f"-x 'http://***@{address}' --cacert {ca_file.resolve()}" in curl

        # A proxy set but bypassed: the line says so, or curl would take the proxy.
        monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        curl = _failing_curl(tmp_path / "direct", base, "--no-proxy", "127.0.0.1")
        assert curl.startswith(f"curl -sS --noproxy '*' --cacert {ca_file.resolve()} -X POST")
        reply = _send(curl, HTTPS_PROXY="http://127.0.0.1:9")
        assert len(reply["result"]["data"][0]) == 383


def test_curl_lines_of_a_plain_run_have_no_network_options(tmp_path: Path) -> None:
    with serve(MockConfig(api_token=TOKEN, faults=frozenset({"wrong-dims"}))) as mock:
        curl = _failing_curl(tmp_path, mock.base_url)
    assert curl.startswith(f"curl -sS -X POST {mock.base_url}/client/v4/")
    assert "-x" not in curl.split() and "--cacert" not in curl
