"""The mutation catalogue: every way a payload breaks its schema, one violation at a time.

`CATALOGUE` is the one table. Each entry names the keyword it breaks, says where it applies
(from the schema's own keywords at that place: `enum`, `type`, `minLength`, `maxLength`,
`minItems`, `maxItems`, `minimum`, `maximum`, `required`, `additionalProperties: false`), and
gives the bad value twice: a fixed one (the boundary case sent on every run) and a strategy
(what Hypothesis draws). `violations` walks a schema (properties, `oneOf` branches, list items,
nested objects, to any depth the schema has) and lists every (place, mutation) that applies;
`put` writes the bad value into a valid body, building the containers on the way when the
body lacks them. Two variants at once is the one mutation of a whole body, made in `payloads`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from embedcheck.conformance.generation.texts import WORDS, word_run
from embedcheck.schemas.layout import branches_of, types_of

Schema = dict[str, Any]
Step = tuple[str | int, Schema]  # a key or index, and the schema of the value found there
REMOVED = object()  # `put` deletes the key instead of writing a value
UNKNOWN_KEY = "embedcheck_unknown_key"
MAX_DEPTH = 6

# Values of each JSON type; a wrong type is one whose type the place does not allow. Each value
# is proven refused at its place before it is drawn (a list may be right for a sibling branch).
SAMPLES: dict[str, tuple[Any, ...]] = {
    "integer": (7, -1, 0),
    "number": (1.5, -0.25),
    "boolean": (True, False),
    "null": (None,),
    "string": ("text", "true", ""),
    "array": (["a"], [1], [[]], []),
    "object": ({"text": "a"}, {}),
}
# Near misses first: a value that differs from an allowed one only in case or spelling.
NOT_IN_ENUM = ("max", "median", "none", "last-token", "base85", "int8", "binary", "hex")


def declared_types(schema: Any) -> set[str]:
    """The types a place declares with `type` (in every branch); empty: anything goes."""
    if not isinstance(schema, dict):
        return set()
    if "type" in schema:
        return types_of({"type": schema["type"]})
    branches = branches_of(schema)
    if branches and all("type" in b for b in branches):
        return types_of(schema)
    return set()


def _wrong_types(schema: Schema) -> list[str]:
    allowed = declared_types(schema)
    if "number" in allowed:
        allowed = allowed | {"integer"}
    if "integer" in allowed:
        allowed = allowed | {"number"}  # 1.0 is an integer in JSON Schema: skip floats too
    return [t for t in SAMPLES if t not in allowed] if allowed else []


def _not_in_enum(schema: Schema) -> tuple[Any, ...]:
    allowed = list(schema["enum"])
    if all(isinstance(v, str) for v in allowed):
        near = [v.upper() if v != v.upper() else v.lower() for v in allowed]
        near += [f"{v}-x" for v in allowed]
        return tuple(dict.fromkeys(v for v in (*near, *NOT_IN_ENUM) if v not in allowed))
    numbers = [v for v in allowed if isinstance(v, int | float) and not isinstance(v, bool)]
    return (max(numbers, default=0) + 1, "not-in-enum")


def _number(schema: Schema) -> bool:
    return bool(types_of(schema) & {"integer", "number"}) and "enum" not in schema


def _step(schema: Schema) -> int | float:
    return 1 if "integer" in types_of(schema) else 0.5


def _below(schema: Schema) -> Any:
    if "exclusiveMinimum" in schema:
        return schema["exclusiveMinimum"]
    return schema["minimum"] - _step(schema)


def _above(schema: Schema) -> Any:
    if "exclusiveMaximum" in schema:
        return schema["exclusiveMaximum"]
    return schema["maximum"] + _step(schema)


def _too_many(schema: Schema) -> list[Any]:
    count = int(schema["maxItems"]) + 1
    item = schema.get("items", {})
    if types_of(item) == {"string"}:
        return [f"{w} {i}" for i, w in enumerate(word_run(count, 0))]
    return [example(item)] * count


def _too_many_drawn(schema: Schema) -> st.SearchStrategy[Any]:
    count = int(schema["maxItems"]) + 1
    if types_of(schema.get("items", {})) == {"string"}:
        return st.builds(word_run, st.just(count), st.integers(0, len(WORDS) - 1))
    return st.just(_too_many(schema))


def _too_few(schema: Schema) -> list[Any]:
    return [example(schema.get("items", {}))] * (int(schema["minItems"]) - 1)


def _short(schema: Schema) -> str:
    return "x" * (int(schema["minLength"]) - 1)


def _long(schema: Schema) -> str:
    return "x" * (int(schema["maxLength"]) + 1)


Bad = tuple[Any, st.SearchStrategy[Any]]  # a fixed bad value, and drawn ones of its kind


@dataclass(frozen=True)
class Mutation:
    name: str
    keyword: str  # the schema keyword the violation breaks
    applies: Callable[[Schema], bool]
    # The bad values, kind by kind (a wrong type: one kind per type the place does not allow):
    # the first kind the schema refuses at the place gives the boundary case.
    bad: Callable[[Schema], tuple[Bad, ...]]
    keys: Callable[[Schema], tuple[str, ...]] | None = None  # per key of an object, not a value


def _one(
    fixed: Callable[[Schema], Any], drawn: Callable[[Schema], st.SearchStrategy[Any]] | None = None
) -> Callable[[Schema], tuple[Bad, ...]]:
    """One kind of bad value: `fixed`, and `drawn` (or just `fixed`) for Hypothesis."""
    return lambda s: ((fixed(s), drawn(s) if drawn else st.just(fixed(s))),)


CATALOGUE: tuple[Mutation, ...] = (
    Mutation(
        "wrong-type",
        "type",
        lambda s: bool(_wrong_types(s)),
        lambda s: tuple((v, st.just(v)) for t in _wrong_types(s) for v in SAMPLES[t]),
    ),
    Mutation(
        "unknown-enum",
        "enum",
        lambda s: "enum" in s,
        _one(lambda s: _not_in_enum(s)[0], lambda s: st.sampled_from(_not_in_enum(s))),
    ),
    Mutation(
        "below-minLength", "minLength", lambda s: int(s.get("minLength", 0)) > 0, _one(_short)
    ),
    Mutation("above-maxLength", "maxLength", lambda s: "maxLength" in s, _one(_long)),
    Mutation("below-minItems", "minItems", lambda s: int(s.get("minItems", 0)) > 0, _one(_too_few)),
    Mutation(
        "above-maxItems", "maxItems", lambda s: "maxItems" in s, _one(_too_many, _too_many_drawn)
    ),
    Mutation(
        "below-minimum",
        "minimum",
        lambda s: _number(s) and ("minimum" in s or "exclusiveMinimum" in s),
        _one(_below, lambda s: st.sampled_from((_below(s), _below(s) - 10 * _step(s)))),
    ),
    Mutation(
        "above-maximum",
        "maximum",
        lambda s: _number(s) and ("maximum" in s or "exclusiveMaximum" in s),
        _one(_above, lambda s: st.sampled_from((_above(s), _above(s) + 10 * _step(s)))),
    ),
    Mutation(
        "missing-required",
        "required",
        lambda s: bool(s.get("required")),
        _one(lambda s: REMOVED),
        keys=lambda s: tuple(k for k in s.get("required", []) if isinstance(k, str)),
    ),
    Mutation(
        "unknown-key",
        "additionalProperties",
        lambda s: s.get("additionalProperties") is False,
        _one(lambda s: "a", lambda s: st.sampled_from(("a", 1, True, None))),
        keys=lambda s: (UNKNOWN_KEY,),
    ),
)


@dataclass(frozen=True)
class Violation:
    """One mutation at one place of a body."""

    mutation: Mutation
    path: tuple[Step, ...]  # from the body's root to the place (empty: the body itself)
    place: Schema  # the schema at the place (of the object, for a per-key mutation)

    @property
    def name(self) -> str:
        return self.mutation.name

    @property
    def pointer(self) -> str:
        return "/" + "/".join(str(token) for token, _ in self.path)

    def bad_values(self) -> tuple[Bad, ...]:
        return self.mutation.bad(self.place)

    def fixed_body(self, base: Any) -> Any:
        """`base` with the first fixed bad value in place."""
        return put(base, self.path, self.bad_values()[0][0])

    def applied(self, base: Any, value: Any) -> Any:
        return put(base, self.path, value)


def violations(schema: Schema, path: tuple[Step, ...] = (), depth: int = 0) -> Iterator[Violation]:
    """Every (place, mutation) of `schema` and of the schemas inside it, outermost first."""
    for mutation in CATALOGUE:
        if not mutation.applies(schema):
            continue
        if mutation.keys is None:
            yield Violation(mutation, path, schema)
        else:
            for key in mutation.keys(schema):
                yield Violation(mutation, (*path, (key, {})), schema)
    if depth >= MAX_DEPTH:
        return
    if path:  # the branches of a place: a text's minLength, a list's maxItems, at that place
        for branch in branches_of(schema):
            here = (*path[:-1], (path[-1][0], branch))
            for found in violations(branch, here, depth + 1):
                # A wrong type for one branch may be right for another: judged above, whole.
                if not (found.name == "wrong-type" and found.path == here):
                    yield found
    for key, sub in schema.get("properties", {}).items():
        if isinstance(sub, dict):
            yield from violations(sub, (*path, (key, sub)), depth + 1)
    items = schema.get("items")
    if isinstance(items, dict) and "array" in types_of(schema):
        yield from violations(items, (*path, (0, items)), depth + 1)


# --- valid values, and writing a bad one into a body -------------------------------------------


def example(schema: Any) -> Any:
    """A small valid value of `schema` (its default, first enum value, minimum, ...)."""
    if not isinstance(schema, dict):
        return "a"
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        values = list(schema["enum"])
        return schema["default"] if schema.get("default") in values else values[0]
    if "default" in schema:
        return schema["default"]
    branches = branches_of(schema)
    if branches:
        return example(branches[0])
    kinds = types_of(schema)
    if "object" in kinds:
        props = schema.get("properties", {})
        return {k: example(props.get(k, {})) for k in schema.get("required", [])}
    if "array" in kinds:
        return [example(schema.get("items", {}))] * max(int(schema.get("minItems", 0)), 1)
    if "string" in kinds:
        return "a" * max(int(schema.get("minLength", 1)), 1)
    if "boolean" in kinds:
        return True
    if kinds & {"integer", "number"}:
        return _number_example(schema, "integer" in kinds)
    if "null" in kinds:
        return None
    return "a"


def _number_example(schema: Schema, integer: bool) -> Any:
    if "minimum" in schema:
        return schema["minimum"]
    if "exclusiveMinimum" in schema:
        return schema["exclusiveMinimum"] + (1 if integer else 0.5)
    if "maximum" in schema or "exclusiveMaximum" in schema:
        top = schema.get("maximum", schema.get("exclusiveMaximum", 1) - 1)
        return min(top, 1)
    return 1


def _fits(value: Any, token: str | int, schema: Schema) -> bool:
    """Whether `value` can hold `token` as the place's schema has it (a branch's required keys
    present: a batch item of another branch is replaced, not patched)."""
    if isinstance(token, int):
        return isinstance(value, list) and len(value) > token
    required = [k for k in schema.get("required", []) if isinstance(k, str)]
    return isinstance(value, dict) and all(k in value for k in required)


def put(body: Any, path: tuple[Step, ...], value: Any) -> Any:
    """A copy of `body` with `value` at `path` (REMOVED: the key deleted); containers on the
    way that are missing or of another shape are replaced by an example of their schema."""
    if not path:
        return value
    root = copy.deepcopy(body)
    node = root
    for index, (token, schema) in enumerate(path):
        last = index == len(path) - 1
        if last:
            if value is REMOVED:
                if isinstance(node, dict):
                    node.pop(token, None)
            else:
                node[token] = value
            break
        nxt = path[index + 1][0]
        child = node.get(token) if isinstance(node, dict) else node[token]
        if not _fits(child, nxt, schema):
            child = example(schema)
            if not _fits(child, nxt, schema):
                child = [example(schema.get("items", {}))] if isinstance(nxt, int) else {}
            node[token] = child
        node = child
    return root
