"""Payloads are what they claim: valid ones fit exactly their variant, invalid ones fit none."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedcheck.conformance.generation import strategies as S
from embedcheck.conformance.generation.strategies import Payload, claim_problem
from embedcheck.schemas.validators import compiled

MODELS = ("@cf/baai/bge-small-en-v1.5", "@cf/baai/bge-m3")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_claim_holds(payload: Payload) -> None:
    assert claim_problem(payload) == "", payload.describe()


@FAST
@given(st.sampled_from(MODELS).flatmap(lambda m: S.embed_payloads(S.input_limits(m))))
def test_embed_payloads_fit_embed_input(payload: Payload) -> None:
    _assert_claim_holds(payload)
    assert payload.count == len(payload.texts) >= 1
    schema = compiled(payload.schema[0], "input")
    assert schema.matching(payload.body) == ["EmbedInput"]


@FAST
@given(S.contexts_payloads(S.input_limits("@cf/baai/bge-m3")))
def test_query_contexts_payloads_fit_their_variant(payload: Payload) -> None:
    _assert_claim_holds(payload)
    assert payload.expects == (
        "QueryScoresOutput" if "query" in payload.body else "ContextEmbeddingsOutput"
    )


@FAST
@given(st.sampled_from(MODELS).flatmap(lambda m: S.batch_payloads(S.input_limits(m))))
def test_batch_payloads_fit_batch_input(payload: Payload) -> None:
    _assert_claim_holds(payload)
    assert len(payload.items) == len(payload.body["requests"])


@FAST
@given(st.sampled_from(MODELS).flatmap(lambda m: S.invalid_payloads(S.input_limits(m))))
def test_invalid_payloads_break_the_schema(payload: Payload) -> None:
    assert not payload.valid and payload.mutation
    assert not compiled(payload.schema[0], "input").is_valid(payload.body)


@FAST
@given(S.openai_payloads("some-model"))
def test_openai_payloads_fit_the_request_schema(payload: Payload) -> None:
    _assert_claim_holds(payload)


@FAST
@given(S.openai_invalid_payloads("some-model"))
def test_openai_invalid_payloads_break_it(payload: Payload) -> None:
    assert not compiled("openai-embeddings", "request").is_valid(payload.body)


def test_limits_come_from_the_schemas() -> None:
    small = S.input_limits("@cf/baai/bge-small-en-v1.5")
    assert (small.max_items, small.text_min, small.pooling) == (100, 1, ("mean", "cls"))
    assert small.pooling_default == "mean" and small.query_min is None
    m3 = S.input_limits("@cf/baai/bge-m3")
    assert m3.pooling == () and m3.truncate and m3.query_min == 1
    assert m3.batch_item_variants == ("QueryContextsRequest", "EmbedRequest")
    assert S.openai_limits().max_items == 2048


def test_boundaries_cover_every_limit_and_every_mutation() -> None:
    for model in MODELS:
        lim = S.input_limits(model)
        valid = S.embed_boundaries(lim)
        sizes = {len(p.texts) for p in valid}
        assert {1, lim.max_items} <= sizes
        texts = {t for p in valid for t in p.texts}
        assert any(len(t) == 1 for t in texts)
        assert any(not t.isascii() for t in texts)
        assert any(ord(c) > 0xFFFF for t in texts for c in t)  # emoji, outside the BMP
        assert any(t.isspace() for t in texts)
        assert any(len(t) > 300 for t in texts)
        mutations = {p.mutation for p in S.invalid_boundaries(lim)}
        expected = {"empty-string", "too-many-items", "wrong-type", "missing-required"}
        expected |= {"two-variants"}
        expected |= {"unknown-enum"} if lim.pooling else set()
        assert expected <= mutations
        for payload in valid + S.invalid_boundaries(lim) + S.batch_boundaries(lim):
            _assert_claim_holds(payload)
    openai = S.openai_boundaries("m") + S.openai_invalid_boundaries("m")
    assert {p.variant for p in openai} >= {"text", "texts", "tokens", "token_batches"}
    for payload in openai:
        _assert_claim_holds(payload)


def test_a_payload_that_lies_is_caught() -> None:
    lim = S.input_limits("@cf/baai/bge-small-en-v1.5")
    liar = S.invalid(lim.schema, {"text": "fine"}, "EmbedInput", "empty-string", "/text")
    assert "in fact valid" in claim_problem(liar)
    # `{"requests": [5]}` is valid for the English models (items declare no type).
    sneaky = S.invalid(lim.schema, {"requests": [5]}, "BatchInput", "wrong-type", "/requests/0")
    assert claim_problem(sneaky)
    fake = S.embed_payload(lim, "")
    assert "in fact invalid" in claim_problem(fake)
    both = Payload(
        body={"text": "a", "requests": [{"text": "b"}]},
        schema=(lim.subject, "input"),
        variant="EmbedInput/Text",
    )
    assert claim_problem(both)  # two variants at once is not a valid EmbedInput
