"""What the `long-input` scenario sends: texts just under, at and over the model's
`max_input_tokens` (from the manifest), with the schema's truncation switch both ways.

The token model is words: every word used is a common English word, one token to WordPiece and
SentencePiece alike as far as we know, and one token to the mock's stand-in tokenizer. Real
tokenizers add 2 special tokens and split a few words, so the counts are approximate; the texts
are built so that the judgement does not rest on where exactly a server cuts:
- `under`: 0.9 x the limit in words, inside it for any tokenizer near one token a word;
- `under-changed`: `under` with its second half in other words (a server cutting below the
  limit gives both the same vector);
- `cut`: exactly the limit in words (at or over it for any real tokenizer);
- `over`: `cut` followed by half the limit again in other words. A server that truncates at
  the limit sees the same first tokens in `over` and in `cut` (with the same switch), so their
  vectors agree whatever its tokenizer, special tokens included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from embedcheck.conformance.vocabulary import Case, Payload
from embedcheck.schemas.layout import TruncationSwitch

SCENARIO = "long-input"
UNDER, CHANGED, CUT, OVER = "under", "under-changed", "cut", "over"
UNDER_SHARE = 0.9
CHANGED_FROM = 0.5  # `under-changed` keeps this share of the limit, then changes every word
OVER_SHARE = 1.5
PREFIX_WORDS = ("the", "river", "runs", "past", "old", "green", "hills", "and", "small", "towns")
OTHER_WORDS = ("music", "fills", "every", "room", "of", "the", "house", "at", "night", "now")

# Builds the payload of one text, with the scenario's settings (the truncation switch).
MakePayload = Callable[[str, dict[str, Any]], Payload]


def words(source: tuple[str, ...], count: int, start: int = 0) -> list[str]:
    return [source[(start + i) % len(source)] for i in range(count)]


@dataclass(frozen=True)
class LongTexts:
    under: str
    changed: str
    cut: str
    over: str


def long_texts(limit: int) -> LongTexts:
    """The four texts for a model taking `limit` tokens (a string join: milliseconds for
    bge-m3's 8192)."""
    under_n, kept = int(limit * UNDER_SHARE), int(limit * CHANGED_FROM)
    prefix = words(PREFIX_WORDS, limit)
    changed = prefix[:kept] + words(OTHER_WORDS, under_n - kept)
    tail = words(OTHER_WORDS, int(limit * OVER_SHARE) - limit, start=3)
    return LongTexts(
        " ".join(prefix[:under_n]), " ".join(changed), " ".join(prefix), " ".join(prefix + tail)
    )


def _probe(payload: Payload, role: str) -> Payload:
    return replace(payload, probe=role)


def long_input_case(make: MakePayload, limit: int, switch: TruncationSwitch | None) -> Case:
    """Under and changed plainly; over without the switch, then (where the schema has one)
    with it false and true; cut as the reference, with the switch true where there is one."""
    found = long_texts(limit)
    truncate = {switch.key: True} if switch else {}
    payloads = [
        _probe(make(found.under, {}), UNDER),
        _probe(make(found.changed, {}), CHANGED),
        _probe(make(found.over, {}), OVER),
    ]
    if switch is not None:
        payloads += [
            _probe(make(found.over, {switch.key: False}), OVER),
            _probe(make(found.over, truncate), OVER),
        ]
    payloads.append(_probe(make(found.cut, truncate), CUT))
    return Case(SCENARIO, tuple(payloads))
