"""A curl command that reproduces a request, with the credential replaced by `$ENV_VAR`."""

from __future__ import annotations

import shlex

from embedcheck.conformance.reports.redact import Redactor
from embedcheck.conformance.http.transport import Request


def curl_command(request: Request, redactor: Redactor, secret_env: str) -> str:
    parts = ["curl", "-sS", "-X", request.method, shlex.quote(request.url)]
    for name, value in request.headers:
        scheme, _, credential = value.partition(" ")
        if name.lower() == "authorization" and redactor.text(credential) != credential:
            # Double quotes, so the shell fills in the user's own token.
            parts += ["-H", f'"Authorization: {scheme} ${secret_env}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    content = request.content()
    if content is not None:
        parts += ["-H", shlex.quote("content-type: application/json")]
        parts += ["--data-binary", shlex.quote(content.decode("utf-8"))]
    return redactor.text(" ".join(parts))
