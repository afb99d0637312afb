"""A model's effective schemas read by structure: what each `oneOf` variant is for.

Input variants: TEXTS (a required property holding a text or a list of texts), CONTEXTS (a
required list of objects each holding a text, and an optional string asking for scores), BATCH
(a required list whose items are themselves inputs: the async queue). Output variants: VECTORS
(a list of number lists), SCORES (a list of objects holding a number), QUEUED (only strings
required: a job id). The suite and the mock both read this, and nothing here looks a variant up
by its name (`x-embedcheck-name` only labels it), so a model with a new layout works as long
as its schema says unambiguously which property does what; an ambiguous one is a SchemaError
naming the candidates.

The semantics no schema states are written once, here, keyed on what the schema contains:
- which output answers which input: a batch gets QUEUED, a query gets SCORES, texts get
  VECTORS; with two VECTORS variants, contexts get the one whose list shares its key with the
  SCORES variant (`response`), plain texts the other (`data`);
- which settings change the vectors: an input enum the answering output also declares
  (`pooling`, echoed in replies); its `default` is what an omitted one means;
- what a text over the model's limit gets: a boolean input property whose description speaks
  of truncating (bge-m3's `truncate_inputs`: "error out or truncate") switches between a
  refusal (false, its default) and truncation (true); without one, the schema is silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.location import schema_root
from embedcheck.schemas.store import effective_schema, subject_id

NAME = "x-embedcheck-name"
OVERLAP = "x-embedcheck-overlap"

TEXTS, CONTEXTS, BATCH, OTHER = "texts", "contexts", "batch", "other"
VECTORS, SCORES, QUEUED = "vectors", "scores", "queued"
Schema = dict[str, Any]


def types_of(schema: Any) -> set[str]:
    """The JSON types `schema` allows: its `type`, else its branches', else what its keywords
    imply (properties: object; items: array; minLength: string)."""
    if not isinstance(schema, dict):
        return set()
    declared = schema.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    branches = branches_of(schema)
    if branches:
        return set().union(*(types_of(b) for b in branches))
    if "properties" in schema or "required" in schema:
        return {"object"}
    if "items" in schema or "minItems" in schema or "maxItems" in schema:
        return {"array"}
    if "minLength" in schema or "maxLength" in schema:
        return {"string"}
    return set()


def branches_of(schema: Any) -> list[Schema]:
    """The `oneOf` (or `anyOf`) branches of `schema`, each with the parent's `type`."""
    if not isinstance(schema, dict):
        return []
    found = schema.get("oneOf") or schema.get("anyOf") or []
    parent = schema.get("type")
    return [
        {"type": parent, **b} if parent and "type" not in b else b
        for b in found
        if isinstance(b, dict)
    ]


def variant_name(branch: Schema, index: int) -> str:
    """A variant's label, as the compiled validators name it (`matching`)."""
    return str(branch.get(NAME, index))


def is_string(schema: Any) -> bool:
    return types_of(schema) == {"string"} and "enum" not in schema and "const" not in schema


def is_string_list(schema: Any) -> bool:
    return types_of(schema) == {"array"} and is_string(schema.get("items"))


def is_texts(schema: Any) -> bool:
    """A text, a list of texts, or a choice between those."""
    branches = branches_of(schema)
    if branches:
        return all(is_string(b) or is_string_list(b) for b in branches)
    return is_string(schema) or is_string_list(schema)


def is_number_list(schema: Any) -> bool:
    items = schema.get("items") if isinstance(schema, dict) else None
    return types_of(schema) == {"array"} and types_of(items) <= {"number", "integer"} != set()


def is_vector_list(schema: Any) -> bool:
    return types_of(schema) == {"array"} and is_number_list(schema.get("items"))


def _properties(schema: Schema) -> dict[str, Schema]:
    props = schema.get("properties", {})
    return props if isinstance(props, dict) else {}


def _required(schema: Schema) -> tuple[str, ...]:
    return tuple(k for k in schema.get("required", []) if isinstance(k, str))


def _only(candidates: list[str], what: str, where: str) -> str:
    if len(candidates) > 1:
        raise SchemaError(
            f"{where}: {what} could be any of {', '.join(candidates)}; name one with an overlay "
            "(or drop the others from `required`)"
        )
    return candidates[0] if candidates else ""


