"""Malformed Unicode in texts (lone surrogates, noncharacters, NUL, bidi controls): sent on every
run, a 4xx or a 2xx is fine, a 5xx is no-5xx's failure, and valid-accepted demands nothing."""

from __future__ import annotations

import json

from embedcheck.conformance.checks import REGISTRY, CheckFailed
from embedcheck.conformance.generation.limits import model_limits
from embedcheck.conformance.generation.scenarios import EMBED, OPENAI_EMBED
from embedcheck.conformance.generation.texts import LONE_SURROGATES, MALFORMED, boundary_texts
from embedcheck.conformance.http.transport import Request
from embedcheck.conformance.profiles import mock_target, model_spec
from embedcheck.conformance.vocabulary import strings
from tests.conformance.synthetic import context, embed_payload, outcome, reply

SMALL = model_limits("@cf/baai/bge-small-en-v1.5")


def test_a_lone_surrogate_goes_on_the_wire_as_its_json_escape() -> None:
    request = Request("POST", "http://127.0.0.1:9/x", (), {"text": "a\ud800b é"})
    content = request.content()
    assert content == b'{"text": "a\\ud800b \\u00e9"}'.replace(b": ", b":")
    assert json.loads(content) == {"text": "a\ud800b é"}
    plain = Request("POST", "http://127.0.0.1:9/x", (), {"text": "é\x00"}).content()
    assert plain == '{"text":"é\\u0000"}'.encode()  # UTF-8 as before, NUL escaped by JSON


def test_every_run_sends_each_kind_of_malformed_text_to_every_model() -> None:
    edges = boundary_texts()
    assert LONE_SURROGATES[0] in edges
    odd = next(t for t in edges if "\ufffe" in t)
    assert all(m in odd for m in MALFORMED if m not in LONE_SURROGATES)
    target = mock_target("worker", "http://127.0.0.1:9", (), None)
    for name in ("bge-small-en-v1.5", "bge-m3"):
        sent = {
            text
            for case in EMBED.boundaries(target, model_spec(name))
            for p in case.payloads
            for text in strings(p.body)
        }
        assert LONE_SURROGATES[0] in sent and odd in sent
    openai = mock_target("openai", "http://127.0.0.1:9", (), None)
    bodies = [
        p.body for c in OPENAI_EMBED.boundaries(openai, model_spec("bge-m3")) for p in c.payloads
    ]
    assert {"model": "@cf/baai/bge-m3", "input": LONE_SURROGATES[0]} in bodies


def test_valid_accepted_demands_no_2xx_for_a_text_that_is_no_unicode_text() -> None:
    ctx = context("worker")
    for text in ("a\ud800b", "a\ufffeb", "a\x00b"):
        refused = outcome("embed", [embed_payload(SMALL, text)], [reply(400, {"error": "x"})])
        assert REGISTRY["valid-accepted"].fn(ctx, refused) is False
    bidi = outcome("embed", [embed_payload(SMALL, "\u202eevil")], [reply(400, {"error": "x"})])
    try:
        REGISTRY["valid-accepted"].fn(ctx, bidi)
    except CheckFailed as failure:
        assert failure.expected == "2xx" and failure.actual == 400
    else:
        raise AssertionError("a bidi control is text: refusing it is a failure")


def test_a_5xx_for_a_lone_surrogate_is_a_no_5xx_failure() -> None:
    crashed = outcome("embed", [embed_payload(SMALL, "a\ud800b")], [reply(500, {"error": "boom"})])
    try:
        REGISTRY["no-5xx"].fn(context("worker"), crashed)
    except CheckFailed as failure:
        assert failure.expected == "a status below 500" and failure.actual == 500
    else:
        raise AssertionError("no-5xx passed a 500")
