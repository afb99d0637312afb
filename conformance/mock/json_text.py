"""JSON written in advance (`JsonText`) and `dumps`, which splices it into a reply in one copy.

orjson writes the frame around the pre-written values (envelope, keys, anything a fault
changes), each value standing in as a one-byte mark; the marks are then replaced by the values'
pieces in a single `,`-join, so a 1.2 MB batch of vectors is copied once, not once into a
`Fragment` and again by orjson.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson


class JsonText:
    """A JSON value written in advance, as pieces that `,`-joined make its text. (Not a
    dataclass: orjson would write a dataclass's fields instead of calling `default`.)"""

    __slots__ = ("parts",)

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts  # never empty

    def __bytes__(self) -> bytes:
        return b",".join(self.parts)


# A byte orjson never writes (it escapes control characters inside strings): it marks where a
# JsonText goes in the frame.
_MARK = b"\x00"


def _held(texts: list[JsonText]) -> Callable[[object], orjson.Fragment]:
    """orjson's `default` hook: collect each JsonText, in the order it is written, as a mark."""

    def default(value: object) -> orjson.Fragment:
        if isinstance(value, JsonText):
            texts.append(value)
            return orjson.Fragment(_MARK)
        raise TypeError(f"cannot serialise {type(value).__name__}")

    return default


def dumps(payload: object) -> bytes:
    """orjson's bytes for `payload` (numpy arrays included), each JsonText in it spliced in."""
    texts: list[JsonText] = []
    frame = orjson.dumps(payload, default=_held(texts), option=orjson.OPT_SERIALIZE_NUMPY)
    if not texts:
        return frame
    pieces = frame.split(_MARK)
    parts: list[bytes] = []
    carry = pieces[0]  # frame text to glue to the next part: no `,` goes between them
    for text, piece in zip(texts, pieces[1:], strict=True):
        values = text.parts
        if len(values) == 1:
            carry += values[0] + piece
            continue
        parts.append(carry + values[0])
        parts.extend(values[1:-1])
        carry = values[-1] + piece
    parts.append(carry)
    return b",".join(parts)
