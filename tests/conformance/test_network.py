"""Which proxy and which CAs a run uses, read from the options and the environment like curl
and httpx read them; NO_PROXY matching; the bytes that give away HTTP/2 and TLS."""

from __future__ import annotations

import base64
import urllib.request
from pathlib import Path

import pytest
import trustme
from hypothesis import given
from hypothesis import strategies as st

from embedcheck.conformance.http.http11 import foreign_protocol
from embedcheck.conformance.http.network import (
    CA_FILE_VARIABLES,
    NetworkConfigError,
    NetworkOptions,
    NoProxy,
    parse_proxy,
)

SCHEMES = ("http", "https", "all", "no", "ftp")
PROXY_VARIABLES = [f"{s}_proxy" for s in SCHEMES] + [f"{s.upper()}_PROXY" for s in SCHEMES]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [*PROXY_VARIABLES, *CA_FILE_VARIABLES, "SSL_CERT_DIR", "REQUEST_METHOD"]:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypassed"),
    [
        ("example.com", "example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        (".example.com", "example.com", 443, True),  # a leading dot changes nothing (curl)
        ("example.com", "notexample.com", 443, False),
        ("example.com", "example.com.evil", 443, False),
        ("EXAMPLE.com", "Api.Example.COM.", 443, True),  # any case, a trailing dot
        ("a.test, b.test", "b.test", 80, True),
        ("a.test b.test", "b.test", 80, True),  # spaces separate too
        ("*", "anything.at.all", 443, True),
        ("localhost", "127.0.0.1", 80, False),  # no name resolution, no implicit loopback
        ("127.0.0.1", "127.0.0.1", 80, True),
        ("127.0.0.1", "127.0.0.10", 80, False),
        ("10.0.0.0/8", "10.20.30.40", 443, True),
        ("10.0.0.0/8", "11.0.0.1", 443, False),
        ("10.0.0.0/8", "10.example.com", 443, False),
        ("::1", "::1", 443, True),
        ("::1", "[::1]", 443, True),
        ("fd00::/8", "fd12::5", 443, True),
        ("internal.test:8443", "internal.test", 8443, True),
        ("internal.test:8443", "internal.test", 443, False),
        ("[::1]:8080", "::1", 8080, True),
        ("", "example.com", 443, False),
    ],
)
def test_no_proxy_follows_curl(no_proxy: str, host: str, port: int, bypassed: bool) -> None:
    assert NoProxy(no_proxy).matches(host, port) is bypassed


label = st.text("abcxyz0123-", min_size=1, max_size=4)
name = st.lists(label, min_size=1, max_size=4).map(".".join)


@given(host=name, entries=st.lists(st.tuples(st.booleans(), name), max_size=4))
def test_names_match_as_the_standard_library_matches_them(
    host: str, entries: list[tuple[bool, str]]
) -> None:
    listed = ",".join(("." if dot else "") + entry for dot, entry in entries)
    # Not in typeshed, public since Python 2: the matcher urllib and requests use on Linux.
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    expected = bool(bypass(host, {"no": listed}))
    assert NoProxy(listed).matches(host, 443) is expected


def test_the_environment_picks_the_proxy_per_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://secure-proxy:3128")
    monkeypatch.setenv("http_proxy", "plain-proxy:8080")  # no scheme: http://, as curl does
    monkeypatch.setenv("NO_PROXY", "internal.test")
    network = NetworkOptions().resolve()
    https = network.proxy_for("https", "api.example.com", 443)
    http = network.proxy_for("http", "api.example.com", 80)
    assert https is not None and (https.host, https.port, https.source) == (
        "secure-proxy",
        3128,
        "HTTPS_PROXY",
    )
    assert http is not None and (http.host, http.port, http.source) == (
        "plain-proxy",
        8080,
        "http_proxy",
    )
    assert network.proxy_for("https", "api.internal.test", 443) is None


def test_lower_case_wins_and_all_proxy_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://lower:1")
    monkeypatch.setenv("HTTPS_PROXY", "http://upper:2")
    monkeypatch.setenv("ALL_PROXY", "http://every:3")
    network = NetworkOptions().resolve()
    https = network.proxy_for("https", "x.test", 443)
    http = network.proxy_for("http", "x.test", 80)
    assert https is not None and https.host == "lower"
    assert http is not None and (http.host, http.source) == ("every", "ALL_PROXY")


