"""A curl command that reproduces a request, with the credential replaced by `$ENV_VAR`, sent
the way the run sent it: through the same proxy (`-x`), or straight to the target
(`--noproxy '*'`) when a proxy was set but not used, and trusting the same CAs (`--cacert`,
`--capath`) when the run trusted CAs the user named."""

from __future__ import annotations

import os
import shlex
import urllib.request
from urllib.parse import urlsplit

from embedcheck.conformance.http.network import Network, Proxy
from embedcheck.conformance.http.transport import Request
from embedcheck.conformance.reports.redact import SECRET_HEADERS, Redactor


def _credential_header(name: str, value: str, redactor: Redactor, secret_env: str) -> str | None:
    """The header with the user's token read from `$secret_env`, if it carries the token
    (compared whole: a short dummy token is no less the user's than a long one)."""
    if name.lower() not in SECRET_HEADERS:
        return None
    name = "Authorization" if name.lower() == "authorization" else name
    if redactor.is_secret(value):
        return f'"{name}: ${secret_env}"'
    scheme, _, credential = value.partition(" ")
    if credential and redactor.is_secret(credential):
        # Double quotes, so the shell fills in the user's own token.
        return f'"{name}: {scheme} ${secret_env}"'
    return None


def _proxy_url(proxy: Proxy) -> str:
    """`-x`'s argument. Credentials are never printed: a proxy read from an environment
    variable is that variable (the shell fills in the URL, credentials and all); one given
    with --proxy shows `***` where its user and password go."""
    if proxy.authorization and proxy.source != "--proxy":
        return f'"${proxy.source}"'
    host = f"[{proxy.host}]" if ":" in proxy.host else proxy.host
    user = "***@" if proxy.authorization else ""
    return shlex.quote(f"http://{user}{host}:{proxy.port}")


def _environment_proxies() -> bool:
    return any(scheme != "no" for scheme in urllib.request.getproxies_environment())


def network_arguments(url: str, network: Network | None) -> list[str]:
    """curl's options for sending to `url` as the run did over `network` (None: not known)."""
    if network is None:
        return []
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    arguments = []
    proxy = network.proxy_for(scheme, parts.hostname or "", port)
    if proxy is not None:
        arguments += ["-x", _proxy_url(proxy)]
    elif network.routes.get(scheme) is not None or _environment_proxies():
        # Sent directly although a proxy is configured (--no-proxy, --proxy '', the bundled
        # mock): curl would otherwise take the proxy from the environment.
        arguments += ["--noproxy", shlex.quote("*")]
    if scheme == "https" and not network.ca.defaults:
        if network.ca.cafile:
            arguments += ["--cacert", shlex.quote(os.path.abspath(network.ca.cafile))]
        if network.ca.capath:
            arguments += ["--capath", shlex.quote(os.path.abspath(network.ca.capath))]
    return arguments


def curl_command(
    request: Request, redactor: Redactor, secret_env: str, network: Network | None = None
) -> str:
    parts = ["curl", "-sS", *network_arguments(request.url, network)]
    parts += ["-X", request.method, shlex.quote(request.url)]
    for name, value in request.headers:
        credential = _credential_header(name, value, redactor, secret_env)
        parts += ["-H", credential or shlex.quote(f"{name}: {value}")]
    content = request.content()
    if content is not None:
        parts += ["-H", shlex.quote("content-type: application/json")]
        parts += ["--data-binary", shlex.quote(content.decode("utf-8"))]
    return redactor.text(" ".join(parts))
