"""jsonschema-rs and python-jsonschema agree on every schema we judge with; compaction never
changes python-jsonschema's verdict; variants are told apart."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from embedcheck.conformance.generation import openai as O
from embedcheck.conformance.generation import payloads as P
from embedcheck.conformance.generation.limits import model_limits
from embedcheck.schemas import effective_schema, models
from embedcheck.schemas.instances import from_schema, keys_mentioned
from embedcheck.schemas.validators import NOT_JSON_NUMBER, compact, compile_schema, compiled

MODEL_IDS = [m.id for m in models() if m.provider == "workers-ai"]
EFFECTIVE = [
    *((m, role) for m in MODEL_IDS for role in ("input", "output")),
    ("openai-embeddings", "request"),
    ("openai-embeddings", "response"),
    ("openai-embeddings", "error"),
    ("cloudflare-v4", "success"),
    ("cloudflare-v4", "error"),
    ("workers-ai-queue", "pending"),
    ("workers-ai-queue", "poll-request"),
    ("workers-ai-queue", "result"),
]
SCHEMAS = [
    ("@cf/baai/bge-m3", "output"),
    ("@cf/baai/bge-base-en-v1.5", "output"),
    ("openai-embeddings", "response"),
    ("cloudflare-v4", "success"),
    ("cloudflare-v4", "error"),
    ("workers-ai-queue", "result"),
]

numbers = st.one_of(
    st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 2.0])
)
leaves = st.one_of(numbers, st.booleans(), st.none(), st.sampled_from(["mean", "cls", "list", "x"]))
KEYS = ["data", "shape", "response", "pooling", "request_id", "result", "success", "errors",
        "messages", "object", "index", "embedding", "usage", "id", "score", "responses",
        "prompt_tokens", "total_tokens", "model", "code", "message"]  # fmt: skip
json_like = st.recursive(
    leaves | st.lists(numbers, min_size=0, max_size=8),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=30,
)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _instances(subject: str, role: str) -> st.SearchStrategy[Any]:
    """Near-valid instances of the schema (every key it mentions may appear anywhere), and for
    model inputs the suite's own positive and negative payloads."""
    schema = effective_schema(subject, role)
    shaped = from_schema(schema, sorted(keys_mentioned(schema)))
    if role == "input" and subject in MODEL_IDS:
        limits = model_limits(subject)
        valid = [P.variant_payloads(limits, v) for v in limits.layout.inputs]
        payloads = st.one_of(valid) | P.invalid_payloads(subject)
        return shaped | json_like | payloads.map(lambda p: p.body)
    if (subject, role) == O.OPENAI_REQUEST:
        payloads = O.openai_payloads(MODEL_IDS[0]) | O.openai_invalid_payloads(MODEL_IDS[0])
        return shaped | json_like | payloads.map(lambda p: p.body)
    return shaped | json_like


@pytest.mark.parametrize(("subject", "role"), EFFECTIVE, ids=["/".join(p) for p in EFFECTIVE])
def test_both_libraries_agree_on_every_effective_schema(subject: str, role: str) -> None:
    schema = compiled(subject, role)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_instances(subject, role))
    def agree(instance: Any) -> None:
        assume(_finite(instance))  # NaN and Infinity: the one known difference, tested below
        full = schema.whole.is_valid(instance)
        assert schema.is_valid(instance) == full
        assert schema.matching(instance) == [
            n for n, v in schema.variants if v.full.is_valid(instance)
        ]
        assert (schema.problem(instance) == "") == full

    agree()


def test_nan_is_refused_and_said_so() -> None:
    schema = compiled("@cf/baai/bge-base-en-v1.5", "output")
    output: dict[str, Any] = {"shape": [1, 3], "data": [[0.1, math.nan, 0.3]]}
    assert schema.whole.is_valid(output)  # python-jsonschema takes NaN for a number
    assert not schema.is_valid(output)
    assert schema.problem(output) == NOT_JSON_NUMBER


def test_a_lone_surrogate_is_judged_without_crashing() -> None:
    schema = compiled("@cf/baai/bge-base-en-v1.5", "input")
    assert schema.is_valid({"text": "\ud800"})  # jsonschema-rs cannot take it in; python judges
    assert not schema.is_valid({"text": ["\ud800"] * 101})
    assert "maxItems" in schema.problem({"text": ["\ud800"] * 101})


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SCHEMAS), json_like)
def test_compaction_keeps_every_verdict(subject_role: tuple[str, str], instance: Any) -> None:
    schema = compiled(*subject_role)
    assert schema.compactable
    raw = schema.whole.is_valid(instance)
    assert schema.whole.is_valid(compact(instance)) == raw
    for _, variant in schema.variants:
        assert variant.full.is_valid(compact(instance)) == variant.full.is_valid(instance)


def test_compaction_is_refused_where_sizes_or_values_matter() -> None:
    assert not compile_schema({"type": "array", "minItems": 5}).compactable
    assert not compile_schema({"items": {"type": "number", "maximum": 1}}).compactable
    assert not compile_schema({"enum": [[1, 2, 3, 4]]}).compactable
    assert not compile_schema({"$defs": {"x": {}}, "$ref": "#/$defs/x"}).compactable
    assert compile_schema({"items": {"type": "number"}, "maxItems": 0}).compactable


def test_compact_keeps_one_number_of_each_kind() -> None:
    assert compact([1.5, 2.5, 3.5, 4.5, 5.0, 7]) == [7, 5.0, 1.5]
    assert compact({"a": [[0.1] * 5, "x"]}) == {"a": [[0.1], "x"]}
    assert compact([True, False, True, False]) == [True, False, True, False]


def test_a_refused_large_output_is_explained_quickly() -> None:
    schema = compiled("@cf/baai/bge-large-en-v1.5", "output")
    output = {"shape": [100, 1024], "data": [[0.5] * 1024 for _ in range(99)] + [["x"] * 1024]}
    assert "type" in schema.problem(output)  # compacted for python-jsonschema: milliseconds


def test_variants_are_named_and_exclusive() -> None:
    schema = compiled("@cf/baai/bge-m3", "output")
    assert [n for n, _ in schema.variants] == [
        "QueryScoresOutput", "ContextEmbeddingsOutput", "EmbeddingOutput", "AsyncResponse",
    ]  # fmt: skip
    assert schema.matching({"response": [{"id": 0, "score": 0.5}]}) == ["QueryScoresOutput"]
    assert schema.matching({"shape": [1, 2], "data": [[0.1, 0.2]]}) == ["EmbeddingOutput"]
    assert schema.matching({"shape": [1, 2], "data": [], "request_id": "x"}) == []
    assert schema.problem({"shape": [1, 2], "data": [], "request_id": "x"}) != ""
