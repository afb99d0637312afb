"""How the suite reaches a target: which proxy (if any) and which CAs it trusts.

`NetworkOptions` is what a command was given (`--proxy`, `--no-proxy`, `--ca-bundle`), read
together with the environment the way curl and httpx read it:

- Proxy: `--proxy URL` for every target; else `https_proxy`/`HTTPS_PROXY` for https targets,
  `http_proxy`/`HTTP_PROXY` for http ones, `all_proxy`/`ALL_PROXY` for either (lower case
  first; the standard library's `getproxies_environment` does the reading, including its
  refusal of `HTTP_PROXY` under CGI). `--no-proxy LIST`, else `no_proxy`/`NO_PROXY`: hosts
  reached directly (`NoProxy`). There is no implicit exception for localhost, as in curl and
  httpx: list it in NO_PROXY to reach it directly.
- CAs: `--ca-bundle` > `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` (a file) and
  `SSL_CERT_DIR` (a directory) > the system store plus certifi. A bundle named by the user
  replaces the defaults (as curl's `--cacert`, requests' `verify=PATH` and httpx's
  `SSL_CERT_FILE` do): what is trusted is then exactly what the user chose.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import ssl
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote, urlsplit

import certifi

from embedcheck.conformance.errors import ConfigError

CA_FILE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
CA_DIR_VARIABLE = "SSL_CERT_DIR"
ALPN = ["http/1.1"]  # what the suite speaks; an HTTP/2-only server can then say so


class NetworkConfigError(ConfigError, ValueError):
    """A proxy URL or CA bundle that cannot be used: one line for the user, exit status 2."""


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy: where it listens, the Proxy-Authorization it needs, where it came from."""

    host: str
    port: int
    authorization: str | None  # "Basic ...", from credentials in the proxy URL
    source: str  # "--proxy" or the environment variable it was read from

    @property
    def shown(self) -> str:
        """The proxy for messages, its credentials left out."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = "***@" if self.authorization else ""
        return f"http://{user}{host}:{self.port} (from {self.source})"


def parse_proxy(url: str, source: str) -> Proxy:
    """An http:// proxy URL (a bare host:port means http://, as in curl and httpx)."""
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme != "http":
        raise NetworkConfigError(
            f"{source}: {scheme}:// proxies are not supported ({_masked(url)}); "
            "use an http:// proxy (https targets go through it in a CONNECT tunnel)"
        )
    try:
        port = parts.port or 80
    except ValueError:
        raise NetworkConfigError(f"{source}: bad port in proxy URL {_masked(url)}") from None
    if not parts.hostname:
        raise NetworkConfigError(f"{source}: no host in proxy URL {_masked(url)}")
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return Proxy(parts.hostname, port, authorization, source)