@dataclass(frozen=True)
class InputVariant:
    name: str
    index: int
    schema: Schema
    kind: str
    texts: str = ""  # TEXTS: the property holding the texts; CONTEXTS: the list of contexts
    context_text: str = ""  # CONTEXTS: the string property of each context
    query: str = ""  # CONTEXTS: the optional string asking for scores ('' = none)
    requests: tuple[InputVariant, ...] = ()  # BATCH: what one queued request may be

    @property
    def properties(self) -> dict[str, Schema]:
        return _properties(self.schema)

    @property
    def required(self) -> tuple[str, ...]:
        return _required(self.schema)

    @property
    def settings(self) -> dict[str, Schema]:
        """The properties besides the texts and the query (pooling, truncate_inputs, ...)."""
        semantic = {self.texts, self.query}
        return {k: v for k, v in self.properties.items() if k not in semantic}


@dataclass(frozen=True)
class OutputVariant:
    name: str
    index: int
    schema: Schema
    kind: str
    list: str = ""  # VECTORS: the property holding the vectors; SCORES: the scores
    shape: str = ""  # VECTORS: the list of numbers beside the vectors (`shape`), if declared
    score_id: str = ""  # SCORES: the integer property of each score (the context's index)
    score: str = ""  # SCORES: the number property of each score

    @property
    def properties(self) -> dict[str, Schema]:
        return _properties(self.schema)


def classify_input(branch: Schema, index: int, where: str) -> InputVariant:
    name = variant_name(branch, index)
    props, required = _properties(branch), _required(branch)
    place = f"{where} variant {name}"
    batches = [
        k
        for k in required
        if types_of(props.get(k)) == {"array"} and _request_variants(props[k].get("items"), place)
    ]
    if batches:
        key = _only(batches, "the batch list", place)
        requests = _request_variants(props[key].get("items"), place)
        return InputVariant(name, index, branch, BATCH, texts=key, requests=requests)
    texts = [k for k in required if is_texts(props.get(k))]
    if texts:
        listed = [k for k in texts if branches_of(props[k]) or is_string_list(props[k])]
        key = _only(listed or texts, "the texts", place)
        return InputVariant(name, index, branch, TEXTS, texts=key)
    contexts = [k for k in required if _context_text(props.get(k))]
    if contexts:
        key = _only(contexts, "the contexts", place)
        queries = [k for k, v in props.items() if k not in required and is_string(v)]
        query = _only(queries, "the query", place)
        return InputVariant(name, index, branch, CONTEXTS, key, _context_text(props[key]), query)
    return InputVariant(name, index, branch, OTHER)


def _context_text(schema: Any) -> str:
    """The one string property of the objects a list holds ('' if it is no such list)."""
    if not isinstance(schema, dict) or types_of(schema) != {"array"}:
        return ""
    item = schema.get("items")
    if not isinstance(item, dict) or types_of(item) != {"object"}:
        return ""
    strings = [k for k, v in _properties(item).items() if is_string(v)]
    return strings[0] if len(strings) == 1 else ""


def _request_variants(item: Any, where: str) -> tuple[InputVariant, ...]:
    """The input variants one list item may be, when each is a texts or contexts input."""
    if not isinstance(item, dict) or not types_of(item) <= {"object"}:
        return ()
    branches = branches_of(item) or [item]
    found = tuple(classify_input(b, i, f"{where} item") for i, b in enumerate(branches))
    return found if found and all(v.kind in (TEXTS, CONTEXTS) for v in found) else ()


def classify_output(branch: Schema, index: int, where: str) -> OutputVariant:
    name = variant_name(branch, index)
    props, required = _properties(branch), _required(branch)
    place = f"{where} variant {name}"
    vectors = [k for k in required if is_vector_list(props.get(k))]
    if vectors:
        key = _only(vectors, "the vectors", place)
        shapes = [k for k, v in props.items() if k != key and is_number_list(v)]
        return OutputVariant(name, index, branch, VECTORS, key, shape=_only(shapes, "shape", place))
    scores = [k for k in required if _score_fields(props.get(k))[1]]
    if scores:
        key = _only(scores, "the scores", place)
        score_id, score = _score_fields(props[key])
        return OutputVariant(name, index, branch, SCORES, key, score_id=score_id, score=score)
    if required and all(types_of(props.get(k)) == {"string"} for k in required):
        return OutputVariant(name, index, branch, QUEUED, required[0])
    return OutputVariant(name, index, branch, OTHER)


def _score_fields(schema: Any) -> tuple[str, str]:
    """(integer property, number property) of the objects a list holds, else ('', '')."""
    if not isinstance(schema, dict) or types_of(schema) != {"array"}:
        return "", ""
    item = schema.get("items")
    if not isinstance(item, dict):
        return "", ""
    props = _properties(item)
    ids = [k for k, v in props.items() if types_of(v) == {"integer"}]
    numbers = [k for k, v in props.items() if types_of(v) == {"number"}]
    if len(numbers) != 1:
        return "", ""
    return (ids[0] if len(ids) == 1 else ""), numbers[0]


