"""Schema pre-processing: stable class names, shared classes, oneOf keys, integer shapes."""

from __future__ import annotations

import pytest

from embedcheck.generator.errors import GeneratorError
from embedcheck.generator.prepare import ModuleSchema, OneOfClass, VariantKeys
from embedcheck.generator.source import VendoredSource


def m3_module() -> ModuleSchema:
    source = VendoredSource()
    module = ModuleSchema()
    module.add_root("Input", source.schema("@cf/baai/bge-m3", "input"), keep_titles=False)
    module.add_root("Output", source.schema("@cf/baai/bge-m3", "output"), keep_titles=False)
    return module


def test_class_names_come_from_stable_names_and_upstream_titles_are_dropped() -> None:
    module = m3_module()
    assert {"QueryContextsInput", "EmbedInput", "BatchInput", "Text", "TextBatch"} <= set(
        module.defs
    )
    titles = {d.get("title") for d in module.defs.values()}
    assert not any("BGE" in str(t) or "Ouput" in str(t) for t in titles)


def test_identical_named_schemas_share_one_class() -> None:
    module = m3_module()
    # `Text` appears in the direct input and in each queued request: one class.
    assert [name for name in module.defs if name.startswith("Text")] == ["Text", "TextBatch"]


def test_one_of_keys_come_from_required_and_not() -> None:
    one_ofs = m3_module().one_ofs
    assert set(one_ofs) == {"Input", "Output", "RequestsItem"}
    assert one_ofs["Output"].variants[2] == VariantKeys(
        "EmbeddingOutput", ("shape", "data"), (("response",), ("request_id",))
    )
    assert one_ofs["Input"] == OneOfClass(
        "Input",
        (
            VariantKeys("QueryContextsInput", ("contexts",), ()),
            VariantKeys("EmbedInput", ("text",), ()),
            VariantKeys("BatchInput", ("requests",), ()),
        ),
    )


def test_shape_becomes_integers_and_not_is_left_to_the_one_of_class() -> None:
    module = m3_module()
    assert module.defs["EmbeddingOutput"]["properties"]["shape"]["items"]["type"] == "integer"
    assert all("not" not in module.defs[v.label] for v in module.one_ofs["Output"].variants)


def test_a_property_named_title_is_a_property_not_a_title() -> None:
    module = ModuleSchema()
    schema = {"type": "object", "properties": {"title": {"type": "string"}, "x": {"title": "X"}}}
    module.add_root("Thing", schema, keep_titles=False)
    assert set(module.defs["Thing"]["properties"]) == {"title", "x"}
    assert module.defs["Thing"]["properties"]["x"] == {}  # an upstream title, dropped


def test_unsupported_not_is_a_clear_error() -> None:
    schema = {
        "type": "object",
        "oneOf": [
            {
                "properties": {"a": {}},
                "required": ["a"],
                "not": {"properties": {"b": {"const": 1}}},
            },
            {"properties": {"b": {}}, "required": ["b"]},
        ],
    }
    with pytest.raises(GeneratorError, match="only `not` over required keys"):
        ModuleSchema().add_root("Broken", schema, keep_titles=False)


def test_unnamed_variants_are_named_by_what_they_hold_never_by_number() -> None:
    schema = {
        "type": "object",
        "oneOf": [
            {"properties": {"text": {}, "n": {}}, "required": ["text"]},
            {"properties": {"requests": {}}, "required": ["requests"]},
        ],
        "properties": {
            "input": {
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "maxItems": 3, "items": {"type": "integer"}},
                    {"type": "array", "items": {"type": "array", "minItems": 1}},
                ]
            }
        },
    }
    module = ModuleSchema()
    module.add_root("Thing", schema, keep_titles=False)
    assert [v.label for v in module.one_ofs["Thing"].variants] == [
        "ThingWithText",
        "ThingWithRequests",
    ]
    # Constrained branches and items become classes (as datamodel-code-generator would make
    # them anyway), under names chosen here; the unconstrained third branch stays inline.
    assert sorted(module.defs) == [
        "InputIntegerList",
        "InputString",
        "InputValueListListItem",
        "Thing",
        "ThingWithRequests",
        "ThingWithText",
    ]
