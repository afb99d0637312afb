"""One HTTP/1.1 connection: a socket, each request written whole, replies parsed by llhttp.

The suite is CPU-bound, and the client's share of a request is what this module is for: the
standard library's `http.client` parses headers with the `email` package and writes each
header line and the body separately; this writes a request at once and leaves the parsing to
httptools (llhttp, the parser Node.js and uvicorn use), in C: a third to a half of the CPU
per request (`bench/bench_client.py`). A connection may go through an HTTP proxy (which one is
`network`'s choice): a CONNECT tunnel to an https origin, TLS to the origin inside it (so the
proxy sees neither the token nor the bodies), or the absolute-form request target for an http
origin. Redirects are not followed, nothing is retried here.

Every way a server can break the protocol ends in `BrokenReply` (or `Closed`, when it closed
the connection before a byte of reply, as kept-alive servers do after their idle timeout), and
every way the network can fail in an `OSError` (`TimeoutError` included) from the socket.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator

import httptools

from embedcheck.conformance.http.network import Proxy

Origin = tuple[str, str, int]  # scheme, host, port
DEFAULT_PORTS = {"http": 80, "https": 443}
READ_CHUNK = 64 * 1024
MAX_HEAD = 256 * 1024  # bytes of status line and headers before the reply counts as broken
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # sent with Content-Length: 0 when empty


def header_value(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The first value of header `name` (any case) in `headers`, or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


class BrokenReply(Exception):
    """The server's bytes are not an HTTP/1.1 reply (or stop in the middle of one)."""


class Closed(BrokenReply):
    """The server closed the connection before sending any of its reply."""


class ForeignProtocol(BrokenReply):
    """The server answered in another protocol than HTTP/1.1: `protocol` is "h2" or "tls"."""

    def __init__(self, protocol: str) -> None:
        super().__init__(f"the server answered in {protocol}, not HTTP/1.1")
        self.protocol = protocol


def foreign_protocol(data: bytes) -> str | None:
    """ "h2" or "tls" if the first bytes of a reply are an HTTP/2 frame or a TLS record."""
    if data.startswith(b"PRI * HTTP/2"):
        return "h2"
    # An HTTP/2 server opens with a SETTINGS frame (type 4), or leaves with GOAWAY (type 7),
    # on stream 0: 3 bytes of length, the type, the flags, 4 zero bytes of stream id.
    if len(data) >= 9 and data[3] in (4, 7) and data[5:9] == bytes(4):
        return "h2"
    # A TLS record: alert (21) or handshake (22), then version 3.x.
    if len(data) >= 3 and data[0] in (21, 22) and data[1] == 3:
        return "tls"
    return None


class ProxyFailure(OSError):
    """The proxy could not be reached or would not tunnel; the message says what to do."""


class ProxyRefused(ProxyFailure):
    """The proxy answered CONNECT with something else than 2xx."""

    def __init__(self, proxy: Proxy, target: str, status: int) -> None:
        super().__init__(f"{status} from the proxy for CONNECT {target}")
        self.proxy = proxy
        self.status = status


class Reply:
    """llhttp's callbacks: status line, headers and body chunks of the reply being read."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.head_done = False
        self.done = False
        self.informational = False  # a 1xx reply (100 Continue): skipped, the real one follows
        self.keep_alive = False  # read while llhttp knows it: it forgets once the reply is done

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as exc:
            raise BrokenReply("the server switched protocols") from exc
        except httptools.HttpParserError as exc:
            raise BrokenReply(f"not an HTTP/1.1 reply ({exc})") from exc

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1").lower(), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        if self.parser.get_status_code() < 200:
            self.informational = True
        else:
            self.head_done = True
            self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.informational:  # what follows is the next reply, on the same parser
            self.headers, self.body, self.informational = [], [], False
        else:
            self.done = True


class Response:
    """A reply whose status line and headers have arrived; its body is read with `chunks`."""

    def __init__(self, connection: Connection, reply: Reply, *, bodiless: bool = False) -> None:
        self._connection = connection
        self._reply = reply
        self.status: int = reply.parser.get_status_code()
        self.headers: tuple[tuple[str, str], ...] = tuple(reply.headers)
        chunked = "chunked" in (self.header("transfer-encoding") or "").lower()
        framed = chunked or self.header("content-length") is not None
        # Without a length or chunks, the body runs to the end of the connection (llhttp has
        # already marked a reply that has no body, 204 and 304, done).
        self.until_close = not (framed or bodiless or reply.done)
        # After a HEAD reply the parser would wait for the body its headers announce.
        self.will_close = self.until_close or bodiless or not reply.keep_alive
        if bodiless:
            reply.done = True

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives; BrokenReply if the connection ends before it does."""
        reply = self._reply
        while True:
            if reply.body:
                pending, reply.body = reply.body, []
                yield from pending
            if reply.done:
                return
            data = self._connection.receive()
            if not data:
                if self.until_close:
                    return
                raise BrokenReply("the connection closed in the middle of the body")
            reply.feed(data)


