"""Mask secrets (API tokens) in every string that leaves the process: reports, logs, curl.

Two layers, as in Schemathesis' `--mask-sensitive-output` and httpx's header repr:
- by position: credential headers keep only their scheme (`Bearer ***`) whatever their value,
  and the curl line reads the token from an environment variable;
- by value: a secret's text (and its URL- and JSON-escaped spellings) is replaced by `***`
  inside string values, wherever it came from (a server echoing it, a header, a body).

Masking never touches the report's structure: keys stay as they are. A token too short to be a
secret in practice (`EMPTY`, `x`, `k`: dummy keys for local servers), or one that is a word of the
report's own vocabulary, is masked by position only: replacing it inside every text would mangle
the report ("max_examples" -> "ma***_e***amples") and hide nothing worth hiding.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cf-aig-authorization"})
MIN_SECRET = 8  # shorter tokens are dummies ("EMPTY", "sk-1"): masked by position only


class Redactor:
    """Replaces each secret of MIN_SECRET+ characters, in all its spellings, by `***`."""

    def __init__(self, secrets: Iterable[str | None] = (), vocabulary: str = "") -> None:
        self.secrets = frozenset(s for s in secrets if s)
        forms: set[str] = set()
        self.unmasked: list[str] = []  # secrets masked by position only, and why
        for secret in sorted(self.secrets):
            if len(secret) < MIN_SECRET:
                self.unmasked.append(f"shorter than {MIN_SECRET} characters")
            elif secret in vocabulary:
                self.unmasked.append("a word of the report's own vocabulary")
            else:
                forms.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
        # Longest first, so a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def is_secret(self, value: str) -> bool:
        """Whether `value` is one of the secrets, whatever its length."""
        return value in self.secrets

    def text(self, value: str) -> str:
        for form in self._forms:
            if form in value:
                value = value.replace(form, MASK)
        return value

    def data(self, value: Any, keep: frozenset[str] = frozenset()) -> Any:
        """A copy of a report's JSON-like data with every string value masked; keys, which are
        the report's structure, are kept as they are, and so are the values under the keys in
        `keep` (names the report refers to elsewhere)."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: v if k in keep else self.data(v, keep) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v, keep) for v in value]
        return value

    def content(self, value: Any) -> Any:
        """A copy of data that came from outside (a reply's JSON, headers): there keys are
        content too, and are masked like values."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.content(k): self.content(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.content(v) for v in value]
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Credential headers keep only their scheme (`Bearer ***`), whatever their value."""
        masked = []
        for name, value in headers:
            if name.lower() in SECRET_HEADERS:
                scheme, _, rest = value.partition(" ")
                value = f"{scheme} {MASK}" if rest else MASK
            masked.append((self.text(name), self.text(value)))
        return masked


class RedactingFilter(logging.Filter):
    """Formats each record once and masks it, so no handler ever sees a secret."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor.text(record.getMessage())
        record.args = None
        return True