@dataclass(frozen=True)
class ModelLayout:
    subject: str
    inputs: tuple[InputVariant, ...]
    outputs: tuple[OutputVariant, ...]
    overlap_reject: bool  # inputs fitting two variants are meant to be refused

    def of_kind(self, kind: str) -> tuple[InputVariant, ...]:
        return tuple(v for v in self.inputs if v.kind == kind)

    def first(self, kind: str) -> InputVariant | None:
        found = self.of_kind(kind)
        return found[0] if found else None

    def answer(self, variant: InputVariant, scored: bool = False) -> OutputVariant | None:
        """The output variant a valid input of `variant` must get (`scored`: it asked for
        scores); None when the schema does not tell."""
        if variant.kind == BATCH:
            return self._one(QUEUED)
        if variant.kind == CONTEXTS and scored:
            return self._one(SCORES)
        if variant.kind not in (TEXTS, CONTEXTS):
            return None
        vectors = [o for o in self.outputs if o.kind == VECTORS]
        if len(vectors) <= 1:
            return vectors[0] if vectors else None
        score_keys = {o.list for o in self.outputs if o.kind == SCORES}
        shared = [o for o in vectors if (o.list in score_keys) == (variant.kind == CONTEXTS)]
        return shared[0] if len(shared) == 1 else None

    def _one(self, kind: str) -> OutputVariant | None:
        found = [o for o in self.outputs if o.kind == kind]
        return found[0] if len(found) == 1 else None

    def echoed(self, variant: InputVariant) -> dict[str, Schema]:
        """The settings of `variant` that change its vectors: enums the answer declares too."""
        answer = self.answer(variant)
        if answer is None:
            return {}
        return {k: v for k, v in variant.settings.items() if "enum" in v and k in answer.properties}

    def nameable(self, variant: InputVariant, key: str, value: Any) -> bool:
        """Whether the reply to `variant` can name setting `key` as `value`: its answer
        declares the key and, if that is an enum, lists the value (an input enum may gain a
        value upstream before the output's does; a reply naming it would break the output
        schema, so it is left unnamed)."""
        answer = self.answer(variant)
        declared = answer.properties.get(key) if answer is not None else None
        if not isinstance(declared, dict) or value is None:
            return False
        allowed = declared.get("enum")
        return not isinstance(allowed, list) or value in allowed


_TRUNCATES = re.compile(r"\btruncat", re.IGNORECASE)


@dataclass(frozen=True)
class TruncationSwitch:
    """A boolean input property saying whether a too long text is truncated or refused."""

    key: str
    default: bool

    def truncates(self, body: Any) -> bool:
        """Whether `body` asks for truncation (the property, else its default)."""
        value = body.get(self.key, self.default) if isinstance(body, dict) else self.default
        return value is True


def truncation_switch(schema: Any) -> TruncationSwitch | None:
    """The property of an object schema (an input variant) that says whether a text over the
    model's limit is truncated (true) or refused (false), found by its type and description."""
    for key, prop in _properties(schema if isinstance(schema, dict) else {}).items():
        description = prop.get("description", "") if isinstance(prop, dict) else ""
        if types_of(prop) == {"boolean"} and _TRUNCATES.search(str(description)):
            return TruncationSwitch(key, prop.get("default") is True)
    return None


def read_layout(subject: str, input_schema: Schema, output_schema: Schema) -> ModelLayout:
    """The layout of one model from its effective input and output schemas."""
    where = f"{subject} input"
    inputs = tuple(
        classify_input(b, i, where)
        for i, b in enumerate(branches_of(input_schema) or [input_schema])
    )
    out_where = f"{subject} output"
    outputs = tuple(
        classify_output(b, i, out_where)
        for i, b in enumerate(branches_of(output_schema) or [output_schema])
    )
    if not any(v.kind in (TEXTS, CONTEXTS) for v in inputs):
        raise SchemaError(f"{where}: no variant takes texts (a required string or string list)")
    return ModelLayout(subject, inputs, outputs, input_schema.get(OVERLAP) == "reject")


def layout(subject: str) -> ModelLayout:
    """The layout of a model (by id or slug) in the schemas tree in use."""
    return _layout(schema_root(), subject_id(subject))


@cache
def _layout(root: Path, subject: str) -> ModelLayout:
    return read_layout(
        subject, effective_schema(subject, "input"), effective_schema(subject, "output")
    )