class Connection:
    """A connection to one origin, opened on first use; one request at a time."""

    def __init__(
        self,
        origin: Origin,
        timeout: float,
        tls: ssl.SSLContext | None,
        proxy: Proxy | None = None,
    ) -> None:
        self.origin = origin
        self.timeout = timeout  # seconds for connecting, and for each read or write after
        self._tls = tls
        self.proxy = proxy
        self.sock: socket.socket | None = None
        scheme, host, port = origin
        shown = host if ":" not in host else f"[{host}]"  # an IPv6 literal
        self._host = shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}"
        self._authority = f"{shown}:{port}"  # what CONNECT names
        # Through a proxy, an http request names the whole URL (absolute form).
        self._prefix = f"{scheme}://{self._authority}" if proxy and tls is None else ""

    def connect(self) -> None:
        _, host, port = self.origin
        proxy = self.proxy
        if proxy is None:
            sock = socket.create_connection((host, port), timeout=self.timeout)
        else:
            try:
                sock = socket.create_connection((proxy.host, proxy.port), timeout=self.timeout)
            except OSError as exc:
                raise ProxyFailure(f"cannot reach the proxy {proxy.shown}: {exc}") from exc
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                if proxy is not None:
                    self._tunnel(sock, proxy)
                sock = self._tls.wrap_socket(sock, server_hostname=host)
                if sock.selected_alpn_protocol() not in (None, "http/1.1"):
                    raise ForeignProtocol(str(sock.selected_alpn_protocol()))
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def _tunnel(self, sock: socket.socket, proxy: Proxy) -> None:
        """CONNECT to the origin through the proxy; ProxyRefused unless it answers 2xx."""
        target = self._authority
        lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
        if proxy.authorization:
            lines.append(f"Proxy-Authorization: {proxy.authorization}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        reply = Reply()
        received = 0
        while not reply.head_done:
            data = sock.recv(READ_CHUNK)
            if not data:
                raise ProxyFailure(f"the proxy {proxy.shown} closed the connection on CONNECT")
            received += len(data)
            try:
                reply.feed(data)
            except BrokenReply as exc:
                raise ProxyFailure(f"the proxy {proxy.shown} broke CONNECT: {exc}") from exc
            if received > MAX_HEAD:
                raise ProxyFailure(f"the proxy {proxy.shown} sent too much on CONNECT")
        status = reply.parser.get_status_code()
        if not 200 <= status < 300:
            raise ProxyRefused(proxy, target, status)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def request(
        self, method: str, target: str, headers: dict[str, str], body: bytes | None, deadline: float
    ) -> Response:
        """Send one request and read its reply up to the end of the headers."""
        assert self.sock is not None, "connect first"
        self.sock.sendall(self._head(method, target, headers, body) + (body or b""))
        reply = Reply()
        received = 0
        while True:
            data = self.receive()
            if not data:
                if received == 0:
                    raise Closed("the server closed the connection without replying")
                raise BrokenReply("the connection closed in the middle of the headers")
            try:
                reply.feed(data)
            except BrokenReply:
                protocol = foreign_protocol(data) if received == 0 else None
                if protocol is not None:
                    raise ForeignProtocol(protocol) from None
                raise
            received += len(data)
            if reply.head_done:
                return Response(self, reply, bodiless=method == "HEAD")
            if received > MAX_HEAD:
                raise BrokenReply(f"more than {MAX_HEAD} bytes of headers")
            if time.monotonic() > deadline:
                raise TimeoutError("the headers were still arriving at the deadline")

    def receive(self) -> bytes:
        assert self.sock is not None, "connect first"
        return self.sock.recv(READ_CHUNK)

    def _head(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> bytes:
        # Host and Content-Length spelt as most clients do: some proxies add their own
        # "Content-Length" next to a lower-case one (proxy.py does), and the server then
        # refuses the request as having two.
        lines = [f"{method} {self._prefix}{target} HTTP/1.1", f"Host: {self._host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if self._prefix and self.proxy is not None and self.proxy.authorization:
            lines.append(f"Proxy-Authorization: {self.proxy.authorization}")
        if body is not None or method in BODY_METHODS:
            lines.append(f"Content-Length: {len(body or b'')}")
        if any("\r" in line or "\n" in line or "\0" in line for line in lines):
            raise ValueError("a header name or value holds a line break")  # header injection
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
