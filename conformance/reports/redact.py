"""Mask secrets (API tokens) in every string that leaves the process: reports, logs, curl."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

MASK = "***"
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "cf-aig-authorization"})


class Redactor:
    """Replaces each secret, and its URL- and JSON-escaped spellings, by `***`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
        # Longest first, so a secret that contains another is masked whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def text(self, value: str) -> str:
        for form in self._forms:
            value = value.replace(form, MASK)
        return value

    def data(self, value: Any) -> Any:
        """A copy of JSON-like data with every string (keys too) masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.data(v) for v in value]
        return value

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Credential headers keep only their scheme (`Bearer ***`), whatever their value."""
        masked = []
        for name, value in headers:
            if name.lower() in SECRET_HEADERS:
                scheme, _, rest = value.partition(" ")
                value = f"{scheme} {MASK}" if rest else MASK
            masked.append((name, self.text(value)))
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
