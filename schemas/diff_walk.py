"""The recursive walk of two schemas side by side; the rules are documented in `diff`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from embedcheck.schemas.diff_keywords import (
    canonical,
    compare_annotations,
    compare_assertions,
    compare_default,
    describe,
    is_trivially_false,
    is_trivially_true,
    show,
)
from embedcheck.schemas.diff_model import (
    Change,
    Direction,
    Effect,
    classify,
    client_breaking_effect,
    flipped,
)
from embedcheck.schemas.diff_variants import (
    UNIONS,
    Matching,
    clashes,
    match_variants,
    merged_variant,
    overlap_witness,
    variant_context,
)
from embedcheck.schemas.lint import variant_label


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class _At:
    """Where a node sits in NEW. A node merged from a variant and its holder's keywords keeps,
    per keyword (or "properties/<name>"), the pointer of the part it came from."""

    base: str
    origins: Mapping[str, str] = field(default_factory=dict)

    def key(self, *tokens: str) -> str:
        origin = self.origins.get("/".join(tokens[:2])) if len(tokens) > 1 else None
        if origin is None:
            origin = self.origins.get(tokens[0], self.base)
        return origin + "".join("/" + _escape(token) for token in tokens)

    def child(self, *tokens: str) -> _At:
        return _At(self.key(*tokens))

    def merged(self, from_variant: frozenset[str], variant_base: str) -> _At:
        # Layered: a variant nested in a merged variant keeps the outer origins.
        return _At(self.base, {**self.origins, **{token: variant_base for token in from_variant}})


def _union_keyword(schema: dict[str, Any]) -> str | None:
    """The one of oneOf/anyOf this node holds, if exactly one."""
    held = [k for k in UNIONS if isinstance(schema.get(k), list)]
    return held[0] if len(held) == 1 else None


def _clashing(schema: dict[str, Any], keyword: str) -> bool:
    context = variant_context(schema, keyword)
    return any(isinstance(v, dict) and clashes(context, v) for v in schema[keyword])


def _merged_variants(schema: dict[str, Any], keyword: str | None) -> list[Any]:
    """The variants of `schema[keyword]` merged with their holder; [schema] without one."""
    if keyword is None:
        return [schema]
    context = variant_context(schema, keyword)
    return [merged_variant(context, variant)[0] for variant in schema[keyword]]


def _resolve_pointer(root: Any, pointer: str) -> Any:
    node = root
    for raw in pointer.split("/")[1:] if pointer else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


class _Walker:
    def __init__(self, old_root: Any, new_root: Any, direction: Direction) -> None:
        self.old_root = old_root
        self.new_root = new_root
        self.direction = direction
        self.changes: list[Change] = []
        self.negated = False
        self.expanding: set[tuple[str, str]] = set()

    def emit(self, path: str, kind: str, effect: Effect, detail: str) -> None:
        if self.negated:
            effect = flipped(effect)
        self.changes.append(Change(path, kind, classify(effect, self.direction), detail, effect))

    # -- nodes -------------------------------------------------------------------------------

    def _resolved(self, schema: Any, root: Any) -> tuple[str, Any]:
        """A local `$ref` replaced by its target (its siblings kept); other nodes unchanged."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#")):
            return "", schema
        target = _resolve_pointer(root, ref[1:])
        if target is None:
            return "", schema
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if not siblings:
            return ref, target
        return ref, {**(target if isinstance(target, dict) else {}), **siblings}

    def node(self, old: Any, new: Any, at: _At) -> None:
        old_ref, old_resolved = self._resolved(old, self.old_root)
        new_ref, new_resolved = self._resolved(new, self.new_root)
        if not (old_ref or new_ref):
            self._node(old, new, at)
            return
        key = (old_ref, new_ref)
        if key in self.expanding:  # a recursive schema: the refs were compared one level up
            return
        self.expanding.add(key)
        try:
            self._node(old_resolved, new_resolved, at)
        finally:
            self.expanding.discard(key)

    def _node(self, old: Any, new: Any, at: _At) -> None:
        old_false, new_false = is_trivially_false(old), is_trivially_false(new)
        if old_false or new_false:
            if not old_false:
                self.emit(at.base, "schema-forbidden", "narrowing", "now `false`: accepts nothing")
            elif not new_false:
                text = f"was `false` (accepted nothing), now accepts {describe(new)}"
                self.emit(at.base, "schema-allowed", "widening", text)
            return
        old = {} if old is True else old
        new = {} if new is True else new
        if not (isinstance(old, dict) and isinstance(new, dict)):
            if canonical(old) != canonical(new):
                text = f"changed from {show(old)} to {show(new)} (not a schema)"
                self.emit(at.base, "schema-changed", "both", text)
            return
        if self._union_variants(old, new, at):
            return
        for finding in compare_assertions(old, new) + compare_default(old, new, self.direction):
            self.emit(at.key(finding.keyword), finding.kind, finding.effect, finding.detail)
        self._properties(old, new, at)
        self._slot(
            old.get("additionalProperties"),
            new.get("additionalProperties"),
            at.child("additionalProperties"),
            "additional-properties",
            "undeclared properties",
        )
        self._items(old, new, at)
        self._unions(old, new, at)
        self._variants("allOf", "allOf", old, new, at)
        self._negation(old, new, at)
        if old.get("$ref") != new.get("$ref"):  # a remote or unresolvable reference
            text = f"$ref changed from {show(old.get('$ref'))} to {show(new.get('$ref'))}"
            self.emit(at.key("$ref"), "ref-changed", "both", text)
        for finding in compare_annotations(old, new):
            self.emit(at.key(finding.keyword), finding.kind, finding.effect, finding.detail)

    def _slot(self, old: Any, new: Any, at: _At, label: str, noun: str) -> None:
        """Compare what one place (a property, additionalProperties, items) accepts, where
        absent means anything. `label` starts the kind, `noun` names the place in the detail."""
        if isinstance(old, dict) and isinstance(new, dict):
            self.node(old, new, at)
            return
        old_open, new_open = (
            old is None or is_trivially_true(old),
            new is None or is_trivially_true(new),
        )
        old_closed, new_closed = is_trivially_false(old), is_trivially_false(new)
        if (old_open and new_open) or (old_closed and new_closed):
            return
        if new_closed:
            text = f"{noun} now forbidden (was {describe(old)})"
            self.emit(at.base, f"{label}-forbidden", "narrowing", text)
        elif old_closed:
            text = f"{noun} now allowed: {describe(new)} (was forbidden)"
            self.emit(at.base, f"{label}-allowed", "widening", text)
        elif old_open:
            text = f"{noun} now restricted to {describe(new)} (was any value)"
            self.emit(at.base, f"{label}-restricted", "narrowing", text)
        elif new_open:
            text = f"{noun} now accepts any value (was {describe(old)})"
            self.emit(at.base, f"{label}-unrestricted", "widening", text)
        else:
            self.node(old, new, at)

    # -- objects and arrays ------------------------------------------------------------------

    def _properties(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        old_props = old.get("properties") if isinstance(old.get("properties"), dict) else {}
        new_props = new.get("properties") if isinstance(new.get("properties"), dict) else {}
        assert isinstance(old_props, dict) and isinstance(new_props, dict)
        names = list(old_props) + [name for name in new_props if name not in old_props]
        for name in names:
            where = at.child("properties", name)
            if name in old_props and name in new_props:
                self.node(old_props[name], new_props[name], where)
            elif name in new_props:
                self._property_added(name, new_props[name], old.get("additionalProperties"), where)
            else:
                self._property_removed(
                    name, old_props[name], new.get("additionalProperties"), where
                )

    def _property_added(self, name: str, schema: Any, was: Any, at: _At) -> None:
        who = "servers implementing" if self.direction == "request" else "clients built on"
        text = f"property {name!r} added ({describe(schema)}); {who} OLD do not know it"
        if is_trivially_false(was):
            self.emit(
                at.base, "property-added", "widening", text + " (undeclared keys were forbidden)"
            )
            return
        self.emit(at.base, "property-added", "widening", text)
        self._slot(was, schema, at, "property", f"property {name!r}")

    def _property_removed(self, name: str, schema: Any, now: Any, at: _At) -> None:
        who = "send" if self.direction == "request" else "read"
        text = f"property {name!r} removed (was {describe(schema)}); clients that {who} it lose it"
        self.emit(at.base, "property-removed", client_breaking_effect(self.direction), text)
        self._slot(schema, now, at, "property", f"property {name!r}")

    def _items(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        old_items, new_items = old.get("items"), new.get("items")
        if isinstance(old_items, list) or isinstance(new_items, list):  # draft-4 tuples
            if canonical(old_items) != canonical(new_items):
                text = f"tuple items changed from {show(old_items)} to {show(new_items)}"
                self.emit(at.key("items"), "constraint-changed", "both", text)
            return
        old_prefix = old.get("prefixItems") if isinstance(old.get("prefixItems"), list) else []
        new_prefix = new.get("prefixItems") if isinstance(new.get("prefixItems"), list) else []
        assert isinstance(old_prefix, list) and isinstance(new_prefix, list)
        for index in range(max(len(old_prefix), len(new_prefix))):
            before = old_prefix[index] if index < len(old_prefix) else old_items
            after = new_prefix[index] if index < len(new_prefix) else new_items
            where = at.child("prefixItems", str(index))
            self._slot(before, after, where, "prefix-item", f"array item #{index}")
        self._slot(old_items, new_items, at.child("items"), "items", "array items")

    # -- combinators -------------------------------------------------------------------------

    def _union_variants(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> bool:
        """Compare nodes holding a oneOf/anyOf variant by variant.

        `C + oneOf[V1..Vn]` accepts what `oneOf[C+V1 .. C+Vn]` accepts (likewise for anyOf),
        so each variant is merged with the keywords beside it and the merged variants are
        paired and diffed: moving `type` from the variants up to their holder is then no
        change at all. A side without a union counts as one variant, which is how "a single
        schema became a oneOf" pairs OLD with its best variant and reports the rest as added.
        A change to the holder's own keywords shows once per pair; `walk` drops the repeats.
        """
        old_kw, new_kw = _union_keyword(old), _union_keyword(new)
        if old_kw is None and new_kw is None:
            return False
        for keyword, schema in ((old_kw, old), (new_kw, new)):
            if keyword is None and any(k in schema for k in UNIONS):
                return False  # oneOf beside anyOf: compared keyword by keyword instead
            if keyword is not None and not schema[keyword]:
                return False
        if old_kw and new_kw and (_clashing(old, old_kw) or _clashing(new, new_kw)):
            return False  # the holder and a variant disagree: compared keyword by keyword
        old_variants = _merged_variants(old, old_kw)
        new_merged = (
            [merged_variant(variant_context(new, new_kw), v) for v in new[new_kw]]
            if new_kw
            else [(new, frozenset[str]())]
        )
        new_variants = [schema for schema, _ in new_merged]
        matching = match_variants(old_variants, new_variants)
        self._union_shape(old, new, old_kw, new_kw, matching, at)
        for new_index, old_index in matching.old_for_new.items():
            where = at
            if new_kw:
                where = at.merged(new_merged[new_index][1], at.key(new_kw, str(new_index)))
            self.node(old_variants[old_index], new_variants[new_index], where)
        if new_kw:
            self._added_variants(new_kw, matching.added, old, new, new_variants, at)
        elif matching.added:
            self.emit(at.base, "variant-added", "widening", f"NEW ({describe(new)}) added")
        if old_kw:
            self._removed_variants(old_kw, matching.removed, old[old_kw], old_variants, at)
        elif matching.removed:
            self.emit(at.base, "variant-removed", "narrowing", f"OLD ({describe(old)}) removed")
        return True

    def _union_shape(
        self,
        old: dict[str, Any],
        new: dict[str, Any],
        old_kw: str | None,
        new_kw: str | None,
        matching: Matching,
        at: _At,
    ) -> None:
        """Say how the union itself changed: introduced, collapsed, or oneOf <-> anyOf."""
        if old_kw and new_kw:
            if old_kw != new_kw:
                self._combinator_changed(old_kw, new_kw, at)
            return
        if new_kw:
            count = len(new[new_kw])
            text = f"became a {new_kw} of {count} variants"
            for index in matching.old_for_new:
                text += f"; OLD continues as variant {variant_label(index, new[new_kw][index])}"
            self.emit(at.base, "variants-introduced", "none", text)
        elif old_kw:
            count = len(old[old_kw])
            text = f"the {old_kw} of {count} variants became one schema"
            for index in matching.old_for_new.values():
                text += f", continuing variant {variant_label(index, old[old_kw][index])}"
            self.emit(at.base, "variants-collapsed", "none", text)

    def _combinator_changed(self, old_kw: str, new_kw: str, at: _At) -> None:
        effect: Effect = "widening" if new_kw == "anyOf" else "narrowing"
        may = "may now" if new_kw == "anyOf" else "may no longer"
        text = f"{old_kw} became {new_kw}: instances matching several variants {may} pass"
        self.emit(at.key(new_kw), "combinator-changed", effect, text)

    def _unions(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        old_kw, new_kw = _union_keyword(old), _union_keyword(new)
        if old_kw and new_kw and old_kw != new_kw:
            self._combinator_changed(old_kw, new_kw, at)
            self._variants(old_kw, new_kw, old, new, at)
            return
        for keyword in UNIONS:
            self._variants(keyword, keyword, old, new, at)

    def _variants(
        self, old_kw: str, new_kw: str, old: dict[str, Any], new: dict[str, Any], at: _At
    ) -> None:
        """Pair the variants of OLD's `old_kw` with NEW's `new_kw` (the same keyword unless a
        oneOf became an anyOf or the reverse) and diff them as they are, unmerged."""
        absent: list[Any] | None = [] if new_kw == "allOf" else None  # no allOf = an empty one
        old_list, new_list = old.get(old_kw, absent), new.get(new_kw, absent)
        if old_list is None and new_list is None:
            return
        if not (isinstance(old_list, list) and isinstance(new_list, list)):
            # A union appearing beside another one: one more condition on every instance.
            if isinstance(new_list, list):
                text = f"{new_kw} of {len(new_list)} variants added"
                self.emit(at.key(new_kw), "constraint-added", "narrowing", text)
            elif isinstance(old_list, list):
                text = f"{old_kw} of {len(old_list)} variants removed"
                self.emit(at.key(old_kw), "constraint-removed", "widening", text)
            return
        matching = match_variants(old_list, new_list)
        for new_index, old_index in matching.old_for_new.items():
            self.node(old_list[old_index], new_list[new_index], at.child(new_kw, str(new_index)))
        if new_kw == "allOf":
            for index in matching.added:
                text = f"allOf subschema {describe(new_list[index])} added"
                self.emit(at.key(new_kw, str(index)), "subschema-added", "narrowing", text)
            for index in matching.removed:
                text = f"allOf subschema {describe(old_list[index])} of OLD removed"
                self.emit(at.key(old_kw, str(index)), "subschema-removed", "widening", text)
            return
        merged_new, merged_old = _merged_variants(new, new_kw), _merged_variants(old, old_kw)
        self._added_variants(new_kw, matching.added, old, new, merged_new, at)
        self._removed_variants(old_kw, matching.removed, old_list, merged_old, at)

    def _added_variants(
        self,
        keyword: str,
        added: list[int],
        old: dict[str, Any],
        new: dict[str, Any],
        merged: list[Any],
        at: _At,
    ) -> None:
        variants = new[keyword]
        for index in added:
            label = variant_label(index, variants[index])
            text = f"variant {label} added: {describe(merged[index])}"
            self.emit(at.key(keyword, str(index)), "variant-added", "widening", text)
            if keyword != "oneOf":
                continue
            for other in range(len(variants)):
                if other == index or (other in added and other < index):
                    continue  # each pair of new variants is searched once
                hit, instance = overlap_witness(old, merged[index], merged[other])
                if hit:
                    other_label = variant_label(other, variants[other])
                    text = (
                        f"variants {label} and {other_label} both match {show(instance)}, "
                        "which OLD accepted; under oneOf it is now invalid"
                    )
                    self.emit(at.key(keyword, str(index)), "variant-overlap", "narrowing", text)

    def _removed_variants(
        self, keyword: str, removed: list[int], old_list: list[Any], merged: list[Any], at: _At
    ) -> None:
        for index in removed:
            label = variant_label(index, old_list[index])
            text = f"variant {label} of OLD removed: {describe(merged[index])}"
            self.emit(at.key(keyword, str(index)), "variant-removed", "narrowing", text)

    def _negation(self, old: dict[str, Any], new: dict[str, Any], at: _At) -> None:
        if "not" not in old and "not" not in new:
            return
        if "not" not in old:
            text = f"not ({describe(new['not'])}) added"
            self.emit(at.key("not"), "constraint-added", "narrowing", text)
        elif "not" not in new:
            text = f"not ({describe(old['not'])}) removed"
            self.emit(at.key("not"), "constraint-removed", "widening", text)
        else:
            self.negated = not self.negated
            try:
                self.node(old["not"], new["not"], at.child("not"))
            finally:
                self.negated = not self.negated


def walk(old: Any, new: Any, direction: Direction) -> list[Change]:
    walker = _Walker(old, new, direction)
    walker.node(old, new, _At(""))
    return list(dict.fromkeys(walker.changes))  # a holder's change repeats once per variant
