"""datamodel-code-generator's known traps, each shown in its default output and pinned as fixed
in ours by running validation.

1. arrays inside a union lose maxItems/minItems (fixed upstream by 0.97; ours pinned);
2. an input's enum default leaks into an output model that declares none;
3. titles are ignored (classes named Model1, Model2...) or follow upstream titles;
4. oneOf is a plain union with anyOf semantics: a reply with both data and request_id parses.
"""

from __future__ import annotations

import copy
import sys
import types
import warnings
from functools import cache
from typing import Any

import pydantic
import pytest
from datamodel_code_generator import InputFileType, PythonVersion, generate
from datamodel_code_generator.enums import DataModelType
from pydantic import TypeAdapter
from workers_ai_embeddings.models import bge_base_en_v1_5, bge_m3, openai_embeddings

from embedcheck.schemas import effective_schema

EMBEDDING = {"shape": [1, 2], "data": [[0.6, 0.8]]}


@cache
def default_codegen(model: str) -> dict[str, Any]:
    """What datamodel-code-generator makes of a model's input + output with default options."""
    document = {
        **copy.deepcopy(effective_schema(model, "input")),
        "title": "Input",
        "$defs": {
            "Output": {**copy.deepcopy(effective_schema(model, "output")), "title": "Output"}
        },
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = generate(
            document,
            input_file_type=InputFileType.JsonSchema,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
        )
    assert isinstance(code, str)
    # A real module, so pydantic can resolve the postponed annotations; our own schemas.
    module = types.ModuleType(f"default_codegen_{model.replace('-', '_').replace('.', '_')}")
    sys.modules[module.__name__] = module
    exec(compile(code, module.__name__, "exec"), module.__dict__)
    return module.__dict__


def rejects(model: Any, value: object) -> bool:
    try:
        TypeAdapter(model).validate_python(value)
    except pydantic.ValidationError:
        return True
    return False


def test_trap_max_items_inside_a_union() -> None:
    too_many = {"text": ["t"] * 101}
    # The trap was in older datamodel-code-generator releases: default output accepted 101
    # texts. 0.97 keeps maxItems in unions (as `TypeAliasType`), so only ours is pinned here:
    # what our clients refuse must not depend on which release a user's `[generate]` installs.
    assert rejects(bge_base_en_v1_5.Input, too_many)
    assert not rejects(bge_base_en_v1_5.Input, {"text": ["t"] * 100})
    batch = {"requests": [{"text": ["t"] * 101}]}
    assert rejects(bge_base_en_v1_5.Input, batch)  # also inside the queued requests
    request = {"model": "m", "input": []}  # minItems 1 on every array branch
    assert rejects(openai_embeddings.CreateEmbeddingRequest, request)
    assert rejects(openai_embeddings.CreateEmbeddingRequest, {**request, "input": ["a"] * 2049})
    assert not rejects(openai_embeddings.CreateEmbeddingRequest, {**request, "input": ["a"] * 2048})


def test_trap_enum_default_leaking_into_an_output() -> None:
    leaked = TypeAdapter(default_codegen("bge-base-en-v1.5")["Output"]).validate_python(EMBEDDING)
    assert leaked.root.pooling == "mean"  # the trap: the reply said nothing about pooling
    ours = TypeAdapter(bge_base_en_v1_5.Output).validate_python(EMBEDDING)
    assert isinstance(ours, bge_base_en_v1_5.EmbeddingOutput) and ours.pooling is None
    assert bge_base_en_v1_5.EmbeddingOutput.model_fields["pooling"].default is None
    assert bge_base_en_v1_5.EmbedInput.model_fields["pooling"].default == "mean"  # input keeps it


def test_trap_titles_class_names_come_from_stable_names() -> None:
    assert "Input1" in default_codegen("bge-m3")  # the trap: numbered classes
    for name in ("QueryContextsInput", "EmbedInput", "BatchInput", "QueryContextsRequest"):
        assert isinstance(getattr(bge_m3, name), type)
    for name in ("QueryScoresOutput", "ContextEmbeddingsOutput", "EmbeddingOutput"):
        assert isinstance(getattr(bge_m3, name), type)
    upstream = [n for n in vars(bge_m3) if "Ouput" in n or n.startswith(("Bge", "BGE"))]
    assert upstream == []


def test_trap_one_of_with_any_of_semantics() -> None:
    both = {**EMBEDDING, "request_id": "r-1"}
    assert default_codegen("bge-base-en-v1.5")["Output"].model_validate(both)  # the trap
    with pytest.raises(pydantic.ValidationError, match="fits none of EmbeddingOutput"):
        TypeAdapter(bge_base_en_v1_5.Output).validate_python(both)
    queued = TypeAdapter(bge_base_en_v1_5.Output).validate_python({"request_id": "r-1"})
    assert isinstance(queued, bge_base_en_v1_5.AsyncResponse)
    embedded = TypeAdapter(bge_base_en_v1_5.Output).validate_python(EMBEDDING)
    assert isinstance(embedded, bge_base_en_v1_5.EmbeddingOutput)
    # bge-m3: empty contexts fit scores and context embeddings unless `not` is honoured.
    empty = TypeAdapter(bge_m3.Output).validate_python({"response": [], "shape": [0, 1024]})
    assert isinstance(empty, bge_m3.ContextEmbeddingsOutput)
    assert isinstance(
        TypeAdapter(bge_m3.Output).validate_python({"response": []}), bge_m3.QueryScoresOutput
    )


def test_input_overlaps_marked_reject_are_rejected() -> None:
    with pytest.raises(pydantic.ValidationError, match="EmbedInput, BatchInput at once"):
        TypeAdapter(bge_base_en_v1_5.Input).validate_python(
            {"text": "a", "requests": [{"text": "b"}]}
        )
    # A key of the other branch with the wrong type is just an unknown key there: valid.
    chosen = TypeAdapter(bge_base_en_v1_5.Input).validate_python(
        {"text": 5, "requests": [{"text": "b"}]}
    )
    assert isinstance(chosen, bge_base_en_v1_5.BatchInput)
    item = {"contexts": [{"text": "a"}], "text": "b"}
    with pytest.raises(pydantic.ValidationError, match="at once"):
        TypeAdapter(bge_m3.Input).validate_python({"requests": [item]})
