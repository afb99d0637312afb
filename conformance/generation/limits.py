"""Limits read from the effective schema: the bounds of each text and list a payload holds.

Nothing here has a fallback number: a bound the schema does not set is None, and the payload
code then sends no over-the-limit case for it. The one model fact taken from the manifest is
`max_input_tokens`, which caps how many words a long text has (a quarter of it: a word of the
corpus is one or two tokens, and a margin keeps every tokenizer inside the limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from embedcheck.conformance.generation.texts import TextBounds
from embedcheck.schemas import model as model_record
from embedcheck.schemas.layout import (
    InputVariant,
    ModelLayout,
    branches_of,
    is_string,
    is_string_list,
    layout,
    variant_name,
)
from embedcheck.schemas.location import schema_root
from embedcheck.schemas.store import subject_id

LONG_WORDS = 90  # the longest text the suite sends, in words, when the model allows it
Schema = dict[str, Any]


@dataclass(frozen=True)
class ListBounds:
    min_items: int = 0
    max_items: int | None = None  # None: the schema sets no maxItems

    def capped(self, cap: int) -> int:
        """The most items a drawn list has: the schema's maxItems, or `cap` when lower."""
        return max(self.min_items, min(cap, self.max_items) if self.max_items else cap)


def text_bounds(schema: Schema, long_words: int = LONG_WORDS) -> TextBounds:
    high = schema.get("maxLength")
    return TextBounds(
        max(int(schema.get("minLength", 0)), 1), int(high) if high is not None else None, long_words
    )


def list_bounds(schema: Schema) -> ListBounds:
    high = schema.get("maxItems")
    return ListBounds(int(schema.get("minItems", 0)), int(high) if high is not None else None)


@dataclass(frozen=True)
class TextForm:
    """One form the texts property takes: a single text, or a list of them."""

    name: str  # the branch's label ("Text", "TextBatch"), '' when the property has no branches
    text: TextBounds
    items: ListBounds | None  # None: a single text


def text_forms(schema: Schema, long_words: int) -> tuple[TextForm, ...]:
    """The forms of a texts property: its string and string-list branches, or itself."""
    branches = branches_of(schema)
    found = []
    for index, branch in enumerate(branches or [schema]):
        name = variant_name(branch, index) if branches else ""
        if is_string(branch):
            found.append(TextForm(name, text_bounds(branch, long_words), None))
        elif is_string_list(branch):
            bounds = text_bounds(branch["items"], long_words)
            found.append(TextForm(name, bounds, list_bounds(branch)))
    return tuple(found)


@dataclass(frozen=True)
class ModelLimits:
    """One model's input schema as the generation reads it."""

    subject: str
    layout: ModelLayout
    long_words: int

    @property
    def schema(self) -> tuple[str, str]:
        return (self.subject, "input")

    def forms(self, variant: InputVariant) -> tuple[TextForm, ...]:
        return text_forms(variant.properties.get(variant.texts, {}), self.long_words)

    def context_bounds(self, variant: InputVariant) -> tuple[TextBounds, ListBounds]:
        contexts = variant.properties[variant.texts]
        item = contexts.get("items", {}).get("properties", {}).get(variant.context_text, {})
        return text_bounds(item, self.long_words), list_bounds(contexts)

    def query_bounds(self, variant: InputVariant) -> TextBounds:
        return text_bounds(variant.properties.get(variant.query, {}), self.long_words)

    def requests_bounds(self, variant: InputVariant) -> ListBounds:
        return list_bounds(variant.properties[variant.texts])


def model_limits(subject: str) -> ModelLimits:
    return _model_limits(schema_root(), subject_id(subject))


@cache
def _model_limits(root: Path, subject: str) -> ModelLimits:
    tokens = model_record(subject).max_input_tokens
    return ModelLimits(subject, layout(subject), max(2, min(LONG_WORDS, tokens // 4)))
