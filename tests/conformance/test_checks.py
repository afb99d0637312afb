"""Each check on hand-built replies: it passes the conforming one and names the broken one."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedcheck.conformance.checks import ALL, REGISTRY, CheckContext, CheckFailed
from embedcheck.conformance.generation import openai as O
from embedcheck.conformance.generation.invalid import invalid as invalid_payload
from embedcheck.conformance.generation.limits import model_limits
from embedcheck.conformance.vocabulary import Outcome
from tests.conformance.synthetic import (
    batch_payload,
    context,
    contexts_payload,
    embed_payload,
    outcome,
    reply,
    unit,
)

SMALL = model_limits("@cf/baai/bge-small-en-v1.5")
M3 = model_limits("@cf/baai/bge-m3")
DIMS = 384


def judge(name: str, ctx: CheckContext, result: Outcome) -> bool:
    return REGISTRY[name].fn(ctx, result)


def fails(name: str, ctx: CheckContext, result: Outcome) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        judge(name, ctx, result)
    return info.value


def embedding(texts: list[str], *, pooling: str | None = "mean", **changes: Any) -> dict[str, Any]:
    data = [unit(DIMS, i) for i, _ in enumerate(texts)]
    body: dict[str, Any] = {"shape": [len(texts), DIMS], "data": data}
    if pooling:
        body["pooling"] = pooling
    body.update(changes)
    return body


def embed_case(body: dict[str, Any], texts: list[str], pooling: str = "", **kw: Any) -> Outcome:
    payload = embed_payload(SMALL, texts, pooling)
    return outcome("embed", [payload], [reply(200, body, envelope=True, **kw)])


TEXTS = ["a", "b"]


def test_a_conforming_embedding_reply_passes_every_check_that_applies() -> None:
    ctx = context()
    good = embed_case(embedding(TEXTS), TEXTS)
    for check in ALL:
        if check.applies("workers-ai", "embed"):
            check.fn(ctx, good)  # raises on failure


@pytest.mark.parametrize(
    ("check", "body", "kw"),
    [
        ("vector-count", embedding(TEXTS, data=[unit(DIMS, 0)]), {}),
        ("shape", embedding(TEXTS, shape=[DIMS, 2]), {}),
        ("dims", embedding(TEXTS, data=[unit(DIMS - 1, 0), unit(DIMS - 1, 1)]), {}),
        ("pooling-echoed", embedding(TEXTS, pooling="cls"), {}),
        ("response-schema", {"request_id": "abc"}, {}),
        ("content-type", embedding(TEXTS), {"content_type": "text/plain"}),
        ("finite-values", None, {"raw": b'{"result": {"shape": [2, 1], "data": [[NaN], [1]]}}'}),
        ("json-body", None, {"raw": b'{"result": {"shape": [2, 1], "data": [[NaN], [1]]}}'}),
        ("json-body", None, {"raw": b'{"result": {"shape": [2,'}),
    ],
)
def test_broken_embedding_replies_are_named(check: str, body: Any, kw: dict[str, Any]) -> None:
    failure = fails(check, context(), embed_case(body, TEXTS, **kw))
    assert failure.message


def test_the_envelope_must_say_success() -> None:
    body = {"result": embedding(TEXTS), "errors": [], "messages": []}
    result = outcome("embed", [embed_payload(SMALL, TEXTS)], [reply(200, body)])
    assert "success" in fails("envelope", context(), result).message


def test_pooling_echo_is_required_only_when_asked_or_claimed() -> None:
    ctx = context()
    assert not judge("pooling-echoed", ctx, embed_case(embedding(TEXTS, pooling=None), TEXTS))
    fails("pooling-echoed", ctx, embed_case(embedding(TEXTS, pooling=None), TEXTS, "cls"))
    assert judge("pooling-echoed", ctx, embed_case(embedding(TEXTS, pooling="cls"), TEXTS, "cls"))
    m3 = context(model="bge-m3")
    assert not judge("pooling-echoed", m3, embed_case(embedding(TEXTS, pooling=None), TEXTS))


@pytest.mark.parametrize(
    ("status", "valid_ok", "invalid_ok"),
    [(200, True, False), (400, False, True), (422, False, True)],
)
def test_status_classes(status: int, valid_ok: bool, invalid_ok: bool) -> None:
    ctx = context()
    valid = outcome("embed", [embed_payload(SMALL, "a")], [reply(status, {})])
    bad = invalid_payload(SMALL.schema, {"text": ""}, "EmbedInput/Text", "below-minLength", "/text")
    invalid = outcome("reject", [bad], [reply(status, {})])
    for name, result, ok in (
        ("valid-accepted", valid, valid_ok),
        ("invalid-rejected", invalid, invalid_ok),
    ):
        if ok:
            assert judge(name, ctx, result)
        else:
            fails(name, ctx, result)


def test_5xx_transport_errors_and_redirects() -> None:
    ctx = context()
    payload = embed_payload(SMALL, "a")
    assert "500" in fails("no-5xx", ctx, outcome("embed", [payload], [reply(500, {})])).message
    broken = replace(reply(200, {}), status=None, error="no answer in 1 s", error_kind="timeout")
    fails("responds", ctx, outcome("embed", [payload], [broken]))
    moved = replace(reply(302, {}), headers=(("location", "http://evil/"),))
    assert "not followed" in fails("responds", ctx, outcome("embed", [payload], [moved])).message
    # A 5xx is no-5xx's finding, not valid-accepted's.
    assert not judge("valid-accepted", ctx, outcome("embed", [payload], [reply(503, {})]))


@pytest.mark.parametrize(
    ("profile", "body", "ok"),
    [
        ("workers-ai", {"success": False, "errors": [{"code": 5006, "message": "bad"}]}, True),
        ("workers-ai", {"success": False, "errors": []}, False),
        ("workers-ai", {"error": "bad"}, False),
        ("openai", {"error": {"message": "m", "type": "t", "param": None, "code": None}}, True),
        ("openai", {"message": "flat"}, False),
        ("openai", {"detail": "flat"}, False),
    ],
)
def test_error_bodies(profile: str, body: Any, ok: bool) -> None:
    ctx = context(profile)
    bad = invalid_payload(SMALL.schema, {"text": ""}, "EmbedInput/Text", "below-minLength", "/text")
    result = outcome("reject", [bad], [reply(400, body)])
    if ok:
        assert judge("error-body", ctx, result)
    else:
        fails("error-body", ctx, result)
    plain = outcome(
        "reject", [bad], [reply(400, None, raw=b"Bad input", content_type="text/plain")]
    )
    fails("error-body", ctx, plain)


def test_score_ids_must_cover_the_contexts_once() -> None:
    ctx = context(model="bge-m3")
    payload = contexts_payload(M3, ["x", "y", "z"], "q")

    def scored(ids: list[int]) -> Outcome:
        body = {"response": [{"id": i, "score": 0.5} for i in ids]}
        return outcome("contexts", [payload], [reply(200, body, envelope=True)])

    assert judge("score-ids", ctx, scored([2, 0, 1]))
    for ids in ([1, 2, 3], [0, 0, 1], [0, 1]):
        fails("score-ids", ctx, scored(ids))


def relation(scenario: str, groups: list[list[list[float]]], texts: list[list[str]]) -> Outcome:
    payloads = [embed_payload(SMALL, t if len(t) > 1 else t[0]) for t in texts]
    replies = [reply(200, {"shape": [len(g), DIMS], "data": g}, envelope=True) for g in groups]
    return outcome(scenario, payloads, replies)


def test_relations_between_vectors() -> None:
    ctx = context()
    a, b, c = (unit(DIMS, i) for i in range(3))
    texts = [["s0", "s1", "s2"], ["s0"], ["s1"], ["s2"]]
    good = relation("batch", [[a, b, c], [a], [b], [c]], texts)
    for name in ("order-kept", "batch-invariance", "distinct-vectors"):
        assert judge(name, ctx, good)
    shuffled = relation("batch", [[c, b, a], [a], [b], [c]], texts)
    assert fails("order-kept", ctx, shuffled).actual == [2, 1, 0]
    assert not judge("batch-invariance", ctx, shuffled)  # order-kept's finding, not its own
    drift = (np.asarray(a) + 0.1 * np.asarray(unit(DIMS, 9))).tolist()
    varied = relation("batch", [[drift, b, c], [a], [b], [c]], texts)
    assert judge("order-kept", ctx, varied)
    fails("batch-invariance", ctx, varied)
    same = relation("batch", [[a, a, a], [a], [a], [a]], texts)
    fails("distinct-vectors", ctx, same)
    assert not judge("order-kept", ctx, same)  # indistinguishable texts: nothing to order

    twice = relation("determinism", [[a], [a]], [["x"], ["x"]])
    assert judge("determinism", ctx, twice)
    # As far as the mock's `nondeterministic` fault moves a vector (cosine ~0.9996, both calls
    # perturbed by 0.02), here on one side: beyond the calibrated 0.9998.
    noisy = (np.asarray(a) + 0.03 * np.asarray(unit(DIMS, 7))).tolist()
    fails("determinism", ctx, relation("determinism", [[a], [noisy]], [["x"], ["x"]]))

    assert judge("pooling-differs", ctx, relation("pooling", [[a], [b]], [["x"], ["x"]]))
    fails("pooling-differs", ctx, relation("pooling", [[a], [a]], [["x"], ["x"]]))


def test_pooling_differs_compares_every_value_the_schema_lists() -> None:
    """A third pooling value (an upstream change): each pair of values must differ."""
    a, b = unit(DIMS, 0), unit(DIMS, 1)
    values = ["cls", "max", "mean"]
    payloads = [embed_payload(SMALL, "x", value) for value in values]

    def case(groups: list[list[float]]) -> Outcome:
        replies = [reply(200, {"shape": [1, DIMS], "data": [g]}, envelope=True) for g in groups]
        return outcome("pooling", payloads, replies)

    c = unit(DIMS, 2)
    assert judge("pooling-differs", context(), case([a, b, c]))
    failure = fails("pooling-differs", context(), case([a, b, a]))  # cls and mean alike
    assert failure.expected == "cosine < 0.99999" and failure.actual == pytest.approx(1.0)
    assert "pooling 'cls' vs 'mean' gave the same vector" in failure.message


def test_a_looser_tolerance_accepts_what_the_default_flags() -> None:
    from embedcheck.conformance.checks import Tolerances

    a, b = unit(DIMS, 0), unit(DIMS, 1)
    drift = (np.asarray(a) + 0.1 * np.asarray(unit(DIMS, 9))).tolist()
    varied = relation("batch", [[drift, b], [a], [b]], [["s0", "s1"], ["s0"], ["s1"]])
    fails("batch-invariance", context(), varied)
    loose = CheckContext(context().target, context().model, Tolerances(batch_cosine=0.9))
    assert judge("batch-invariance", loose, varied)


def openai_reply(embeddings: list[Any], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(embeddings)
        ],
        "model": "m",
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }
    body.update(changes)
    return body


def openai_case(encoding: str, body: dict[str, Any], twin: dict[str, Any] | None = None) -> Outcome:
    payload = O.openai_payload("bge-small-en-v1.5", "a", "text", encoding)
    payloads = [payload]
    replies = [reply(200, body)]
    if twin is not None:
        payloads.append(O.openai_payload("bge-small-en-v1.5", "a", "text", "float"))
        replies.append(reply(200, twin))
    return outcome("openai-embed", payloads, replies)


def test_openai_checks() -> None:
    ctx = context("openai")
    vector = unit(DIMS, 3)
    good = openai_reply([vector])
    for name in ("openai-object", "openai-index", "openai-usage", "openai-base64", "dims"):
        assert judge(name, ctx, openai_case("float", good))
    fails("openai-index", ctx, openai_case("float", openai_reply([vector], data=[
        {"object": "embedding", "index": 1, "embedding": vector}
    ])))  # fmt: skip
    fails(
        "openai-usage", ctx, openai_case("float", {k: v for k, v in good.items() if k != "usage"})
    )
    fails("openai-object", ctx, openai_case("float", openai_reply([vector], object="dict")))

    packed = base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()
    assert judge("openai-base64", ctx, openai_case("base64", openai_reply([packed]), good))
    fails("openai-base64", ctx, openai_case("base64", good, good))  # floats when base64 asked
    swapped = base64.b64encode(np.asarray(vector, dtype=">f4").tobytes()).decode()
    fails("openai-base64", ctx, openai_case("base64", openai_reply([swapped]), good))
    quarter = base64.b64encode(np.asarray(vector[: DIMS // 4], dtype="<f4").tobytes()).decode()
    fails("openai-base64", ctx, openai_case("base64", openai_reply([quarter]), good))


def test_openai_bad_encoding_must_be_rejected() -> None:
    ctx = context("openai")
    body = {"model": "m", "input": "a", "encoding_format": "int8"}
    bad = invalid_payload(O.OPENAI_REQUEST, body, "R", "unknown-enum", "/encoding_format")
    fails("openai-encoding-rejected", ctx, outcome("openai-reject", [bad], [reply(200, {})]))
    assert judge("openai-encoding-rejected", ctx, outcome("openai-reject", [bad], [reply(400, {})]))


def test_auth_must_be_refused() -> None:
    ctx = context()
    base = embed_payload(SMALL, "a")
    no_token = replace(base, auth="none")
    assert judge("auth-required", ctx, outcome("auth", [no_token], [reply(401, {})]))
    fails("auth-required", ctx, outcome("auth", [no_token], [reply(200, {})]))


def test_async_batch_flow() -> None:
    ctx = context()
    item = embed_payload(SMALL, ["a", "b"])
    batch = batch_payload(SMALL, [item, embed_payload(SMALL, "c")])
    submitted = reply(200, {"status": "queued", "request_id": "r1"}, envelope=True)
    running = reply(200, {"status": "running", "request_id": "r1"}, envelope=True)

    def done(ids: list[int]) -> Any:
        results = {0: embedding(["a", "b"]), 1: embedding(["c"])}
        responses = [{"id": i, "result": results[i % 2], "success": True} for i in ids]
        return reply(200, {"responses": responses}, envelope=True)

    ok = outcome("async", [batch], [submitted], polls=(running, done([1, 0])))
    assert judge("async-batch", ctx, ok)
    stuck = outcome("async", [batch], [submitted], polls=(running, running), waited=2.0)
    assert "still" in fails("async-batch", ctx, stuck).message
    fails("async-batch", ctx, outcome("async", [batch], [submitted], polls=(done([0, 0]),)))
    no_id = reply(200, {"status": "queued"}, envelope=True)
    fails("async-batch", ctx, outcome("async", [batch], [no_id], polls=()))


statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 404, 413, 429, 500, 503])
numbers = st.floats() | st.integers() | st.sampled_from([10**400, -(10**400), 2**64])
junk: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | numbers
    | st.text(max_size=5)
    | st.lists(numbers, min_size=1, max_size=4)
    | st.lists(st.lists(numbers, min_size=2, max_size=2), min_size=1, max_size=3),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "result",
                    "data",
                    "shape",
                    "response",
                    "success",
                    "errors",
                    "id",
                    "object",
                    "index",
                    "embedding",
                    "usage",
                    "request_id",
                    "status",
                    "responses",
                    "pooling",
                    "score",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["workers-ai", "openai", "worker"]),
    st.sampled_from(
        ["embed", "contexts", "batch", "determinism", "async", "openai-embed", "reject"]
    ),
    st.lists(st.tuples(statuses, junk), min_size=1, max_size=4),
)
def test_no_check_crashes_on_a_hostile_reply(
    profile: str, scenario: str, replies: list[tuple[int, Any]]
) -> None:
    ctx = context(profile, "bge-m3")
    payloads = [contexts_payload(M3, ["x", "y"], "q"), embed_payload(M3, ["a", "b"])]
    payloads += [batch_payload(M3, payloads[:2])]
    exchanges = [reply(s, b) for s, b in replies]
    result = outcome(
        scenario, payloads[: len(exchanges)], exchanges[:3], polls=tuple(exchanges[3:])
    )
    for check in (c for c in ALL if c.applies(profile, scenario)):
        try:
            assert check.fn(ctx, result) in (True, False)
        except CheckFailed as failure:
            assert failure.message


rows = st.lists(st.lists(numbers | st.booleans(), min_size=0, max_size=3), min_size=0, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(["workers-ai", "openai", "worker"]),
    st.sampled_from(["embed", "batch", "determinism", "pooling", "openai-embed"]),
    st.lists(rows, min_size=1, max_size=4),
)
def test_vector_checks_survive_any_numbers(
    profile: str, scenario: str, matrices: list[list[list[Any]]]
) -> None:
    ctx = context(profile)
    texts = [["s0", "s1"], ["s0"], ["s1"], ["s2"]]
    payloads = [embed_payload(SMALL, t) for t in texts][: len(matrices)]
    if profile == "openai":
        bodies = [openai_reply(m) for m in matrices]
    else:
        bodies = [{"shape": [len(m), 3], "data": m} for m in matrices]
    exchanges = [reply(200, b, envelope=profile == "workers-ai") for b in bodies]
    result = outcome(scenario, payloads, exchanges)
    for check in (c for c in ALL if c.applies(profile, scenario)):
        try:
            assert check.fn(ctx, result) in (True, False)
        except CheckFailed as failure:
            assert failure.message
