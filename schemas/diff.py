"""Classify the changes between two JSON Schemas, as oasdiff does for OpenAPI.

Every change is first judged by its *effect* on the set of instances the schema accepts:
  narrowing  some instance valid under OLD is invalid under NEW;
  widening   some instance invalid under OLD is valid under NEW;
  both       each of the above (e.g. `type` string -> number, an enum value swapped);
  none       validation is unchanged (annotations).
The direction then says who is hurt:
  request   narrowing -> breaking-client: requests that used to be valid are rejected.
            widening  -> breaking-server: a server implementing OLD rejects or does not
                         handle requests NEW allows (clients are unaffected until they use
                         the new freedom).
  response  widening  -> breaking-client: replies may now hold what a client parsing by
                         OLD does not expect.
            narrowing -> breaking-server: replies a server built on OLD sends become invalid.
  both      -> breaking-client in either direction (deployed callers are hurt first); the
               Change's `effect` stays "both", and `--fail-on server` counts it too.
  none      -> compatible.
Inside `not` every effect flips (accepting more of the negated schema accepts less overall).

Kinds, with their effect (the class follows from the table above):
  type-narrowed / type-widened / type-changed   the declared type set shrank / grew / both;
      no `type` means any type; `integer` is part of `number`.
  enum-added (narrowing), enum-removed (widening), enum-narrowed, enum-widened,
      enum-changed (both)   `const: x` counts as `enum: [x]`; order of values is ignored.
  constraint-added (narrowing), constraint-removed (widening), constraint-tightened
      (narrowing), constraint-relaxed (widening), constraint-changed (both)
      minLength/maxLength, minItems/maxItems, minProperties/maxProperties, minimum/maximum,
      exclusive bounds, multipleOf (a new multiple of the old one tightens), uniqueItems;
      pattern and format can only be "added", "removed" or "changed" (two regexes cannot be
      ordered). A count bound of 0 and `uniqueItems: false` assert nothing and equal absence.
      Keywords this diff does not take apart (patternProperties, propertyNames, contains,
      dependent*, unevaluated*, if/then/else) follow the same added/removed/changed rule.
  required-added (narrowing), required-removed (widening)   one change per key.
  property-added (widening)   a key NEW declares and OLD did not. This is about meaning: an
      implementation of OLD does not know the key (a server ignores it, a client does not
      read it), so a new optional request property breaks servers, not clients; a new
      response property breaks clients. When OLD forbade undeclared keys
      (`additionalProperties: false`) it is also a plain widening.
  property-restricted (narrowing)   reported beside property-added when OLD allowed the key
      with any value (no `additionalProperties: false`, as in every upstream schema): by JSON
      Schema, declaring `pooling: {enum: [mean, cls]}` *narrows* what the key may hold —
      `{"text": "a", "pooling": 7}` was valid and is now rejected. So the real bge-base change
      shows one breaking-server (servers must implement `pooling`) and one breaking-client
      line (odd values are now refused) for the same property. When OLD's
      additionalProperties was a schema, NEW's property is diffed against that schema.
  property-removed   meaning lost: the clients that send (request) or read (response) the key
      lose it, so it is breaking-client either way; beside it property-unrestricted (widening)
      or property-forbidden (narrowing, when NEW sets `additionalProperties: false`) tells
      what the key may now hold.
  additional-properties-{restricted,forbidden} (narrowing), -{unrestricted,allowed}
      (widening)   for keys neither side declares; items-* and prefix-item-* likewise for
      array items (absent means anything). Two subschemas on both sides are diffed instead.
  variant-added (widening), variant-removed (narrowing)   in oneOf/anyOf.
  variant-overlap (narrowing)   a new oneOf variant that some instance OLD accepted also fits
      another variant: under oneOf that instance is now invalid. Reported only with a proof:
      an instance found by a short deterministic Hypothesis search, valid under OLD and under
      both variants (the upstream output gained an async variant that every reply matches).
  subschema-added (narrowing), subschema-removed (widening)   in allOf.
  combinator-changed   oneOf -> anyOf widens (instances fitting two variants pass), anyOf ->
      oneOf narrows.
  variants-introduced / variants-collapsed (none)   a single schema became a oneOf/anyOf, or
      the reverse: the single schema is paired with its best variant and diffed with it;
      the other variants are reported as added (or removed).
  How variants are compared: `C + oneOf[V1..Vn]` accepts exactly what `oneOf[C+V1..C+Vn]`
      accepts, so each variant is merged with the keywords beside it (C) and the merged
      variants are paired (`embedcheck.schemas.diff_variants`: x-embedcheck-name, then title, then
      structure) and diffed. Moving `type` from the variants up to the oneOf holder is thus
      no change; a change to C is reported once. When C and a variant set the same keyword
      differently the merge would not be exact, so C and the bare variants are compared
      keyword by keyword instead.
  schema-forbidden (narrowing), schema-allowed (widening)   a subschema became or stopped
      being `false`.
  default-changed   in a request: both (a request that leaves the key out now asks for
      something else; upstream kept `pooling`'s default `mean` for exactly that reason); in a
      response: none. default-added / default-removed: none.
  description-changed, title-changed, examples-changed, annotation-changed (none)   keys
      validators ignore, including x-* extensions and upstream's `contentType`.

Limits, stated so the classes can be trusted for what they claim: each keyword is judged on
its own (minimum -> exclusiveMinimum shows as one removed and one added bound); a constraint
counts even where the type makes it moot; local `$ref`s are followed (pointers then follow
the referencing place), remote ones are compared as strings; overlaps between variants that
both existed before are not searched (`schemas lint` does that).

Paths are JSON pointers into NEW ("" is the root); removals point where the thing was.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict
from typing import Any

from embedcheck.schemas.diff_model import (
    CLASSIFICATIONS,
    Change,
    Classification,
    Direction,
)
from embedcheck.schemas.diff_walk import walk

# The change model (Change, Direction, Effect, Party, classify) has one address: diff_model.
__all__ = [
    "change_as_json",
    "count_by_class",
    "diff_schemas",
    "direction_for",
    "format_changes",
    "format_summary",
]

_REQUEST_WORDS = frozenset({"input", "inputs", "request", "requests", "req"})
_RESPONSE_WORDS = frozenset(
    {"output", "outputs", "response", "responses", "resp", "result", "error", "success", "pending"}
)


def diff_schemas(old: Any, new: Any, *, direction: Direction) -> list[Change]:
    """Every change from OLD to NEW, classified for a request or a response schema, in walk
    order: a node's own keywords, then its properties, items and variants, annotations last."""
    return walk(old, new, direction)


