"""A tiny raw-socket HTTP server that misbehaves on purpose, for the hostile-server tests.

Each mode answers every request the same bad way. The server records what it received (so a
test can tell whether a redirect was followed or a token forwarded) and how many body bytes it
managed to push (so a test can tell the client stopped reading early).
"""

from __future__ import annotations

import gzip
import socket
import socketserver
import struct
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

HUGE_BYTES = 50 * 1024 * 1024


def _gzip_bomb() -> bytes:
    """HUGE_BYTES of zeros gzipped (~50 KB), compressed a megabyte at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * (1024 * 1024)
    parts = [compressor.compress(block) for _ in range(HUGE_BYTES // len(block))]
    return b"".join([*parts, compressor.flush()])


GZIP_BOMB = _gzip_bomb()  # made at import, so no test sees its making in its memory peak


@dataclass
class Record:
    requests: list[bytes] = field(default_factory=list)
    body_bytes_sent: int = 0  # the most one connection took before the client hung up
    connections: int = 0  # counted by the modes that keep connections alive
    lock: threading.Lock = field(default_factory=threading.Lock)


def read_request(conn: socket.socket) -> bytes:
    """Headers plus a Content-Length body, enough for our clients."""
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _response(status: str, body: bytes, content_type: str, extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n{extra}\r\n"
    )
    return head.encode() + body


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        request = read_request(conn)
        with self.server.record.lock:
            self.server.record.requests.append(request)
        getattr(self, f"mode_{self.server.mode.replace('-', '_')}")(conn)

    def mode_hang(self, conn: socket.socket) -> None:
        self.server.stop.wait(30)

    def mode_reset(self, conn: socket.socket) -> None:
        # SO_LINGER with a zero timeout turns close() into a TCP RST.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def mode_huge(self, conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {HUGE_BYTES}\r\nConnection: close\r\n\r\n".encode()
        )
        chunk = b"[" + b"0.125," * 10922 + b"0]"  # 64 KiB of plausible JSON
        sent = 0
        try:
            while sent < HUGE_BYTES:
                conn.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client hung up: what we want
        with self.server.record.lock:
            self.server.record.body_bytes_sent = max(self.server.record.body_bytes_sent, sent)

    def mode_malformed(self, conn: socket.socket) -> None:
        conn.sendall(
            _response("200 OK", b'{"shape": [1, 384], "data": [[0.1, 0.2', "application/json")
        )

    def mode_garbage(self, conn: socket.socket) -> None:
        conn.sendall(b"this is not HTTP at all\r\n\r\n")

    def mode_redirect(self, conn: socket.socket) -> None:
        location = f"Location: {self.server.redirect_to}\r\n"
        conn.sendall(_response("307 Temporary Redirect", b"", "text/plain", location))

    def mode_slow(self, conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        try:
            while not self.server.stop.is_set():
                conn.sendall(b" ")  # a byte at a time: no read timeout ever fires
                time.sleep(0.1)
        except OSError:
            pass

    def mode_echo(self, conn: socket.socket) -> None:
        # A server that quotes the request back, credentials included, in an error body.
        echoed = self.server.record.requests[-1].decode("utf-8", "replace").encode()
        conn.sendall(_response("400 Bad Request", echoed, "text/plain"))

    def mode_escapes(self, conn: socket.socket) -> None:
        # HTTP 500 to everything, its text full of what must not reach a terminal or an XML
        # file raw: a screen clear, colours, a NUL, a bidi override, a lone surrogate (as JSON),
        # U+FFFF (a noncharacter XML 1.0 does not allow).
        body = (
            b'{"error": "boom\x1b[2J\x1b[31mred\x00 \xe2\x80\xaereversed \\ud800 \xef\xbf\xbfend"}'
        )
        conn.sendall(_response("500 Internal Server Error", body, "application/json"))

    def mode_gzip(self, conn: socket.socket) -> None:
        body = gzip.compress(b'{"shape": [1, 2], "data": [[0.5, 0.25]]}')
        conn.sendall(_response("200 OK", body, "application/json", "Content-Encoding: gzip\r\n"))

    def mode_gzip_bomb(self, conn: socket.socket) -> None:
        conn.sendall(
            _response("200 OK", GZIP_BOMB, "application/json", "Content-Encoding: gzip\r\n")
        )

    def mode_close_when_idle(self, conn: socket.socket) -> None:
        # Keep-alive promised (no `Connection: close`), then the idle connection is dropped, as
        # servers do after their keep-alive timeout: the next request on it finds it dead.
        body = b'{"ok": true}'
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        conn.sendall(head.encode() + b"\r\n\r\n" + body)
        time.sleep(0.1)
        conn.close()

    def mode_keep_alive(self, conn: socket.socket) -> None:
        # A well-behaved kept-alive connection: every request on it answered, until the client
        # closes it. Connections are counted, so a test can tell one was reused.
        with self.server.record.lock:
            self.server.record.connections += 1
        body = b'{"ok": true}'
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        while True:
            conn.sendall(head.encode() + b"\r\n\r\n" + body)
            request = read_request(conn)
            if not request:
                return
            with self.server.record.lock:
                self.server.record.requests.append(request)

    def mode_continue(self, conn: socket.socket) -> None:
        # An informational reply first (as to `Expect: 100-continue`), then the real one.
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        conn.sendall(_response("200 OK", b'{"ok": true}', "application/json"))

    def mode_until_close(self, conn: socket.socket) -> None:
        # Neither Content-Length nor chunks: the body ends where the connection does.
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"ok":')
        time.sleep(0.05)
        conn.sendall(b" true}")
        conn.close()

    def mode_chunked(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        for part in (b'{"ok"', b": true}"):
            conn.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            time.sleep(0.02)
        conn.sendall(b"0\r\n\r\n")

    def mode_truncated(self, conn: socket.socket) -> None:
        # Content-Length promises more than comes before the connection closes.
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n"
        conn.sendall(head + b'\r\n{"ok": tr')
        conn.close()

    def mode_busy(self, conn: socket.socket) -> None:
        conn.sendall(
            _response(
                "429 Too Many Requests",
                b'{"error": "slow down"}',
                "application/json",
                "Retry-After: 0\r\n",
            )
        )

    def mode_busy_for_an_hour(self, conn: socket.socket) -> None:
        conn.sendall(
            _response(
                "429 Too Many Requests",
                b'{"error": "daily allocation used"}',
                "application/json",
                "Retry-After: 3600\r\n",
            )
        )

    def mode_unauthorized(self, conn: socket.socket) -> None:
        # What Cloudflare answers a wrong token, for every route.
        body = b'{"result": null, "success": false, "errors": [{"code": 10000, '
        body += b'"message": "Authentication error"}], "messages": []}'
        conn.sendall(_response("401 Unauthorized", body, "application/json"))

    def mode_no_route(self, conn: socket.socket) -> None:
        # A web server whose routes are elsewhere (a base URL without /client/v4 or /v1).
        conn.sendall(_response("404 Not Found", b"<h1>Not Found</h1>", "text/html"))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mode: str, redirect_to: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.redirect_to = redirect_to
        self.record = Record()
        self.stop = threading.Event()


@dataclass(frozen=True)
class Hostile:
    url: str
    record: Record


@contextmanager
def hostile_server(mode: str, redirect_to: str = "") -> Iterator[Hostile]:
    server = _Server(mode, redirect_to)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Hostile(f"http://127.0.0.1:{server.server_address[1]}", server.record)
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


def main() -> None:
    """`python -m tests.conformance.hostile MODE`: one mode served until Ctrl-C, to try by hand
    what the tests do (the README's always-429 run)."""
    modes = sorted(name.removeprefix("mode_") for name in dir(_Handler) if name.startswith("mode_"))
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        raise SystemExit(f"usage: python -m tests.conformance.hostile {{{','.join(modes)}}}")
    with hostile_server(sys.argv[1]) as server:
        print(f"{sys.argv[1]} on {server.url}; Ctrl-C to stop", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
