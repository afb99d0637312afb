"""A curl command that reproduces a request, with the credential replaced by `$ENV_VAR`."""

from __future__ import annotations

import shlex

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


def curl_command(request: Request, redactor: Redactor, secret_env: str) -> str:
    parts = ["curl", "-sS", "-X", request.method, shlex.quote(request.url)]
    for name, value in request.headers:
        credential = _credential_header(name, value, redactor, secret_env)
        parts += ["-H", credential or shlex.quote(f"{name}: {value}")]
    content = request.content()
    if content is not None:
        parts += ["-H", shlex.quote("content-type: application/json")]
        parts += ["--data-binary", shlex.quote(content.decode("utf-8"))]
    return redactor.text(" ".join(parts))
