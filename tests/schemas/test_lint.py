"""`schemas lint` finds every oneOf pair one instance satisfies, and only those."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from embedcheck.cli import main
from embedcheck.schemas.lint import (
    Overlap,
    files_to_lint,
    lint_files,
    oneof_holders,
    overlaps_in,
    provably_disjoint,
)
from embedcheck.schemas.store import models, raw_schema
from tests.helpers import resolve_pointer
from tests.schemas import synthetic_model

# Every model the manifest lists: a model synced or added later is linted like the others.
MODEL_IDS = [m.id for m in models()]


def _bare_output_variants(model_id: str) -> int:
    """How many output variants declare no required keys (each pair of them matches {})."""
    variants = raw_schema(model_id, "output").get("oneOf", [])
    return sum(1 for v in variants if not v.get("required"))


@pytest.fixture(scope="module")
def raw_overlaps() -> list[Overlap]:
    return lint_files(files_to_lint([]), effective=False)


def test_raw_output_ambiguity_is_reported_for_every_model(raw_overlaps: list[Overlap]) -> None:
    for model_id in MODEL_IDS:
        bare = _bare_output_variants(model_id)
        pairs = {
            (o.first, o.second)
            for o in raw_overlaps
            if o.subject == model_id and o.role == "output" and o.instance == {}
        }
        assert len(pairs) == bare * (bare - 1) // 2, model_id  # every pair overlaps on {}
    # upstream Workers AI outputs declare no required keys at all (wire-facts)
    assert all(_bare_output_variants(m) >= 2 for m in MODEL_IDS if m.startswith("@cf/baai/"))


def test_every_reported_instance_satisfies_both_variants(raw_overlaps: list[Overlap]) -> None:
    for overlap in raw_overlaps:
        holder = resolve_pointer(raw_schema(overlap.subject, overlap.role), overlap.pointer)
        indices = [int(label.split()[0][1:]) for label in (overlap.first, overlap.second)]
        for index in indices:
            variant = {
                **{k: v for k, v in holder.items() if k != "oneOf"},
                **holder["oneOf"][index],
            }
            assert Draft202012Validator(variant).is_valid(overlap.instance), overlap.describe()


def test_effective_schemas_have_no_unacknowledged_overlap() -> None:
    found = lint_files(files_to_lint([]), effective=True)
    assert [o.describe() for o in found if not o.acknowledged] == []
    # The input overlaps remain (overlays may not change what is accepted), each acknowledged.
    assert {o.subject for o in found} <= set(MODEL_IDS)
    assert {o.role for o in found} <= {"input", "batch-input", "sync-input"}


def test_a_overlap_hidden_deep_in_a_schema_is_found() -> None:
    schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {"a": {"type": "string"}},
                            "required": ["a"],
                        },
                        {
                            "type": "object",
                            "properties": {"b": {"type": "integer"}},
                            "required": ["b"],
                        },
                    ]
                },
            }
        },
    }
    (hit,) = list(overlaps_in(schema))
    pointer, _, _, instance, acknowledged = hit
    assert pointer == "/properties/items/items"
    assert set(instance) == {"a", "b"} and not acknowledged


def test_disjoint_variants_are_not_reported() -> None:
    schema = {
        "oneOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"const": 1}}},
            {"type": "object", "required": ["a"], "properties": {"a": {"const": 2}}},
            {"type": "string", "minLength": 1},
            {"type": "array", "maxItems": 3},
        ]
    }
    assert list(overlaps_in(schema)) == []


@pytest.mark.parametrize(
    ("a", "b", "disjoint"),
    [
        ({"type": "string"}, {"type": "array"}, True),
        ({"type": "integer"}, {"type": "number"}, False),
        ({"required": ["x"]}, {"not": {"required": ["x"]}}, True),
        ({"required": ["x"]}, {"not": {"anyOf": [{"required": ["y"]}, {"required": ["x"]}]}}, True),
        ({"required": ["x"]}, {"not": {"required": ["x", "y"]}}, False),
        ({}, {}, False),
    ],
)
def test_static_disjointness_is_sound(a: dict[str, Any], b: dict[str, Any], disjoint: bool) -> None:
    assert provably_disjoint(a, b) is disjoint


def test_oneof_holders_walks_nested_schemas() -> None:
    schema = synthetic_model.input_schema()
    schema["oneOf"][1]["properties"]["requests"]["items"] = {"oneOf": [{"type": "object"}]}
    pointers = [p for p, _ in oneof_holders(schema)]
    assert pointers == [
        "",
        "/oneOf/0/properties/text",
        "/oneOf/1/properties/requests/items",
    ]


def test_cli_strict_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "lint", "bge-base-en-v1.5", "--strict"]) == 1
    out = capsys.readouterr().out
    assert "bge-base-en-v1.5 output" in out and "both match {}" in out
    assert main(["schemas", "lint", "--effective", "--strict", "bge-m3"]) == 0
    assert "no ambiguous oneOf variants" in capsys.readouterr().out


def test_cli_unknown_model_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "lint", "@cf/baai/bge-huge"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown model '@cf/baai/bge-huge'" in err
