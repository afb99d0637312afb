"""The HTTP client against servers that misbehave: every failure is data, nothing raises."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import trustme

from embedcheck.conformance.http.connections import ConnectionPool
from embedcheck.conformance.http.transport import (
    Exchange,
    HttpClient,
    Request,
    parse_json,
    retry_wait,
)
from tests.conformance.hostile import HUGE_BYTES, Record, hostile_server, read_request

TOKEN = "tok-transport-secret"


def post(url: str) -> Request:
    return Request("POST", url, (("authorization", f"Bearer {TOKEN}"),), {"text": "a"})


def test_a_hanging_server_times_out() -> None:
    with hostile_server("hang") as server, HttpClient(timeout=0.5) as client:
        start = time.monotonic()
        exchange = client.send(post(server.url))
    assert exchange.error_kind == "timeout"
    assert exchange.status is None
    assert time.monotonic() - start < 3


def test_a_server_trickling_bytes_hits_the_total_deadline() -> None:
    with hostile_server("slow") as server, HttpClient(timeout=0.5) as client:
        exchange = client.send(post(server.url))
    assert exchange.error_kind == "timeout"
    assert exchange.status == 200  # the headers came; the body never finished
    assert "still arriving" in exchange.error


def test_a_reset_connection_is_reported() -> None:
    with hostile_server("reset") as server, HttpClient(timeout=2) as client:
        exchange = client.send(post(server.url))
    assert exchange.error_kind in ("reset", "disconnected")
    assert not exchange.answered


def test_garbage_instead_of_http_is_reported() -> None:
    with hostile_server("garbage") as server, HttpClient(timeout=2) as client:
        exchange = client.send(post(server.url))
    assert exchange.error_kind == "disconnected"


def capped_send(mode: str, cap: int) -> tuple[Exchange, int, Record]:
    """One request to a hostile server with a body cap: the exchange, the peak of memory
    allocated meanwhile, and what the server recorded."""
    with hostile_server(mode) as server, HttpClient(timeout=10, max_body=cap) as client:
        tracemalloc.start()
        try:
            exchange = client.send(post(server.url))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return exchange, peak, server.record


def test_a_50_mb_body_is_cut_at_the_cap_with_bounded_memory() -> None:
    cap = 1024 * 1024
    exchange, peak, record = capped_send("huge", cap)
    assert exchange.error_kind == "too-large"
    assert exchange.status == 200
    assert peak < 4 * cap  # not the 50 MB the server meant to send
    assert record.body_bytes_sent < HUGE_BYTES


def test_malformed_json_is_data_not_an_exception() -> None:
    with hostile_server("malformed") as server, HttpClient(timeout=2) as client:
        exchange = client.send(post(server.url))
    assert exchange.status == 200
    assert not exchange.json.ok
    assert "not JSON" in exchange.json.problem


def test_a_redirect_to_another_host_is_not_followed_and_the_token_stays() -> None:
    with hostile_server("hang") as elsewhere:
        other = elsewhere.url.replace("127.0.0.1", "localhost") + "/steal"
        with hostile_server("redirect", redirect_to=other) as server, HttpClient() as client:
            exchange = client.send(post(server.url))
        assert exchange.status == 307
        assert exchange.header("location") == other
        assert elsewhere.record.requests == []
    assert TOKEN.encode() in server.record.requests[0]  # it went where it was meant to go


def test_a_gzip_body_is_inflated() -> None:
    with hostile_server("gzip") as server, HttpClient(timeout=2) as client:
        exchange = client.send(post(server.url))
    assert exchange.status == 200
    assert exchange.json.value == {"shape": [1, 2], "data": [[0.5, 0.25]]}


def test_a_gzip_bomb_is_cut_at_the_cap_once_inflated() -> None:
    cap = 1024 * 1024
    exchange, peak, _ = capped_send("gzip-bomb", cap)
    assert exchange.error_kind == "too-large"
    assert peak < 4 * cap


def test_a_connection_is_kept_alive_across_requests() -> None:
    with hostile_server("keep-alive") as server, HttpClient(timeout=2) as client:
        statuses = [client.send(post(server.url)).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert server.record.connections == 1


def test_a_kept_alive_connection_the_server_dropped_is_replaced() -> None:
    with hostile_server("close-when-idle") as server, HttpClient(timeout=2) as client:
        first = client.send(post(server.url))
        time.sleep(0.3)  # the server has closed the connection the client keeps
        second = client.send(post(server.url))
    assert (first.status, second.status) == (200, 200)
    assert not second.error
    assert len(server.record.requests) == 2


def test_a_url_with_spaces_and_non_ascii_is_encoded_not_refused() -> None:
    with hostile_server("busy") as server, HttpClient(retries=0) as client:
        exchange = client.send(post(server.url + "/run/café au lait?q=é"))
    assert exchange.status == 429
    assert server.record.requests[0].startswith(b"POST /run/caf%C3%A9%20au%20lait?q=%C3%A9 ")


def test_a_url_the_client_cannot_use_is_a_connect_failure() -> None:
    with HttpClient() as client:
        exchange = client.send(post("ftp://example.invalid/x"))
    assert exchange.error_kind == "connect"
    assert "scheme" in exchange.error


def test_429_is_retried_then_inconclusive() -> None:
    with hostile_server("busy") as server, HttpClient(retries=2) as client:
        exchange = client.send(post(server.url))
    assert exchange.status == 429
    assert exchange.inconclusive
    assert exchange.attempts == 3
    assert len(server.record.requests) == 3


def test_an_unreachable_port_is_a_connect_failure() -> None:
    with hostile_server("hang") as server:
        url = server.url
    with HttpClient(timeout=2) as client:
        exchange = client.send(post(url))
    assert exchange.error_kind == "connect"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("1000", 10.0), ("-5", 0.0), ("nonsense", 0.5), ("inf", 10.0)],
)
def test_retry_after_is_honoured_within_the_cap(header: str, expected: float) -> None:
    exchange = Exchange(post("http://x"), status=429, headers=(("retry-after", header),))
    assert retry_wait(exchange, 0, cap=10.0) == expected


def test_nan_is_parsed_but_flagged_as_not_json() -> None:
    parsed = parse_json(b'{"data": [[NaN, 1.0, -Infinity]]}')
    assert parsed.ok
    assert parsed.nonstandard == ("-Infinity", "NaN")
    assert parse_json(b'{"data": [[0.5]]}').nonstandard == ()
    assert not parse_json(b"\xff\xfe").ok


@pytest.mark.parametrize("mode", ["continue", "until-close", "chunked"])
def test_replies_framed_every_legal_way_are_read_whole(mode: str) -> None:
    with hostile_server(mode) as server, HttpClient(timeout=2) as client:
        exchange = client.send(post(server.url))
    assert (exchange.status, exchange.error) == (200, "")
    assert exchange.json.value == {"ok": True}


def test_a_body_cut_short_by_the_server_is_reported() -> None:
    with hostile_server("truncated") as server, HttpClient(timeout=2) as client:
        exchange = client.send(post(server.url))
    assert exchange.error_kind == "disconnected"
    assert "middle of the body" in exchange.error
    assert exchange.status == 200


def test_a_header_with_a_line_break_is_never_sent() -> None:
    # A token pasted with its newline must not become a second header (or a second request).
    with hostile_server("echo") as server, HttpClient(timeout=2) as client:
        request = Request("POST", server.url, (("authorization", "Bearer a\r\nx-evil: 1"),), {})
        exchange = client.send(request)
    assert exchange.error_kind == "connect"
    assert "line break" in exchange.error
    assert b"".join(server.record.requests) == b""  # connected, then not a byte sent


@contextmanager
def https_server(ca: trustme.CA) -> Iterator[tuple[str, list[str]]]:
    """An HTTPS server for `localhost` with a certificate from `ca`, keeping connections alive;
    yields its URL and the server names (SNI) its clients asked for."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    names: list[str] = []

    def remember(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        names.append(name or "")

    context.sni_callback = remember
    listener = socket.create_server(("127.0.0.1", 0))
    body = b'{"ok": true}'
    reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    reply += f"Content-Length: {len(body)}\r\n\r\n".encode() + body

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            with (
                contextlib.suppress(OSError, ssl.SSLError),
                context.wrap_socket(conn, server_side=True) as tls,
            ):
                while read_request(tls):
                    tls.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{listener.getsockname()[1]}/", names
    finally:
        listener.close()


def test_https_is_verified_against_the_trusted_cas_with_sni(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ca = trustme.CA()
    with https_server(ca) as (url, names):
        with HttpClient(timeout=5) as client:  # certifi's CAs: this one is not among them
            refused = client.send(post(url))
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        monkeypatch.setattr(ConnectionPool, "_context", lambda self: trusting)
        with HttpClient(timeout=5) as client:
            replies = [client.send(post(url)) for _ in range(2)]
    assert refused.error_kind == "connect"
    assert "is not trusted (unable to get local issuer certificate" in refused.error
    assert "--ca-bundle" in refused.error
    assert [(r.status, r.json.value) for r in replies] == [(200, {"ok": True})] * 2
    assert names[-1] == "localhost"
    assert len(names) == 2  # the refused handshake, then one kept-alive connection for both
