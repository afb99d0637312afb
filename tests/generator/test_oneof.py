"""The generated OneOf base: exactly one branch, told apart by keys, with readable errors."""

from __future__ import annotations

import pydantic
import pytest

from generated._oneof import VariantKeys
from generated.models import bge_m3


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
        assert type(bge_m3.Output.model_validate(value).root) is branch


def test_errors_say_why_no_branch_fits() -> None:
    with pytest.raises(pydantic.ValidationError, match="fits none of QueryScoresOutput") as caught:
        bge_m3.Output.model_validate({"shape": [1]})
    assert "EmbeddingOutput needs shape, data and no response or request_id" in str(caught.value)
    with pytest.raises(pydantic.ValidationError, match=r"as EmbeddingOutput: shape\.0"):
        bge_m3.Output.model_validate({"data": [], "shape": ["x"]})
    with pytest.raises(pydantic.ValidationError, match="valid dictionary"):
        bge_m3.Output.model_validate(["not", "an", "object"])


def test_model_instances_pass_through() -> None:
    request = bge_m3.EmbedRequest.model_validate({"text": "a"})
    item = bge_m3.RequestsItem.model_validate(request)
    assert item.root is request
    batch = bge_m3.BatchInput.model_validate({"requests": [request, {"contexts": []}]})
    assert isinstance(batch.requests[1].root, bge_m3.QueryContextsRequest)
    assert bge_m3.Input.model_validate(batch).root is batch
