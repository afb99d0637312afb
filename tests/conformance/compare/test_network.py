"""`embedcheck compare` over real networks, as `run` is tested: a real forward proxy (proxy.py)
for http and https sides, the mock behind TLS with a throwaway CA, NO_PROXY and SSL_CERT_FILE
from the environment, and the demo's own mocks never sent through a proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from embedcheck.cli import main
from tests.conformance.compare.servers import ACCOUNT, CountingMock, counting_mock
from tests.conformance.network_servers import BYPASSES, RunningProxy, forward_proxy, tls_mock
from tests.conformance.test_network import clean_environment

__all__ = ["clean_environment"]  # autouse: no proxy or CA variable from the machine

TOKEN = "net-compare-7c2e91"
M3, M3_GATEWAY = "@cf/baai/bge-m3", "baai/bge-m3"


@dataclass(frozen=True)
class Servers:
    http: CountingMock  # the mock, plain HTTP, counting what reaches it
    https: str  # the mock behind TLS, its certificate from `ca_file`
    ca_file: Path
    proxy: RunningProxy


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    directory = tmp_path_factory.mktemp("compare-network")
    ca = trustme.CA()
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with (
        counting_mock(TOKEN) as plain,
        tls_mock(ca, directory, TOKEN) as secure,
        forward_proxy(directory) as proxy,
    ):
        yield Servers(plain, secure, ca_file, proxy)


@pytest.fixture
def proxy(servers: Servers) -> RunningProxy:
    servers.proxy.record.unlink(missing_ok=True)  # each test sees only its own requests
    return servers.proxy


def compare(base: str, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    """The mock's Workers AI route against its OpenAI route at `base`: interchangeable."""
    code = main(
        [
            "compare",
            f"workers-ai={base}/client/v4",
            f"openai={base}/v1",
            "--model",
            M3,
            "--model-b",
            M3_GATEWAY,
            "--account-id",
            ACCOUNT,
            "--api-token",
            TOKEN,
            "--api-key",
            TOKEN,
            "--report-dir",
            str(tmp_path),
            *extra,
        ]
    )
    path = tmp_path / "compare.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return code, report


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_https_sides_go_through_a_connect_tunnel(
    servers: Servers, proxy: RunningProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    code, report = compare(servers.https, tmp_path, "--ca-bundle", str(servers.ca_file))
    assert (code, report["verdict"]) == (0, "interchangeable")
    authority = servers.https.removeprefix("https://").encode()
    requests = proxy.requests()
    assert requests, "the proxy saw nothing"
    assert {r.split(b"\r\n")[0] for r in requests} == {b"CONNECT " + authority + b" HTTP/1.1"}
    assert TOKEN.encode() not in proxy.seen() and b"client/v4" not in proxy.seen()
    port = proxy.url.rsplit(":", 1)[1]
    assert f"https via http://127.0.0.1:{port} (from HTTPS_PROXY)" in report["network"]
    assert f"CAs: --ca-bundle {servers.ca_file}" in report["network"]


def test_http_sides_go_to_the_proxy_named_by_the_flag(
    servers: Servers, proxy: RunningProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: --proxy wins
    before = servers.http.counter.requests
    code, report = compare(servers.http.base_url, tmp_path, "--proxy", proxy.url)
    assert (code, report["verdict"]) == (0, "interchangeable")
    reached = servers.http.counter.requests - before
    sent = report["sides"]["A"]["requests"] + report["sides"]["B"]["requests"]
    lines = [r.split(b"\r\n")[0] for r in proxy.requests()]
    # Every request the mock answered came through the proxy, in absolute form.
    assert len(lines) == reached == sent > 2
    base = servers.http.base_url
    a_line = f"POST {base}/client/v4/accounts/{ACCOUNT}/ai/run/{M3} HTTP/1.1".encode()
    b_line = f"POST {base}/v1/embeddings HTTP/1.1".encode()
    assert set(lines) == {a_line, b_line}
    assert lines.count(a_line) == report["sides"]["A"]["requests"]


@pytest.mark.parametrize(("env", "flags"), BYPASSES)
def test_no_proxy_reaches_the_sides_directly(
    env: dict[str, str],
    flags: tuple[str, ...],
    servers: Servers,
    proxy: RunningProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, report = compare(servers.https, tmp_path, "--ca-bundle", str(servers.ca_file), *flags)
    assert (code, report["verdict"]) == (0, "interchangeable")
    assert proxy.requests() == []


def test_ssl_cert_file_is_trusted_and_without_it_the_ca_is_named(
    servers: Servers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = compare(servers.https, tmp_path / "untrusted")
    assert code == 2
    err = one_line_error(capsys)
    assert "is not trusted (unable to get local issuer certificate" in err
    assert "--ca-bundle FILE or SSL_CERT_FILE" in err
    monkeypatch.setenv("SSL_CERT_FILE", str(servers.ca_file))
    code, report = compare(servers.https, tmp_path / "trusted")
    assert (code, report["verdict"]) == (0, "interchangeable")
    assert f"CAs: SSL_CERT_FILE={servers.ca_file}" in report["network"]


def test_the_demo_mocks_never_go_through_a_proxy(
    proxy: RunningProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    assert main(["compare", "--report-dir", str(tmp_path)]) == 0
    assert proxy.requests() == []
    report = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    assert report["network"].startswith("https direct; http direct")


def test_a_proxy_that_is_not_there_is_one_line(
    servers: Servers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = compare(servers.http.base_url, tmp_path, "--proxy", "http://127.0.0.1:9")
    assert code == 2
    err = one_line_error(capsys)
    assert "side A" in err and "127.0.0.1:9" in err


def test_a_missing_ca_bundle_is_a_usage_error(
    servers: Servers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = compare(servers.https, tmp_path, "--ca-bundle", str(tmp_path / "nope.pem"))
    assert code == 2
    err = one_line_error(capsys)
    assert f"--ca-bundle {tmp_path / 'nope.pem'}: no such file" in err