def _masked(url: str) -> str:
    """A proxy URL for an error message: the password replaced."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    userinfo, at, host = rest.rpartition("@")
    if not at:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"


@dataclass(frozen=True)
class NoProxy:
    """Hosts reached without the proxy, curl's rules: `*` alone is every host; a name matches
    itself and its subdomains (a leading dot changes nothing); an IP or CIDR range matches IP
    literals in it (names are not resolved); `host:port` matches that port only (as urllib
    and httpx allow). Entries are separated by commas and/or spaces."""

    text: str

    @cached_property
    def _entries(
        self,
    ) -> tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network | None, int | None], ...]:
        entries = []
        for raw in self.text.replace(",", " ").split():
            name, port = _split_port(raw.lower())
            try:
                network = ipaddress.ip_network(name.strip("[]"), strict=False)
            except ValueError:
                network = None
            entries.append((name.strip("."), network, port))
        return tuple(entries)

    def matches(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".").strip("[]")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        for name, network, wanted in self._entries:
            if name == "*":
                return True
            if wanted is not None and wanted != port:
                continue
            if network is not None:
                if address is not None and address in network:
                    return True
            elif address is None and name and (host == name or host.endswith("." + name)):
                return True
        return False


def _split_port(entry: str) -> tuple[str, int | None]:
    """`host:port`, `[v6]:port` → (host, port); a bare IPv6 address or CIDR has no port."""
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
    return entry, None


@dataclass(frozen=True)
class NetworkOption:
    """One of the network options, as every command line that sends requests spells it
    (`embedcheck run --proxy`, the pytest plugin's `--embedcheck-proxy`)."""

    name: str  # the option without dashes, and the NetworkOptions field with `_` for `-`
    metavar: str
    help: str

    @property
    def field(self) -> str:
        return self.name.replace("-", "_")


OPTIONS = (
    NetworkOption(
        "proxy",
        "URL",
        "http://[USER:PASSWORD@]HOST:PORT for every target ('' for none); "
        "https targets go through a CONNECT tunnel",
    ),
    NetworkOption(
        "no-proxy",
        "LIST",
        "hosts reached directly, replacing NO_PROXY: names (and their subdomains), "
        "IPs, CIDR ranges, host:port, or '*'",
    ),
    NetworkOption(
        "ca-bundle",
        "FILE",
        "PEM file (or directory) of the CAs to trust, instead of SSL_CERT_FILE, "
        "REQUESTS_CA_BUNDLE, SSL_CERT_DIR or the system store and certifi",
    ),
)
OPTIONS_TITLE = (
    "network (default: HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY and SSL_CERT_FILE, "
    "as curl reads them)"
)


def network_options(given: Mapping[str, str | None]) -> NetworkOptions:
    """NetworkOptions from each option's text by name (`proxy`, `no-proxy`, `ca-bundle`;
    None or absent: not given), checked (`NetworkOptions.checked`)."""
    bundle = given.get("ca-bundle")
    return NetworkOptions(
        proxy=given.get("proxy"),
        no_proxy=given.get("no-proxy"),
        ca_bundle=Path(bundle) if bundle is not None else None,
    ).checked()


@dataclass(frozen=True)
class NetworkOptions:
    """What the user asked for; `resolve` reads the environment once and checks it all."""

    proxy: str | None = None  # --proxy URL: every target through it
    no_proxy: str | None = None  # --no-proxy LIST: replaces NO_PROXY ("" proxies every host)
    ca_bundle: Path | None = None  # --ca-bundle FILE or DIR: replaces every other CA source
    trust_env: bool = True  # False: no proxy or CA from the environment (the bundled mock)

    def checked(self) -> NetworkOptions:
        """These options, once the environment has been read with them and the CAs loaded:
        a bad proxy URL or CA file is a NetworkConfigError before anything runs."""
        self.resolve().tls_context()
        return self

    def resolve(self) -> Network:
        """The routes and trust in force; NetworkConfigError for what cannot be used."""
        env: Mapping[str, str] = os.environ if self.trust_env else {}
        proxies = _proxy_variables() if self.trust_env else {}
        routes: dict[str, Proxy | None] = {}
        for scheme in ("http", "https"):
            if self.proxy is not None:
                routes[scheme] = parse_proxy(self.proxy, "--proxy") if self.proxy else None
                continue
            name, value = proxies.get(scheme) or proxies.get("all") or ("", "")
            routes[scheme] = parse_proxy(value, name) if value else None
        if self.no_proxy is not None:
            bypass = NoProxy(self.no_proxy)
        else:
            bypass = NoProxy(proxies.get("no", ("", ""))[1])
        return Network(routes, bypass, _ca_source(self.ca_bundle, env))


def _proxy_variables() -> dict[str, tuple[str, str]]:
    """scheme → (variable name, value) of the *_proxy variables, as the standard library
    picks them (lower case first; HTTP_PROXY ignored when REQUEST_METHOD says CGI)."""
    named = {}
    for scheme, value in urllib.request.getproxies_environment().items():
        lower = f"{scheme}_proxy"
        name = lower if os.environ.get(lower) == value else lower.upper()
        named[scheme] = (name, value)
    return named


@dataclass(frozen=True)
class CaSource:
    """Where the trusted CAs come from, and the words for it in messages."""

    cafile: str | None = None
    capath: str | None = None
    shown: str = "the system store and certifi"
    defaults: bool = True  # the system store and certifi, nothing named by the user


def _ca_source(bundle: Path | None, env: Mapping[str, str]) -> CaSource:
    if bundle is not None:
        if bundle.is_dir():
            return CaSource(capath=str(bundle), shown=f"--ca-bundle {bundle}", defaults=False)
        if not bundle.is_file():
            raise NetworkConfigError(f"--ca-bundle {bundle}: no such file (a PEM CA bundle)")
        return CaSource(cafile=str(bundle), shown=f"--ca-bundle {bundle}", defaults=False)
    cafile = capath = None
    shown = []
    for name in CA_FILE_VARIABLES:
        if env.get(name):
            cafile = env[name]
            if not Path(cafile).is_file():
                raise NetworkConfigError(
                    f"{name}={cafile}: no such file; fix the path or unset {name}"
                )
            shown.append(f"{name}={cafile}")
            break
    if env.get(CA_DIR_VARIABLE):
        capath = env[CA_DIR_VARIABLE]
        if not Path(capath).is_dir():
            raise NetworkConfigError(
                f"{CA_DIR_VARIABLE}={capath}: no such directory; fix it or unset it"
            )
        shown.append(f"{CA_DIR_VARIABLE}={capath}")
    if cafile is None and capath is None:
        return CaSource()
    return CaSource(cafile, capath, " and ".join(shown), defaults=False)


@dataclass(frozen=True)
class Network:
    """The resolved settings: `proxy_for` an origin, the `tls_context` to verify with."""

    routes: Mapping[str, Proxy | None]
    bypass: NoProxy
    ca: CaSource

    def proxy_for(self, scheme: str, host: str, port: int) -> Proxy | None:
        proxy = self.routes.get(scheme)
        if proxy is None or self.bypass.matches(host, port):
            return None
        return proxy

    def tls_context(self) -> ssl.SSLContext:
        """A verifying client context: hostname checked, HTTP/1.1 offered by ALPN."""
        if self.ca.defaults:
            # The system store (where admins install a company CA; on Windows the system's
            # own) and certifi (for machines whose store is empty or old, as slim images).
            context = ssl.create_default_context()
            context.load_verify_locations(cafile=certifi.where())
        else:
            try:
                context = ssl.create_default_context(cafile=self.ca.cafile, capath=self.ca.capath)
            except (OSError, ssl.SSLError) as exc:
                raise NetworkConfigError(
                    f"{self.ca.shown}: not a PEM CA bundle ({exc}); give a file of PEM certificates"
                ) from None
        context.set_alpn_protocols(ALPN)
        return context

    def describe(self) -> str:
        """One line for run.log: which proxy for which scheme, which CAs."""
        parts = []
        for scheme in ("https", "http"):
            proxy = self.routes.get(scheme)
            parts.append(f"{scheme} {'via ' + proxy.shown if proxy else 'direct'}")
        if self.bypass.text.strip():
            parts.append(f"no proxy for {self.bypass.text.strip()}")
        parts.append(f"CAs: {self.ca.shown}")
        return "; ".join(parts)


DIRECT = NetworkOptions(proxy="", no_proxy="", trust_env=False)  # the bundled mock's
