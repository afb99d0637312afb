"""What the mock accepts, and how it words a refusal, on the suite's own validation layer.

A faithful server accepts exactly what the published schema accepts and routes a body by the
`oneOf` branch it validated against, not by which keys are present (`{"text": 5, "requests":
[...]}` is a batch). Faults that make a server too lenient are modelled by loosening a copy of
the schema before it is compiled, so the mock then accepts what the bug would accept.

Schemas are compiled and judged by `embedcheck.schemas.validators` (one policy for the fast and
the full validator, one NaN rule, one variant lookup, shared with the suite); this module adds
the fault loosening and the Workers AI wording of a refusal (`bad_input`).
"""

from __future__ import annotations

import copy
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator

from embedcheck.conformance.mock.errors import BAD_INPUT, ApiError
from embedcheck.schemas import ModelRecord, effective_schema
from embedcheck.schemas.layout import BATCH, InputVariant, ModelLayout, read_layout
from embedcheck.schemas.validators import NAME, CompiledSchema, clip, compile_schema

MESSAGE_LIMIT = 300  # jsonschema quotes the instance; a 10 MB text must not come back whole


def _drop(schema: Any, wanted: Callable[[str, dict[str, Any]], bool], key: str) -> None:
    """Remove `key` from every subschema (found by walking dicts and lists) that `wanted` picks."""
    stack = [("", schema)]
    while stack:
        name, node = stack.pop()
        if isinstance(node, dict):
            if key in node and wanted(name, node):
                del node[key]
            stack.extend(node.items())
        elif isinstance(node, list):
            stack.extend((name, item) for item in node)


def loosened(schema: Any, faults: frozenset[str], *, openai: bool = False) -> Any:
    """A copy of `schema` widened the way the switched-on faults widen a buggy server's input."""
    if not faults:
        return schema
    schema = copy.deepcopy(schema)
    if "accept-empty-string" in faults:
        _drop(schema, lambda _, node: node.get("type") == "string", "minLength")
    if "accept-101-items" in faults and not openai:
        _drop(schema, lambda _, node: node.get("type") == "array", "maxItems")
    if "accept-unknown-pooling" in faults and not openai:
        _drop(schema, lambda name, _: name == "pooling", "enum")
    if "openai-bad-encoding-accepted" in faults and openai:
        _drop(schema, lambda name, _: name == "encoding_format", "enum")
    return schema


def route(schema: CompiledSchema, instance: Any) -> int:
    """The index of the one branch `instance` fits; ApiError 400 naming the field if none."""
    index = schema.route(instance)
    if index is None:
        raise bad_input(schema.whole, instance)
    return index


@dataclass(frozen=True)
class ModelValidators:
    """What a Workers AI model accepts (the whole input and, for batches, each request item),
    and what each input variant is for (read from the same schema by structure)."""

    layout: ModelLayout
    input: CompiledSchema
    item: CompiledSchema | None  # None: the model takes no batch

    def variant(self, body: Any) -> InputVariant:
        """The input variant a body validates through; ApiError 400 if none."""
        return self.layout.inputs[route(self.input, body)]

    @property
    def batch(self) -> InputVariant | None:
        return self.layout.first(BATCH)

    @property
    def lists(self) -> tuple[str, ...]:
        """The keys where the variants hold their texts, contexts or queued requests."""
        return tuple(dict.fromkeys(v.texts for v in self.layout.inputs if v.texts))

    def request_variant(self, item: Any) -> InputVariant:
        """The variant a queued request validates through (ApiError 400 if none)."""
        batch = self.batch
        assert batch is not None and self.item is not None, "only batches have items"
        return batch.requests[route(self.item, item)]


def model_validators(model: ModelRecord, faults: frozenset[str]) -> ModelValidators:
    clean = effective_schema(model.id, "input")
    # What each variant is for is read from the schema as published: a fault loosens what is
    # accepted (the same branches, fewer limits), not what an input means.
    layout = read_layout(model.id, clean, effective_schema(model.id, "output"))
    schema = loosened(clean, faults)
    item_schema = batch_item_schema(layout, schema)
    item = compile_schema(item_schema) if item_schema is not None else None
    return ModelValidators(layout, compile_schema(schema), item)


