"""Python names for things a schema names: modules, classes, keyword arguments.

Schema keys can be anything (`class`, `x-y`, `é`, `1st`); generated code only ever uses them
as string literals, and these functions give the identifiers that stand for them.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^0-9A-Za-z]+")


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", folded)
    return [w for w in _NON_WORD.split(folded) if w]


def snake(text: str, fallback: str = "value") -> str:
    """`bge-small-en-v1.5` -> `bge_small_en_v1_5`; a keyword gets a trailing underscore."""
    name = "_".join(w.lower() for w in _ascii_words(text)) or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def pascal(text: str, fallback: str = "Model") -> str:
    """`bge-small-en-v1.5` -> `BgeSmallEnV1_5`: digits either side of a separator keep an
    underscore between them, so a version reads as one (`V1_5`, not `V15`)."""
    name = ""
    for word in _ascii_words(text):
        joint = "_" if name[-1:].isdigit() and word[:1].isdigit() else ""
        name += joint + word[:1].upper() + word[1:].lower()
    name = name or fallback
    name = name if name[0].isalpha() else f"{fallback}{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def unique(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name_2`, `name_3`... whichever is not taken yet."""
    used = set(taken)
    candidate, counter = name, 1
    while candidate in used:
        counter += 1
        candidate = f"{name}_{counter}"
    return candidate
