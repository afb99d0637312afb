"""One line for each way of failing to set up a usable connection: what went wrong, and the fix.

The wording names the option or variable to change, because these are nearly always a
mistake in how the suite was pointed at the target (scheme, CA, proxy), not a finding.
"""

from __future__ import annotations

import socket
import ssl
from http import HTTPStatus

from embedcheck.conformance.http.http11 import ForeignProtocol, Origin, ProxyFailure, ProxyRefused
from embedcheck.conformance.http.network import Proxy

# OpenSSL's reasons when the bytes after our ClientHello are not TLS (a plain-HTTP server
# answering "HTTP/1.1 400 ..." to it): names across OpenSSL 1.1 to 3.x.
NOT_TLS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "UNKNOWN_PROTOCOL", "PACKET_LENGTH_TOO_LONG"}
)
NO_ALPN = frozenset({"NO_APPLICATION_PROTOCOL", "TLSV1_ALERT_NO_APPLICATION_PROTOCOL"})
HOSTNAME_MISMATCH = 62  # X509_V_ERR_HOSTNAME_MISMATCH
IP_MISMATCH = 64  # X509_V_ERR_IP_ADDRESS_MISMATCH
EXPIRED = 10  # X509_V_ERR_CERT_HAS_EXPIRED
HTTP1_ONLY = "embedcheck speaks HTTP/1.1: point it at an HTTP/1.1 endpoint of the server"


def where(origin: Origin) -> str:
    _, host, port = origin
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def http2_only(origin: Origin, how: str) -> str:
    return f"{where(origin)} is an HTTP/2-only server ({how}); {HTTP1_ONLY}"


def connect_failure(exc: OSError, origin: Origin, cas: str) -> str:
    """The message for an exception from `Connection.connect`; `cas` says which CAs were
    trusted."""
    if isinstance(exc, ProxyRefused):
        return proxy_refused(exc.proxy, exc.status, where(origin))
    if isinstance(exc, ProxyFailure):
        return f"{exc}; check the proxy URL, or reach {origin[1]} directly with --no-proxy/NO_PROXY"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return certificate_failure(exc, origin, cas)
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or ""
        if reason in NOT_TLS:
            return (
                f"{where(origin)} answers in plain HTTP, not TLS: use http:// in the URL "
                "instead of https://"
            )
        if reason in NO_ALPN:
            return http2_only(origin, "it refused HTTP/1.1 in the TLS handshake (ALPN)")
        if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
            return (
                f"{where(origin)} closed the connection during the TLS handshake: if it serves "
                "plain HTTP, use http:// in the URL"
            )
        return f"TLS handshake with {where(origin)} failed: {exc}"
    if isinstance(exc, socket.gaierror):
        return f"cannot connect: unknown host {origin[1]!r} ({exc.strerror})"
    return f"cannot connect: {exc}"


def certificate_failure(exc: ssl.SSLCertVerificationError, origin: Origin, cas: str) -> str:
    code, detail = exc.verify_code, exc.verify_message
    if code in (HOSTNAME_MISMATCH, IP_MISMATCH):
        return (
            f"TLS: the certificate of {where(origin)} is not valid for {origin[1]!r} "
            f"(hostname mismatch): use a host name the certificate names in the URL"
        )
    if code == EXPIRED:
        return f"TLS: the certificate of {where(origin)} has expired ({detail}); renew it"
    return (
        f"TLS: the certificate of {where(origin)} is not trusted ({detail}; trusted CAs: "
        f"{cas}): pass the CA that signed it with --ca-bundle FILE or SSL_CERT_FILE"
    )


def proxy_refused(proxy: Proxy, status: int, target: str) -> str:
    phrase = _phrase(status)
    if status == 407:
        if proxy.authorization:
            return (
                f"the proxy {proxy.shown} rejected the credentials in its URL ({phrase}): "
                "check the user and password in http://USER:PASSWORD@HOST:PORT"
            )
        return (
            f"the proxy {proxy.shown} needs credentials ({phrase}): put them in the proxy URL, "
            "http://USER:PASSWORD@HOST:PORT"
        )
    return (
        f"the proxy {proxy.shown} refused to connect to {target} ({phrase}): check that it "
        "allows this host and port, or bypass it with --no-proxy/NO_PROXY"
    )


def foreign_reply(exc: ForeignProtocol, origin: Origin) -> str:
    if exc.protocol == "tls":
        return f"{where(origin)} answers in TLS: use https:// in the URL instead of http://"
    if exc.protocol == "h2":
        return http2_only(origin, "it answered HTTP/1.1 with an HTTP/2 frame")
    return http2_only(origin, f"it chose {exc.protocol!r} in the TLS handshake (ALPN)")


def _phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)
