"""The generated oneOf unions: exactly one branch, told apart by keys, with readable errors."""

from __future__ import annotations

import pydantic
import pytest
from pydantic import TypeAdapter
from workers_ai_embeddings._oneof import VariantKeys
from workers_ai_embeddings.models import bge_m3


def test_variant_keys_admit_by_required_and_forbidden_groups() -> None:
    keys = VariantKeys("X", ("a",), (("b",), ("c", "d")))
    assert keys.admits({"a": 1}) and keys.admits({"a": 1, "c": 1})
    assert not keys.admits({}) and not keys.admits({"a": 1, "b": 2})
    assert not keys.admits({"a": 1, "c": 1, "d": 1})


def test_each_reply_shape_gets_its_branch() -> None:
    cases = {
        bge_m3.QueryScoresOutput: {"response": [{"id": 0, "score": 0.5}]},
        bge_m3.ContextEmbeddingsOutput: {"response": [[0.1]], "shape": [1, 1]},
        bge_m3.EmbeddingOutput: {"data": [[0.1]], "shape": [1, 1]},
        bge_m3.AsyncResponse: {"request_id": "r"},
    }
    for branch, value in cases.items():
        assert type(TypeAdapter(bge_m3.Output).validate_python(value)) is branch


def test_errors_say_why_no_branch_fits() -> None:
    with pytest.raises(pydantic.ValidationError, match="fits none of QueryScoresOutput") as caught:
        TypeAdapter(bge_m3.Output).validate_python({"shape": [1]})
    assert "EmbeddingOutput needs shape, data and no response or request_id" in str(caught.value)
    with pytest.raises(pydantic.ValidationError, match=r"as EmbeddingOutput: shape\.0"):
        TypeAdapter(bge_m3.Output).validate_python({"data": [], "shape": ["x"]})
    with pytest.raises(pydantic.ValidationError, match="Output: expected an object, got list"):
        TypeAdapter(bge_m3.Output).validate_python(["not", "an", "object"])


def test_model_instances_pass_through_and_fields_hold_the_branch_itself() -> None:
    request = bge_m3.EmbedRequest.model_validate({"text": "a"})
    assert TypeAdapter(bge_m3.RequestsItem).validate_python(request) is request
    batch = bge_m3.BatchInput.model_validate({"requests": [request, {"contexts": []}]})
    assert batch.requests[0] is request
    assert isinstance(batch.requests[1], bge_m3.QueryContextsRequest)  # no `.root` to unwrap
    assert TypeAdapter(bge_m3.Input).validate_python(batch) is batch
    dumped = batch.model_dump(mode="json", exclude_unset=True)
    assert dumped == {"requests": [{"text": "a"}, {"contexts": []}]}