def batch_item_schema(layout: ModelLayout, schema: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of one queued request in `schema` (the input, maybe loosened), found where
    the layout's batch variant holds it; None when the model takes no batch."""
    batch = layout.first(BATCH)
    if batch is None:
        return None
    branches = schema.get("oneOf") or schema.get("anyOf")
    variant = branches[batch.index] if branches else schema
    item: dict[str, Any] = variant["properties"][batch.texts].get("items", {})
    return item


def pointer(error: ValidationError) -> str:
    return "/" + "/".join(str(part) for part in error.absolute_path)


def clipped(text: str) -> str:
    return clip(text, MESSAGE_LIMIT)


def _short(error: ValidationError) -> str:
    """jsonschema's message with the quoted instance shortened (it may be a 10 MB text)."""
    quoted = repr(error.instance)
    message = error.message
    if message.startswith(quoted):
        message = reprlib.repr(error.instance) + message[len(quoted) :]
    return message


def _branch(schema: Any, index: int) -> str:
    if isinstance(schema, dict):
        return str(schema.get(NAME) or schema.get("title") or f"variant {index}")
    return f"variant {index}"


def describe(validator: Validator, error: ValidationError) -> str:
    """One violation as `<keyword> at '<pointer>' not met: ...`, the way Workers AI words it."""
    where = f"{error.validator} at '{pointer(error)}' not met"
    instance: Any = error.instance
    if error.validator == "oneOf" and isinstance(error.validator_value, list):
        fits = [
            _branch(branch, i)
            for i, branch in enumerate(error.validator_value)
            if validator.evolve(schema=branch).is_valid(instance)
        ]
        return f"{where}, {len(fits)} matches" + (f" ({' and '.join(fits)})" if fits else "")
    return f"{where}: {_short(error)}"


@dataclass(frozen=True)
class Violation:
    message: str  # the outermost violation, then the most telling one inside it
    field: str | None  # the top-level key at fault, for OpenAI's `param`


def violation(validator: Validator, instance: Any) -> Violation:
    """What is wrong with an invalid instance: the outermost error (often the root `oneOf`) and
    jsonschema's best match, which descends into the branches to the field at fault."""
    errors = list(validator.iter_errors(instance))
    outer = min(errors, key=lambda e: len(e.absolute_path))
    best: ValidationError = best_match(errors) or outer
    message = describe(validator, outer)
    if best is not outer:
        message += "; " + describe(validator, best)
    elif outer.validator == "oneOf" and outer.context:
        message += ": " + "; ".join(_per_branch(validator, outer))
    return Violation(clipped(message), field_name(best))


def _per_branch(validator: Validator, error: ValidationError) -> list[str]:
    """Why each branch of a `oneOf` failed, when no one failure stands out."""
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    branches = error.validator_value if isinstance(error.validator_value, list) else []
    reasons = []
    for index, subs in sorted(by_branch.items()):
        best = best_match(subs) or subs[0]
        reasons.append(f"{_branch(branches[index], index)}: {describe(validator, best)}")
    return reasons


def bad_input(validator: Validator, instance: Any) -> ApiError:
    """Cloudflare-style `AiError: Bad input: Error: ...` naming the keyword and the field."""
    found = violation(validator, instance)
    return ApiError(
        400, BAD_INPUT, f"AiError: Bad input: Error: {found.message}", param=found.field
    )


def field_name(error: ValidationError) -> str | None:
    """The top-level key at fault: the first path element, or the missing/unexpected key."""
    if error.absolute_path:
        return str(error.absolute_path[0])
    instance = error.instance
    required = error.validator_value
    if error.validator == "required" and isinstance(instance, dict) and isinstance(required, list):
        missing = [k for k in required if k not in instance]
        return str(missing[0]) if missing else None
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [k for k in instance if k not in allowed]
        return str(extra[0]) if extra else None
    return None
