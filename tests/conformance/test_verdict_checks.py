"""Replies about the route or the credentials are never conformance evidence; the auth check
says when a token was simply not needed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from embedcheck.conformance.checks import REGISTRY, CheckFailed
from embedcheck.conformance.generation.invalid import invalid
from embedcheck.conformance.generation.limits import model_limits
from tests.conformance.synthetic import context, embed_payload, outcome, reply

SMALL = model_limits("@cf/baai/bge-small-en-v1.5")
CLOUDFLARE_401 = {
    "result": None,
    "success": False,
    "errors": [{"code": 10000, "message": "Authentication error"}],
    "messages": [],
}


@pytest.mark.parametrize("status", [401, 403, 404, 405])
def test_a_route_or_credentials_refusal_is_not_invalid_input_rejected(status: int) -> None:
    ctx = context()
    bad = invalid(SMALL.schema, {"text": ""}, "EmbedInput/Text", "below-minLength", "/text")
    result = outcome("reject", [bad], [reply(status, CLOUDFLARE_401)])
    with pytest.raises(CheckFailed) as info:
        REGISTRY["invalid-rejected"].fn(ctx, result)
    assert info.value.actual == status
    assert "not a rejection of the input" in info.value.message
    # A well-formed v4 error body on a 401 says nothing about how bad input is answered.
    assert REGISTRY["error-body"].fn(ctx, result) is False


@pytest.mark.parametrize("status", [400, 413, 422])
def test_input_refusals_still_count(status: int) -> None:
    ctx = context()
    bad = invalid(SMALL.schema, {"text": ""}, "EmbedInput/Text", "below-minLength", "/text")
    body = {"success": False, "errors": [{"code": 5006, "message": "bad"}]}
    result = outcome("reject", [bad], [reply(status, body)])
    assert REGISTRY["invalid-rejected"].fn(ctx, result) is True
    assert REGISTRY["error-body"].fn(ctx, result) is True


def test_auth_required_on_an_open_server_says_how_to_skip_it() -> None:
    ctx = context()
    no_token = replace(embed_payload(SMALL, "a"), auth="none")
    with pytest.raises(CheckFailed) as info:
        REGISTRY["auth-required"].fn(ctx, outcome("auth", [no_token], [reply(200, {})]))
    message = info.value.message
    assert "does not check credentials" in message
    assert "--exclude-checks auth-required" in message
    # Any other wrong answer is reported as it came, with no such advice.
    with pytest.raises(CheckFailed) as other:
        REGISTRY["auth-required"].fn(ctx, outcome("auth", [no_token], [reply(400, {})]))
    assert "HTTP 400" in other.value.message and "exclude" not in other.value.message