def direction_for(name: str) -> Direction | None:
    """Guess from a role or file name: input/request -> request; output/response (and the
    reply roles result, error, success, pending) -> response; None when unclear."""
    stem = name.rsplit("/", 1)[-1].removesuffix(".json").lower()
    words = set(re.split(r"[^a-z]+", stem))
    is_request, is_response = bool(words & _REQUEST_WORDS), bool(words & _RESPONSE_WORDS)
    if is_request == is_response:
        return None
    return "request" if is_request else "response"


def _shown_path(path: str) -> str:
    return path or "/"


def format_changes(changes: list[Change]) -> str:
    """One line per change, columns aligned: class, path, kind, detail."""
    if not changes:
        return ""
    path_width = max(len(_shown_path(c.path)) for c in changes)
    kind_width = max(len(c.kind) for c in changes)
    class_width = max(len(name) for name in CLASSIFICATIONS)
    lines = [
        f"{c.classification:<{class_width}}  {_shown_path(c.path):<{path_width}}  "
        f"{c.kind:<{kind_width}}  {c.detail}"
        for c in changes
    ]
    return "\n".join(lines)


def count_by_class(changes: list[Change]) -> dict[Classification, int]:
    counts = Counter(c.classification for c in changes)
    return {name: counts[name] for name in CLASSIFICATIONS}


def format_summary(changes: list[Change]) -> str:
    if not changes:
        return "no changes"
    counts = ", ".join(f"{n} {name}" for name, n in count_by_class(changes).items())
    noun = "change" if len(changes) == 1 else "changes"
    return f"{len(changes)} {noun}: {counts}"


def change_as_json(change: Change) -> dict[str, Any]:
    return asdict(change)
