"""Compaction of long number lists never changes a verdict, and variants are told apart."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.validators import compact, compile_schema, compiled

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


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SCHEMAS), json_like)
def test_compaction_keeps_every_verdict(subject_role: tuple[str, str], instance: Any) -> None:
    schema = compiled(*subject_role)
    assert schema.compactable
    raw = schema.whole.is_valid(instance)
    assert schema.is_valid(instance) == raw
    assert schema.matching(instance) == [n for n, v in schema.variants if v.is_valid(instance)]
    assert (schema.problem(instance) == "") == raw


def test_compaction_is_refused_where_sizes_or_values_matter() -> None:
    assert not compile_schema({"type": "array", "minItems": 5}).compactable
    assert not compile_schema({"items": {"type": "number", "maximum": 1}}).compactable
    assert not compile_schema({"enum": [[1, 2, 3, 4]]}).compactable
    assert not compile_schema({"$ref": "#/x"}).compactable
    assert compile_schema({"items": {"type": "number"}, "maxItems": 0}).compactable


def test_compact_keeps_one_number_of_each_kind() -> None:
    assert compact([1.5, 2.5, 3.5, 4.5, 5.0, 7]) == [7, 5.0, 1.5]
    assert compact({"a": [[0.1] * 5, "x"]}) == {"a": [[0.1], "x"]}
    assert compact([True, False, True, False]) == [True, False, True, False]


def test_variants_are_named_and_exclusive() -> None:
    schema = compiled("@cf/baai/bge-m3", "output")
    assert [n for n, _ in schema.variants] == [
        "QueryScoresOutput", "ContextEmbeddingsOutput", "EmbeddingOutput", "AsyncResponse",
    ]  # fmt: skip
    assert schema.matching({"response": [{"id": 0, "score": 0.5}]}) == ["QueryScoresOutput"]
    assert schema.matching({"shape": [1, 2], "data": [[0.1, 0.2]]}) == ["EmbeddingOutput"]
    assert schema.matching({"shape": [1, 2], "data": [], "request_id": "x"}) == []
    assert schema.problem({"shape": [1, 2], "data": [], "request_id": "x"}) != ""
