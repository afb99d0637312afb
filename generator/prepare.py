"""Turn effective schemas into the one schema datamodel-code-generator reads for a module.

What happens here, and why:
- class names come from `x-embedcheck-name` (copied into `title`); upstream titles are dropped,
  since they change between versions and would rename classes. Titles of object schemas in
  files embedcheck authored itself are kept;
- every named sub-schema is lifted into `$defs` once, so identical copies share one class
  (an unnamed copy of a named schema shares it too);
- a `oneOf` whose branches are objects becomes its own class, each branch a class, and the
  keys that tell the branches apart (`required`, and `not` over required keys) are recorded:
  the generated class validates with exactly-one semantics instead of pydantic's first fit;
- `shape` (numbers upstream) is rendered as integers: it counts vectors and dimensions.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from embedcheck.generator.errors import GeneratorError
from embedcheck.generator.naming import pascal
from embedcheck.schemas.overlay import NAME_KEY

JSON = Any

# Keywords whose values are sub-schemas, by container shape.
_MAP_KEYWORDS = ("properties", "patternProperties", "dependentSchemas")
_LIST_KEYWORDS = ("oneOf", "anyOf", "allOf", "prefixItems")
_SINGLE_KEYWORDS = ("items", "additionalProperties", "contains", "propertyNames", "not")
_INTEGER_ARRAYS = frozenset({"shape"})  # array properties whose numbers are counts
_PENDING: JSON = {"$comment": "a class whose schema is still being lifted"}
_TYPE_WORDS = {
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "null": "Null",
}
_CONSTRAINTS = frozenset(
    {
        *("minLength", "maxLength", "pattern", "format"),
        *("minItems", "maxItems", "uniqueItems", "contains", "prefixItems"),
        *("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    }
)


@dataclass(frozen=True)
class VariantKeys:
    """How one object branch of a oneOf is recognised by its keys."""

    label: str  # the branch's class name
    required: tuple[str, ...]
    forbidden: tuple[tuple[str, ...], ...]  # the branch is ruled out when a whole group is present


@dataclass(frozen=True)
class OneOfClass:
    name: str
    variants: tuple[VariantKeys, ...]


@dataclass
class ModuleSchema:
    """The classes of one generated module, as `$defs`, added root by root."""

    defs: dict[str, JSON] = field(default_factory=dict)
    one_ofs: dict[str, OneOfClass] = field(default_factory=dict)

    def add_root(self, name: str, schema: JSON, *, keep_titles: bool) -> None:
        if name in self.defs:
            raise GeneratorError(f"two schemas want the class name {name!r}")
        if not isinstance(schema, dict):
            raise GeneratorError(f"the schema for {name} is not a JSON object")
        node = _normalise(copy.deepcopy(schema), keep_titles=keep_titles)
        node.pop(NAME_KEY, None)
        self.defs[name] = _PENDING  # reserve the name while the children are lifted
        self.defs[name] = {**self._lift_children(node, name), "title": name}

    def document(self, root: str) -> dict[str, JSON]:
        """A JSON Schema document: `root` at the top, every other class under `$defs`."""
        return {**self.defs[root], "$defs": {k: v for k, v in self.defs.items() if k != root}}

    def property_keys(self) -> set[str]:
        """Every property name in the module, at any depth."""
        keys: set[str] = set()

        def visit(node: JSON, _: str = "", __: bool = False) -> JSON:
            if isinstance(node, dict):
                properties = node.get("properties")
                if isinstance(properties, dict):
                    keys.update(properties)
                _map_subschemas(node, visit, "")
            return node

        for schema in self.defs.values():
            visit(schema)
        return keys

    def schema_of(self, node: JSON) -> JSON:
        """`node`, or the class it refers to."""
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return self.defs[ref.removeprefix("#/$defs/")]
        return node

    def _lift_children(self, node: dict[str, JSON], name: str) -> dict[str, JSON]:
        """`node` with its sub-schemas lifted; `name` is the class `node` will become."""
        if _is_object_one_of(node):
            variants = []
            branches = []
            for branch in node["oneOf"]:
                hint = _branch_hint(name, branch)
                ref = self._lift(_without(branch, "not"), hint, force=True)
                label = ref["$ref"].removeprefix("#/$defs/")
                groups = _forbidden_groups(branch.get("not"), label)
                variants.append(VariantKeys(label, tuple(branch.get("required", [])), groups))
                branches.append(ref)
            # The OneOf class carries the branches' `not`, which their models cannot express.
            self.one_ofs[name] = OneOfClass(name, tuple(variants))
            node = {**node, "oneOf": branches}
        return _map_subschemas(node, self._lift, name, skip_one_of=name in self.one_ofs)

    def _lift(self, node: JSON, hint: str, contained: bool = False, *, force: bool = False) -> JSON:
        """Lift a named, object-oneOf or (inside a union or list) constrained sub-schema into
        `$defs`, so that every class has a name chosen here; anything else stays inline."""
        if not isinstance(node, dict) or "$ref" in node:
            return node
        title = node.get("title")
        # A stable name always makes a class; so does a title of ours on an object schema (a
        # titled string or array stays inline, not a RootModel wrapper callers must unwrap).
        named = isinstance(title, str) and (NAME_KEY in node or _is_object_like(node))
        lift = named or force or _is_object_one_of(node) or (contained and _constrained(node))
        if not lift:
            lifted = self._lift_children(_without(node, "title"), hint)
            # An unnamed copy of a named schema is the same schema: it shares the class.
            twin = next(
                (
                    n
                    for n, d in self.defs.items()
                    if d is not _PENDING and _without(d, "title") == lifted
                ),
                None,
            )
            return lifted if twin is None else {"$ref": f"#/$defs/{twin}"}
        name = self._free_name(title if named and isinstance(title, str) else hint)
        self.defs[name] = _PENDING
        lifted = {**self._lift_children(_without(node, NAME_KEY), name), "title": name}
        twin = next(
            (n for n, d in self.defs.items() if n != name and d == {**lifted, "title": n}), None
        )
        if twin is not None and (title == twin or not named):
            del self.defs[name]
            self.one_ofs.pop(name, None)
            return {"$ref": f"#/$defs/{twin}"}
        self.defs[name] = lifted
        return {"$ref": f"#/$defs/{name}"}

    def _free_name(self, wanted: str) -> str:
        """`wanted`, or `wanted2`, `wanted3`... whichever is not taken yet."""
        candidate, counter = wanted, 1
        while candidate in self.defs:
            counter += 1
            candidate = f"{wanted}{counter}"
        return candidate


def _map_subschemas(
    node: dict[str, JSON],
    fn: Callable[[JSON, str, bool], JSON],
    name: str,
    *,
    skip_one_of: bool = False,
) -> dict[str, JSON]:
    """`node` with `fn(sub, hint, contained)` applied to each direct sub-schema (by keyword, not
    by value). `contained` is True for a union branch or an array's items: places where a
    constrained schema cannot stay an inline annotation and becomes a class of its own."""
    out = dict(node)
    for keyword in _MAP_KEYWORDS:
        if isinstance(node.get(keyword), dict):
            out[keyword] = {key: fn(sub, pascal(key), False) for key, sub in node[keyword].items()}
    for keyword in _LIST_KEYWORDS:
        if isinstance(node.get(keyword), list) and not (skip_one_of and keyword == "oneOf"):
            out[keyword] = [fn(sub, _branch_hint(name, sub), True) for sub in node[keyword]]
    for keyword in _SINGLE_KEYWORDS:
        if isinstance(node.get(keyword), dict):
            out[keyword] = fn(node[keyword], f"{name}Item", keyword == "items")
    return out


def class_name(title: str) -> str:
    """A title as a class name: kept when it already is one (`EmbedInput`), else PascalCased."""
    if title.isidentifier() and title.isascii() and title[:1].isupper():
        return title
    return pascal(title)


def _branch_hint(parent: str, branch: JSON) -> str:
    """The class name for a union branch: its own title, else what it holds (never a number)."""
    title = branch.get("title") if isinstance(branch, dict) else None
    return class_name(title) if isinstance(title, str) else parent + _shape_word(branch)


def _shape_word(node: JSON) -> str:
    """`WithText` for an object requiring `text`, `StringList` for an array of strings..."""
    if not isinstance(node, dict):
        return "Value"
    ref = node.get("$ref")
    if isinstance(ref, str):
        return class_name(ref.rsplit("/", 1)[-1])
    if _is_object_like(node):
        required = node.get("required")
        keys = required if isinstance(required, list) and required else []
        return "With" + "And".join(pascal(str(key)) for key in keys) if keys else "Object"
    declared = node.get("type")
    if declared == "array":
        return _shape_word(node.get("items", {})) + "List"
    return _TYPE_WORDS.get(declared, "Value") if isinstance(declared, str) else "Value"


def _constrained(node: JSON) -> bool:
    """A non-object schema with a keyword an inline annotation inside a union or a list cannot
    carry: datamodel-code-generator would make a class of it under a name of its own choosing."""
    return (
        isinstance(node, dict)
        and "$ref" not in node
        and not _is_object_like(node)
        and any(keyword in node for keyword in _CONSTRAINTS)
    )


def _normalise(node: JSON, *, keep_titles: bool) -> JSON:
    """Titles from stable names only, and integer shapes, throughout one schema."""
    if not isinstance(node, dict):
        return node
    out = _map_subschemas(node, lambda sub, *_: _normalise(sub, keep_titles=keep_titles), "")
    out.pop("$schema", None)  # only meaningful at a document's root, which we rebuild
    if keep_titles:
        # Our own titles name our union branches (`texts`, `tokens`), whatever their type.
        for keyword in ("oneOf", "anyOf"):
            branches = node.get(keyword)
            if isinstance(branches, list):
                out[keyword] = [
                    {**new, "title": old["title"]}
                    if isinstance(old, dict) and isinstance(old.get("title"), str)
                    else new
                    for old, new in zip(branches, out[keyword], strict=True)
                ]
    if isinstance(node.get(NAME_KEY), str):
        out["title"] = node[NAME_KEY]
    elif not (keep_titles and _is_object_like(node)):
        out.pop("title", None)
    properties = out.get("properties")
    if isinstance(properties, dict):
        for key in sorted(_INTEGER_ARRAYS & properties.keys()):
            items = properties[key].get("items") if isinstance(properties[key], dict) else None
            if isinstance(items, dict) and items.get("type") == "number":
                items["type"] = "integer"
    return out


def _is_object_one_of(node: JSON) -> bool:
    branches = node.get("oneOf") if isinstance(node, dict) else None
    if not isinstance(branches, list) or len(branches) < 2:
        return False
    return all(isinstance(b, dict) for b in branches) and (
        node.get("type") == "object" or all(_is_object_like(b) for b in branches)
    )


def _is_object_like(schema: JSON) -> bool:
    if not isinstance(schema, dict):
        return False
    return schema.get("type") == "object" or "properties" in schema or "required" in schema


def _forbidden_groups(not_schema: JSON, label: str) -> tuple[tuple[str, ...], ...]:
    """`not: {required: [...]}` or `not: {anyOf: [{required: [...]}, ...]}` as key groups."""
    if not_schema is None:
        return ()
    if _is_required_only(not_schema):
        return (tuple(not_schema["required"]),)
    if (
        isinstance(not_schema, dict)
        and set(not_schema) == {"anyOf"}
        and isinstance(not_schema["anyOf"], list)
        and all(_is_required_only(s) for s in not_schema["anyOf"])
    ):
        return tuple(tuple(s["required"]) for s in not_schema["anyOf"])
    raise GeneratorError(
        f"oneOf branch {label}: only `not` over required keys is supported, got {not_schema!r}"
    )


def _is_required_only(schema: JSON) -> bool:
    return (
        isinstance(schema, dict)
        and set(schema) == {"required"}
        and isinstance(schema["required"], list)
        and all(isinstance(key, str) for key in schema["required"])
    )


def _without(node: JSON, key: str) -> JSON:
    return {k: v for k, v in node.items() if k != key} if isinstance(node, dict) else node
