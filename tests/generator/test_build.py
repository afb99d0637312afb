"""The render model the templates format: which methods each model gets, found by keys."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import workers_ai_embeddings
import workers_ai_embeddings.errors

from embedcheck.generator.build import build_package
from embedcheck.generator.errors import GeneratorError
from embedcheck.generator.render_model import Option, Package, ParamType
from embedcheck.generator.source import TransformedSource, VendoredSource


@pytest.fixture(scope="module")
def package() -> Package:
    return build_package(VendoredSource(), "workers_ai_embeddings")


def test_models_methods_and_options(package: Package) -> None:
    by_slug = {client.slug: client for client in package.clients}
    assert list(by_slug) == sorted(by_slug)
    small = by_slug["bge-small-en-v1.5"]
    assert small.embed is not None and small.embed.chunk_size == 100
    assert small.embed.options == (
        Option("pooling", "pooling", ParamType("literal", ("mean", "cls"))),
    )
    assert small.contexts is None and small.batch is not None
    assert small.batch.item_classes == ("EmbedInput",)
    m3 = by_slug["bge-m3"]
    assert m3.embed is not None and [o.key for o in m3.embed.options] == ["truncate_inputs"]
    assert m3.contexts is not None and m3.contexts.scores_class == "QueryScoresOutput"
    assert m3.batch is not None
    assert m3.batch.item_classes == ("QueryContextsRequest", "EmbedRequest")  # the union's branches
    assert [o.key for o in package.openai.options] == ["encoding_format", "dimensions", "user"]


def test_exported_error_names_are_exactly_the_error_classes(package: Package) -> None:
    defined = {
        name
        for name, value in vars(workers_ai_embeddings.errors).items()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    assert set(package.error_names) == defined
    assert set(package.exports) == set(workers_ai_embeddings.__all__)


def test_options_never_shadow_names_the_methods_use() -> None:
    def transform(subject: str, role: str, schema: Any) -> Any:
        if subject != "@cf/baai/bge-base-en-v1.5" or role != "input":
            return schema
        out = copy.deepcopy(schema)
        for key in ("list", "body", "bge_m3", "self", "items", "class"):
            out["oneOf"][0]["properties"][key] = {"type": "string"}
        return out

    built = build_package(TransformedSource(VendoredSource(), transform), "workers_ai_embeddings")
    base = next(c for c in built.clients if c.slug == "bge-base-en-v1.5")
    assert base.embed is not None
    params = {o.key: o.param for o in base.embed.options}
    assert params == {
        "pooling": "pooling",
        "list": "list_2",
        "body": "body_2",
        "bge_m3": "bge_m3_2",
        "self": "self_2",
        "items": "items_2",
        "class": "class_",
    }


def test_outputs_without_required_keys_are_refused() -> None:
    def raw_output(subject: str, role: str, schema: Any) -> Any:
        if role != "output" or not subject.startswith("@cf/"):
            return schema
        out = copy.deepcopy(schema)
        for branch in out["oneOf"]:
            branch.pop("required", None)
            branch.pop("not", None)
        return out

    with pytest.raises(GeneratorError, match="cannot be told apart"):
        build_package(TransformedSource(VendoredSource(), raw_output), "workers_ai_embeddings")