def test_http_proxy_is_ignored_under_cgi(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpoxy: a CGI request's `Proxy:` header arrives as HTTP_PROXY; never trust it."""
    monkeypatch.setenv("REQUEST_METHOD", "POST")
    monkeypatch.setenv("HTTP_PROXY", "http://attacker:1")
    assert NetworkOptions().resolve().proxy_for("http", "x.test", 80) is None


def test_options_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy:1")
    monkeypatch.setenv("NO_PROXY", "x.test")
    given_proxy = NetworkOptions(proxy="http://flag-proxy:2").resolve()
    proxy = given_proxy.proxy_for("http", "y.test", 80)
    assert proxy is not None and (proxy.host, proxy.source) == ("flag-proxy", "--proxy")
    assert given_proxy.proxy_for("https", "x.test", 443) is None  # NO_PROXY still applies
    assert NetworkOptions(proxy="").resolve().proxy_for("https", "y.test", 443) is None
    everything = NetworkOptions(no_proxy="").resolve()  # an empty --no-proxy: proxy all
    assert everything.proxy_for("https", "x.test", 443) is not None


def test_proxy_credentials_become_basic_auth_and_are_never_shown() -> None:
    proxy = parse_proxy("http://us%40er:p%3Ass@proxy.test:3128", "--proxy")
    assert proxy.authorization == "Basic " + base64.b64encode(b"us@er:p:ss").decode()
    assert proxy.shown == "http://***@proxy.test:3128 (from --proxy)"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("socks5://user:hunter2@proxy.test:1080", "socks5:// proxies are not supported"),
        ("https://proxy.test:443", "https:// proxies are not supported"),
        ("http://proxy.test:99999", "bad port"),
    ],
)
def test_unusable_proxies_are_named(url: str, words: str) -> None:
    with pytest.raises(NetworkConfigError) as raised:
        parse_proxy(url, "ALL_PROXY")
    assert words in str(raised.value) and str(raised.value).startswith("ALL_PROXY: ")
    assert "hunter2" not in str(raised.value)


def test_ca_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine, env_file, requests_file = (tmp_path / n for n in ("mine.pem", "env.pem", "req.pem"))
    for path in (mine, env_file, requests_file):
        trustme.CA().cert_pem.write_to_path(str(path))
    assert NetworkOptions().resolve().ca.shown == "the system store and certifi"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(requests_file))
    assert NetworkOptions().resolve().ca.cafile == str(requests_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(env_file))
    assert NetworkOptions().resolve().ca.cafile == str(env_file)
    chosen = NetworkOptions(ca_bundle=mine).resolve().ca
    assert (chosen.cafile, chosen.shown) == (str(mine), f"--ca-bundle {mine}")
    assert NetworkOptions(ca_bundle=mine, trust_env=False).resolve().ca.cafile == str(mine)


def test_a_missing_ca_file_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NetworkConfigError, match=r"--ca-bundle .*no such file"):
        NetworkOptions(ca_bundle=tmp_path / "nope.pem").resolve()
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "gone.pem"))
    with pytest.raises(NetworkConfigError, match=r"SSL_CERT_FILE=.*gone\.pem: no such file"):
        NetworkOptions().resolve()
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    with pytest.raises(NetworkConfigError, match="not a PEM CA bundle"):
        NetworkOptions(ca_bundle=not_pem).resolve().tls_context()


@pytest.mark.parametrize(
    ("data", "protocol"),
    [
        (b"\x00\x00\x12\x04\x00\x00\x00\x00\x00" + bytes(18), "h2"),  # SETTINGS
        (b"\x00\x00\x08\x07\x00\x00\x00\x00\x00" + bytes(8), "h2"),  # GOAWAY
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "h2"),
        (b"\x15\x03\x03\x00\x02\x02\x46", "tls"),  # an alert record
        (b"\x16\x03\x01\x00\x31\x02", "tls"),  # a handshake record
        (b"HTTP/1.1 200 OK\r\n", None),
        (b"garbage", None),
    ],
)
def test_foreign_protocols_are_told_by_their_first_bytes(data: bytes, protocol: str | None) -> None:
    assert foreign_protocol(data) == protocol
