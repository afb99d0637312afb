"""Payloads are what they claim, derived from the effective schema: valid ones fit exactly their
variant, invalid ones carry one violation each, and both follow whatever the schema says."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from embedcheck.conformance.generation import invalid as rejections
from embedcheck.conformance.generation import openai as O
from embedcheck.conformance.generation import payloads as P
from embedcheck.conformance.generation.limits import ModelLimits, model_limits
from embedcheck.conformance.generation.mutations import CATALOGUE, example, violations
from embedcheck.conformance.vocabulary import Payload, claim_problem
from embedcheck.schemas.layout import BATCH, CONTEXTS, TEXTS, read_layout
from embedcheck.schemas.validators import compiled

MODELS = ("@cf/baai/bge-small-en-v1.5", "@cf/baai/bge-m3")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_claim_holds(payload: Payload) -> None:
    assert claim_problem(payload) == "", payload.describe()


def _valid(model: str) -> st.SearchStrategy[Payload]:
    lim = model_limits(model)
    return st.one_of([P.variant_payloads(lim, v) for v in lim.layout.inputs])


@FAST
@given(st.sampled_from(MODELS).flatmap(_valid))
def test_valid_payloads_fit_exactly_their_variant(payload: Payload) -> None:
    _assert_claim_holds(payload)
    assert payload.count == (len(payload.items) if payload.queue else len(payload.texts)) >= 1
    outputs = [name for name, _ in compiled(payload.schema[0], "output").variants]
    assert payload.expects in outputs
    assert bool(payload.vectors) + bool(payload.scores) + payload.queue == 1


@FAST
@given(st.sampled_from(MODELS).flatmap(P.invalid_payloads))
def test_invalid_payloads_break_the_schema(payload: Payload) -> None:
    assert not payload.valid and payload.mutation
    assert not compiled(payload.schema[0], "input").is_valid(payload.body)


@FAST
@given(O.openai_payloads("some-model"))
def test_openai_payloads_fit_the_request_schema(payload: Payload) -> None:
    _assert_claim_holds(payload)


@FAST
@given(O.openai_invalid_payloads("some-model"))
def test_openai_invalid_payloads_break_it(payload: Payload) -> None:
    assert not compiled("openai-embeddings", "request").is_valid(payload.body)


def test_what_each_payload_expects_comes_from_the_layout() -> None:
    m3 = model_limits("@cf/baai/bge-m3")
    contexts = m3.layout.first(CONTEXTS)
    assert contexts is not None and (contexts.texts, contexts.query) == ("contexts", "query")
    scored = P.contexts_payload(m3, contexts, ["x", "y"], "q")
    vectors = P.contexts_payload(m3, contexts, ["x", "y"], None)
    assert (scored.expects, scored.scores, scored.score_id) == (
        "QueryScoresOutput",
        "response",
        "id",
    )
    assert (vectors.expects, vectors.vectors) == ("ContextEmbeddingsOutput", "response")
    small = model_limits("@cf/baai/bge-small-en-v1.5")
    texts = small.layout.first(TEXTS)
    assert texts is not None
    plain = P.texts_payload(small, texts, "a")
    asked = P.texts_payload(small, texts, "a", {"pooling": "cls"})
    assert (plain.expects, plain.vectors) == ("EmbeddingOutput", "data")
    assert plain.echo == (("pooling", "mean", False),)  # the schema's default, not asked
    assert asked.echo == (("pooling", "cls", True),)
    batch = small.layout.first(BATCH)
    assert batch is not None and P.batch_boundaries(small, batch)[0].expects == "AsyncResponse"


def test_limits_come_from_the_schemas() -> None:
    small = model_limits("@cf/baai/bge-small-en-v1.5")
    texts = small.layout.first(TEXTS)
    assert texts is not None
    single, many = small.forms(texts)
    assert (single.name, single.text.min_length, single.items) == ("Text", 1, None)
    assert (many.name, many.items and many.items.max_items) == ("TextBatch", 100)
    assert small.long_words == 90  # 512 tokens: the corpus' longest text fits
    m3 = model_limits("@cf/baai/bge-m3")
    m3_batch = m3.layout.first(BATCH)
    assert m3_batch is not None
    assert [v.name for v in m3_batch.requests] == ["QueryContextsRequest", "EmbedRequest"]
    assert O.openai_limits().max_items == 2048


@pytest.mark.parametrize("model", MODELS)
def test_boundaries_cover_every_limit_and_every_mutation(model: str) -> None:
    lim = model_limits(model)
    valid = [p for v in lim.layout.inputs for p in P.variant_boundaries(lim, v)]
    texts = {t for p in valid for t in p.texts}
    assert {1, 100} <= {len(p.texts) for p in valid}
    assert any(len(t) == 1 for t in texts) and any(len(t) > 300 for t in texts)
    assert any(not t.isascii() for t in texts) and any(t.isspace() for t in texts)
    assert any(ord(c) > 0xFFFF for t in texts for c in t)  # emoji, outside the BMP
    rejected = P.invalid_boundaries(model)
    found = {(p.mutation, p.field) for p in rejected}
    assert {
        ("below-minLength", "/text"),
        ("below-minLength", "/text/0"),
        ("above-maxItems", "/text"),
        ("wrong-type", "/text"),
        ("missing-required", "/text"),
        ("two-variants", "/"),
    } <= found
    if model.endswith("m3"):
        assert {("below-minLength", "/query"), ("below-minLength", "/contexts/0/text")} <= found
        assert ("below-minLength", "/requests/0/contexts/0/text") in found  # queued items too
    else:
        assert {("unknown-enum", "/pooling"), ("unknown-enum", "/requests/0/pooling")} <= found
        pooling = [p.body.get("pooling") for p in valid if "pooling" in p.body]
        assert sorted(pooling) == ["cls", "mean"]  # each enum value once, the default given
    for payload in valid + rejected:
        _assert_claim_holds(payload)
    openai = O.openai_boundaries("m") + O.openai_invalid_boundaries("m")
    assert {p.variant for p in openai} >= {"text", "texts", "tokens", "token_batches"}
    assert {p.mutation for p in O.openai_invalid_boundaries("m")} >= {
        "unknown-enum",
        "below-minItems",
        "above-maxItems",
        "below-minimum",
        "unknown-key",
        "missing-required",
    }
    for payload in openai:
        _assert_claim_holds(payload)


def test_a_payload_that_lies_is_caught() -> None:
    lim = model_limits("@cf/baai/bge-small-en-v1.5")
    texts = lim.layout.first(TEXTS)
    assert texts is not None
    liar = rejections.invalid(lim.schema, {"text": "fine"}, "EmbedInput", "below-minLength", "/")
    assert "in fact valid" in claim_problem(liar)
    # `{"requests": [5]}` is valid for the English models (items declare no type).
    sneaky = rejections.invalid(lim.schema, {"requests": [5]}, "BatchInput", "wrong-type", "/")
    assert claim_problem(sneaky)
    assert "in fact invalid" in claim_problem(P.texts_payload(lim, texts, ""))
    both = Payload(
        body={"text": "a", "requests": [{"text": "b"}]},
        schema=lim.schema,
        variant="EmbedInput/Text",
    )
    assert claim_problem(both)  # two variants at once is not a valid EmbedInput


# --- a schema no code has heard of -----------------------------------------------------------

NEW_INPUT: dict[str, Any] = {
    "type": "object",
    "oneOf": [
        {
            "x-embedcheck-name": "Plain",
            "additionalProperties": False,
            "required": ["input"],
            "properties": {
                "input": {
                    "oneOf": [
                        {"type": "string", "minLength": 2, "maxLength": 40},
                        {
                            "type": "array",
                            "minItems": 2,
                            "maxItems": 24,
                            "items": {"type": "string", "minLength": 2, "maxLength": 40},
                        },
                    ]
                },
                "flavour": {"type": "string", "enum": ["sweet", "sour", "umami"]},
                "normalise": {"type": "boolean", "default": True},
                "top_k": {"type": "integer", "minimum": 1, "maximum": 8},
                "options": {
                    "type": "object",
                    "properties": {"tag": {"type": "string", "maxLength": 5}},
                },
            },
        }
    ],
}
NEW_OUTPUT: dict[str, Any] = {
    "type": "object",
    "oneOf": [
        {
            "x-embedcheck-name": "Vectors",
            "required": ["vectors"],
            "properties": {
                "vectors": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "number"}},
                }
            },
        }
    ],
}


def test_violations_are_derived_from_the_schemas_own_keywords() -> None:
    variant = read_layout("new", NEW_INPUT, NEW_OUTPUT).inputs[0]
    assert (variant.kind, variant.texts, sorted(variant.settings)) == (
        TEXTS,
        "input",
        ["flavour", "normalise", "options", "top_k"],
    )
    found = {(v.name, v.pointer) for v in violations(variant.schema)}
    assert {
        ("unknown-enum", "/flavour"),
        ("wrong-type", "/flavour"),
        ("wrong-type", "/normalise"),
        ("below-minimum", "/top_k"),
        ("above-maximum", "/top_k"),
        ("below-minLength", "/input"),
        ("above-maxLength", "/input"),
        ("below-minItems", "/input"),
        ("above-maxItems", "/input"),
        ("above-maxLength", "/input/0"),
        ("above-maxLength", "/options/tag"),
        ("missing-required", "/input"),
        ("unknown-key", "/embedcheck_unknown_key"),
    } <= found
    validator = Draft202012Validator(NEW_INPUT)
    base = {"input": "ok"}
    assert validator.is_valid(base) and validator.is_valid(example(NEW_INPUT["oneOf"][0]))
    for violation in violations(variant.schema):
        body = violation.fixed_body(base)
        assert not validator.is_valid(body), (violation.name, violation.pointer, body)
    assert {m.keyword for m in CATALOGUE} >= {
        "enum",
        "type",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "required",
        "additionalProperties",
    }


def test_boundary_values_cover_each_enum_value_both_booleans_and_the_bounds() -> None:
    variant = read_layout("new", NEW_INPUT, NEW_OUTPUT).inputs[0]
    sent = P.setting_boundaries(variant)
    assert [s["flavour"] for s in sent if "flavour" in s] == ["sweet", "sour", "umami"]
    assert sorted(s["normalise"] for s in sent if "normalise" in s) == [False, True]
    assert sorted(s["top_k"] for s in sent if "top_k" in s) == [1, 8]
    assert {"tag": "mmmmm"} in [s.get("options") for s in sent]


def test_a_list_without_max_items_has_no_over_the_limit_case() -> None:
    no_max = {
        "type": "object",
        "oneOf": [
            {
                "required": ["text"],
                "properties": {
                    "text": {"type": "array", "items": {"type": "string", "minLength": 1}}
                },
            }
        ],
    }
    variant = read_layout("open", no_max, NEW_OUTPUT).inputs[0]
    assert not any(v.name == "above-maxItems" for v in violations(variant.schema))
    lim = ModelLimits("open", read_layout("open", no_max, NEW_OUTPUT), 90)
    sizes = {len(p.texts) for p in P.texts_boundaries(lim, variant)}
    assert P.UNBOUNDED_BATCH in sizes  # one big batch, no made-up limit
