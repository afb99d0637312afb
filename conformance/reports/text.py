"""A finding as plain text, the one rendering JUnit and the pytest plugin share; and the
helpers that make a server's text safe to print: control characters escaped, vectors cut.

A hostile server's message may carry terminal escapes (`\\x1b[2J`), lone surrogates or bidi
overrides; printed raw they would redraw the user's terminal, break the encoding of stdout or
make XML invalid. They are shown escaped (`\\x1b`), as Python's repr shows them.
"""

from __future__ import annotations

import json
import re
from typing import Any

from embedcheck.conformance.reports.data import ExchangeData, FindingData

INPUT_CHARS = 200  # of the failing request's body, in a line of text
# C0 and C1 controls and DEL; bidi embeddings, overrides and isolates; lone surrogates; the
# noncharacters of the BMP (U+FFFE and U+FFFF are not XML characters: junit.xml would not parse).
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
)
_UNSAFE_LINE = re.compile(f"[\n\t{_UNSAFE}]")
_UNSAFE_BLOCK = re.compile(f"[{_UNSAFE}]")
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_NUMBER_RUN = re.compile(rf"{_NUMBER}(?:\s*,\s*{_NUMBER}){{7,}}")  # 8+ numbers: a vector
_SEPARATOR = re.compile(r"\s*,\s*")
VECTOR_HEAD = 3  # numbers of a vector kept in front of the count of the rest


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with every control character escaped; newlines and tabs kept when `lines`."""
    return (_UNSAFE_BLOCK if lines else _UNSAFE_LINE).sub(_escaped, text)


def _vector(match: re.Match[str]) -> str:
    numbers = _SEPARATOR.split(match.group())
    rest = len(numbers) - VECTOR_HEAD
    return ", ".join(numbers[:VECTOR_HEAD]) + f", ... ({rest} more numbers)"


def abbreviated(text: str) -> str:
    """`text` with each run of 8+ comma-separated numbers (a vector) cut to its first few."""
    return _NUMBER_RUN.sub(_vector, text)


def shown(value: Any, limit: int = INPUT_CHARS, *, lines: bool = False) -> str:
    """A value as one safe, short line: JSON for data, vectors abbreviated, cut at `limit`."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = printable(abbreviated(text), lines=lines)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def failing_exchange(finding: FindingData) -> ExchangeData | None:
    return next((e for e in finding["exchanges"] if e["failing"]), None)


def failing_input(finding: FindingData) -> str:
    """The body of the failing request (or the payloads, when it sent none), as one line."""
    exchange = failing_exchange(finding)
    if exchange is not None and exchange["request"]["body"] is not None:
        return shown(exchange["request"]["body"])
    return shown("; ".join(finding["payloads"]))


def finding_text(finding: FindingData) -> str:
    """The finding as the lines a CI log shows: what failed, the input, how to send it again."""
    lines = [
        shown(finding["message"], 1000),
        f"expected: {shown(finding['expected'])}",
        f"actual: {shown(finding['actual'])}",
        f"scenario: {finding['scenario']} ({finding['origin']} example; "
        f"{finding['seen']} failing example{'s' if finding['seen'] != 1 else ''} of this kind)",
        *(f"payload: {shown(p)}" for p in finding["payloads"]),
        f"input: {failing_input(finding)}",
    ]
    lines += [f"reproduce: {printable(e['curl'])}" for e in finding["exchanges"] if e["failing"]]
    return "\n".join(lines)
