"""The probe checks (unknown-model-rejected, usage-plausible, dimensions-honoured) on hand-built
replies: real tokenizers' counts and real refusals pass, each deviation is named with its values,
and what cannot be judged is inconclusive, never passed."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from embedcheck.conformance.checks import REGISTRY, CheckContext, CheckFailed
from embedcheck.conformance.checks.base import CheckInconclusive
from embedcheck.conformance.generation import probes
from embedcheck.conformance.generation.texts import CORPUS
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload, claim_problem
from tests.conformance.synthetic import context, outcome, reply, unit

MODEL = "bge-small-en-v1.5"
DIMS = 384
ERROR = {"error": {"message": "no", "type": "invalid_request_error", "param": None, "code": None}}


def ctx() -> CheckContext:
    return context("openai", MODEL)


def judge(name: str, result: Outcome) -> bool:
    return REGISTRY[name].fn(ctx(), result)


def fails(name: str, result: Outcome) -> CheckFailed:
    with pytest.raises(CheckFailed) as info:
        judge(name, result)
    return info.value


def embeddings(vectors: list[list[float]], tokens: int = 5, **usage: Any) -> dict[str, Any]:
    return {
        "object": "list",
        "model": MODEL,
        "data": [
            {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
        ],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens, **usage},
    }


def answered(case_payloads: tuple[Payload, ...], replies: list[Exchange], scenario: str) -> Outcome:
    return outcome(scenario, list(case_payloads), replies)


# --- unknown-model-rejected -------------------------------------------------------------------


def unknown_case() -> tuple[Payload, ...]:
    return probes.unknown_model_cases(ctx().model.name)[0].payloads


@pytest.mark.parametrize("status", [400, 404, 422])
def test_an_unknown_model_refused_with_a_4xx_passes(status: int) -> None:
    payloads = unknown_case()
    assert judge(
        "unknown-model-rejected",
        answered(payloads, [reply(status, ERROR) for _ in payloads], "unknown-model"),
    )


def test_an_unknown_model_served_warns_where_any_name_is_valid() -> None:
    # OpenAI's request schema takes any string as `model`: the contract is silent.
    payloads = unknown_case()
    served = reply(200, embeddings([unit(DIMS, 0)]))
    failure = fails(
        "unknown-model-rejected",
        answered(payloads, [reply(404, ERROR), served], "unknown-model"),
    )
    assert failure.severity == "warning"
    assert failure.actual == {"status": 200, "model": MODEL, "vectors": 1, "dims": [DIMS]}
    assert payloads[1].body["model"] in failure.message and failure.exchange is served
    assert "allows any model name" in failure.message


def test_an_unknown_model_served_fails_where_the_schema_names_the_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A gateway whose published request schema lists its models: an unknown name is invalid
    # input, and serving it breaks the contract.
    from embedcheck.conformance.checks import models
    from embedcheck.schemas.validators import compile_schema

    closed = {"type": "object", "properties": {"model": {"enum": [MODEL]}}}
    monkeypatch.setattr(models, "compiled", lambda *_: compile_schema(closed))
    payloads = unknown_case()
    served = reply(200, embeddings([unit(DIMS, 0)]))
    failure = fails("unknown-model-rejected", answered(payloads, [served, served], "unknown-model"))
    assert failure.severity == "failure"
    assert "does not allow that name" in failure.message


def test_a_5xx_for_an_unknown_model_is_left_to_no_5xx() -> None:
    payloads = unknown_case()
    result = answered(payloads, [reply(500, ERROR) for _ in payloads], "unknown-model")
    assert judge("unknown-model-rejected", result) is False


# --- usage-plausible --------------------------------------------------------------------------


def words(text: str) -> int:
    return len(re.findall(r"\w+|[^\w\s]", text))


def usage_outcome(case_payloads: tuple[Payload, ...], count: Any) -> Outcome:
    """Each payload answered with usage `count(payload)`."""
    replies = []
    for payload in case_payloads:
        vectors = [unit(DIMS, i) for i in range(payload.count)]
        tokens = count(payload)
        replies.append(reply(200, embeddings(vectors, tokens)))
    return answered(case_payloads, replies, "usage")


USAGE_CASE = probes.usage_cases(MODEL)[0].payloads


@given(
    special=st.integers(0, 2),
    per_text=st.booleans(),
    sentences=st.lists(st.sampled_from(CORPUS), min_size=2, max_size=4, unique=True),
    times=st.integers(2, 6),
)
def test_tokenizer_like_counts_pass(
    special: int, per_text: bool, sentences: list[str], times: int
) -> None:
    """Words plus 0 to 2 special tokens, counted per text or once per request."""

    def count(payload: Payload) -> int:
        content = sum(words(t) for t in payload.texts)
        return content + special * (len(payload.texts) if per_text else 1)

    case = probes.usage_case(MODEL, sentences, times)
    assert judge("usage-plausible", usage_outcome(case.payloads, count))


def test_characters_counted_fail_with_the_counts() -> None:
    failure = fails(
        "usage-plausible", usage_outcome(USAGE_CASE, lambda p: sum(len(t) for t in p.texts))
    )
    assert "characters are counted" in failure.message
    first = USAGE_CASE[0]
    chars = sum(len(t) for t in first.texts)
    assert failure.actual == {"prompt_tokens": chars, "total_tokens": chars}


def test_zero_counts_fail() -> None:
    failure = fails("usage-plausible", usage_outcome(USAGE_CASE, lambda p: 0))
    assert failure.expected == "positive counts"


def test_a_count_that_does_not_grow_with_the_text_fails() -> None:
    failure = fails("usage-plausible", usage_outcome(USAGE_CASE, lambda p: 5))
    assert "repeated" in failure.message and failure.actual == 5


def test_a_batch_counted_as_its_first_text_fails() -> None:
    def count(payload: Payload) -> int:
        return words(payload.texts[0]) + 2

    failure = fails("usage-plausible", usage_outcome(USAGE_CASE, count))
    assert "batch of 3 texts" in failure.message


def test_total_below_prompt_fails() -> None:
    replies = [
        reply(200, embeddings([unit(DIMS, 0)] * p.count, 20, total_tokens=3)) for p in USAGE_CASE
    ]
    failure = fails("usage-plausible", answered(USAGE_CASE, replies, "usage"))
    assert failure.actual == {"prompt_tokens": 20, "total_tokens": 3}


def test_usage_without_integer_counts_is_inconclusive() -> None:
    not_a_count: Any = "9"
    replies = [reply(200, embeddings([unit(DIMS, 0)], not_a_count)) for _ in USAGE_CASE]
    with pytest.raises(CheckInconclusive):
        judge("usage-plausible", answered(USAGE_CASE, replies, "usage"))


# --- dimensions-honoured ----------------------------------------------------------------------


def raw(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, DIMS))


def dimensions_outcome(full: np.ndarray, answer: Any) -> Outcome:
    """The probe case with the reference answered by `full` (rows of vectors) and each value by
    `answer(value, full)`: a matrix (a 200), or a status (an error)."""
    case = probes.dimensions_cases(MODEL, DIMS)[0]
    replies = []
    for payload in case.payloads:
        if "dimensions" not in payload.body:
            replies.append(reply(200, embeddings(full.tolist())))
            continue
        got = answer(payload.body["dimensions"], full)
        is_status = isinstance(got, int)
        replies.append(reply(got, ERROR) if is_status else reply(200, embeddings(got.tolist())))
    return answered(case.payloads, replies, "dimensions")


def in_range(value: Any) -> bool:
    return isinstance(value, int) and 1 <= value <= DIMS


def renormalised(value: Any, full: np.ndarray) -> Any:
    if not in_range(value):
        return 400
    cut = full[:, :value]
    norms = np.linalg.norm(full, axis=1, keepdims=True)
    return cut / np.linalg.norm(cut, axis=1, keepdims=True) * norms


@pytest.mark.parametrize("scale", [1.0, 7.5])  # normalised models and raw ones
def test_cut_and_renormalised_to_the_full_norm_passes(scale: float) -> None:
    full = raw(2) / np.linalg.norm(raw(2), axis=1, keepdims=True) * scale
    assert judge("dimensions-honoured", dimensions_outcome(full, renormalised))


def test_refusing_the_parameter_with_a_4xx_passes() -> None:
    assert judge("dimensions-honoured", dimensions_outcome(raw(2), lambda v, f: 400))


def test_cut_without_renormalising_fails_with_the_norms() -> None:
    def cut(value: Any, full: np.ndarray) -> Any:
        return full[:, :value] if in_range(value) else 400

    full = raw(2) / np.linalg.norm(raw(2), axis=1, keepdims=True)
    failure = fails("dimensions-honoured", dimensions_outcome(full, cut))
    assert "without renormalising" in failure.message
    assert failure.expected["norms"] == [1.0, 1.0]
    assert failure.actual["length"] == 1


def test_ignored_dimensions_fail() -> None:
    failure = fails("dimensions-honoured", dimensions_outcome(raw(2), lambda v, f: f))
    assert failure.message == f"dimensions 1 ignored: vectors of length {DIMS}"
    assert (failure.expected, failure.actual) == (1, DIMS)


@pytest.mark.parametrize("accepted", [0, -1, DIMS + 1, 2.5])
def test_an_out_of_range_value_accepted_fails(accepted: Any) -> None:
    def answer(value: Any, full: np.ndarray) -> Any:
        if value == accepted:
            return full
        return renormalised(value, full)

    failure = fails("dimensions-honoured", dimensions_outcome(raw(2), answer))
    assert failure.expected == "4xx"
    assert failure.actual == {"status": 200, "length": DIMS}


def test_no_reference_vectors_is_inconclusive() -> None:
    case = probes.dimensions_cases(MODEL, DIMS)[0]
    replies = [reply(400, ERROR) for _ in case.payloads]
    with pytest.raises(CheckInconclusive, match="without dimensions"):
        judge("dimensions-honoured", answered(case.payloads, replies, "dimensions"))


def test_out_of_range_payloads_are_what_they_claim() -> None:
    case = probes.dimensions_cases(MODEL, DIMS)[0]
    values = [p.body.get("dimensions") for p in case.payloads]
    assert values == [None, 1, 32, DIMS, 0, -1, DIMS + 1, 2.5]
    # Above the model's dims is valid per the schema: only the model says it is out of range.
    assert [p.valid for p in case.payloads] == [True, True, True, True, False, False, True, False]
    assert all(claim_problem(p) == "" for p in case.payloads)


@pytest.mark.parametrize(
    ("profile", "severity", "why"),
    [("workers-ai", "failure", "5007/400"), ("worker", "warning", "says nothing of unknown")],
)
def test_an_unknown_model_in_the_url_served_is_judged_by_what_the_profile_documents(
    profile: str, severity: str, why: str
) -> None:
    from embedcheck.conformance.generation.scenarios import text_payload

    context_ = context(profile, MODEL)
    valid = text_payload(context_.target, context_.model, CORPUS[0])
    payloads = probes.unknown_route_cases(context_.model.name, valid)[0].payloads
    assert [p.route_model for p in payloads] == [
        "@cf/embedcheck/embedcheck-no-such-model-7f3a",
        context_.model.name + "-embedcheck-does-not-exist",
    ]
    body = {"shape": [1, DIMS], "data": [unit(DIMS, 0)]}
    served = reply(200, {"result": body, "success": True, "errors": [], "messages": []})
    if profile == "worker":
        served = reply(200, body)
    refused = reply(400, {"result": None, "success": False, "errors": [], "messages": []})
    result = answered(payloads, [refused, served], "unknown-model")
    with pytest.raises(CheckFailed) as info:
        REGISTRY["unknown-model-rejected"].fn(context_, result)
    assert (info.value.severity, info.value.actual["vectors"]) == (severity, 1)
    assert why in info.value.message and payloads[1].route_model in info.value.message
