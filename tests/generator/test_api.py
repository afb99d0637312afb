"""The generated client's surface, as users of openai-python expect it: private plumbing,
per-call timeout and headers, the request id on results, status errors with the response,
strict JSON types refused before sending, readable class names, a docstring that runs."""

from __future__ import annotations

import doctest
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import workers_ai_embeddings
from workers_ai_embeddings import (
    AsyncClient,
    BadRequestError,
    Client,
    InputValidationError,
    OpenAIClient,
)
from workers_ai_embeddings.models import bge_m3

from embedcheck.conformance.mock.server import RunningMock
from embedcheck.generator.naming import snake
from embedcheck.schemas.location import PACKAGED_ROOT
from embedcheck.schemas.manifest import read_manifest
from tests.generator.conftest import PACKAGE, TOKEN

Handler = Callable[[httpx.Request], httpx.Response]
EMBEDDING = {"shape": [1, 2], "data": [[0.6, 0.8]]}


def envelope(result: Any) -> dict[str, Any]:
    return {"success": True, "errors": [], "messages": [], "result": result}


def recording(sent: list[httpx.Request], status: int = 200, body: Any = None) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        payload = envelope(EMBEDDING) if body is None else body
        return httpx.Response(status, json=payload, headers={"cf-ai-req-id": f"req-{len(sent)}"})

    return handle


def client_over(handler: Handler) -> Client:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Client("acct", "token", base_url="http://cf.test", http_client=http, max_retries=0)


def test_plumbing_is_private() -> None:
    for client in (Client("acct", "t"), AsyncClient("acct", "t")):
        public = {name for name in vars(client) if not name.startswith("_")}
        # one attribute per Workers AI model of the manifest generated/ is built from
        manifest = read_manifest(PACKAGED_ROOT)
        models = {snake(m.slug) for m in manifest.models if m.provider == "workers-ai"}
        assert public == {"account_id", "base_url", "validate", "openai", *models}
        for name in ("run", "model_url", "clock", "sleep"):
            assert not hasattr(client, name), name


def test_per_call_timeout_and_extra_headers_reach_the_request() -> None:
    sent: list[httpx.Request] = []
    with client_over(recording(sent)) as client:
        client.bge_m3.embed("a", timeout=2.5, extra_headers={"x-trace": "t-1"})
        client.bge_m3.embed("b")
    first, second = sent
    assert first.headers["x-trace"] == "t-1" and "x-trace" not in second.headers
    assert first.headers["authorization"] == "Bearer token"  # the client's headers stay
    assert first.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    # Without one, the injected httpx client keeps its own (httpx's default, 5 s).
    assert second.extensions["timeout"] == httpx.Timeout(5.0).as_dict()


def test_the_request_id_is_on_every_result() -> None:
    sent: list[httpx.Request] = []
    with client_over(recording(sent)) as client:
        assert client.bge_m3.embed("a")._request_id == "req-1"
        many = client.bge_small_en_v1_5.embed_many(["a"] * 150)  # two requests
        assert many._request_id == "req-3" and many.shape == [2, 2]
    openai_sent: list[httpx.Request] = []
    body = {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}],
        "model": "m",
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    http = httpx.Client(transport=httpx.MockTransport(recording(openai_sent, body=body)))
    with OpenAIClient("k", base_url="http://oa.test/v1", http_client=http) as openai:
        assert openai.create("a", model="m")._request_id == "req-1"


def test_status_errors_carry_status_code_response_and_body() -> None:
    error = {"success": False, "errors": [{"code": 5006, "message": "bad input"}], "messages": []}
    sent: list[httpx.Request] = []
    with (
        client_over(recording(sent, 400, error)) as client,
        pytest.raises(BadRequestError) as caught,
    ):
        client.bge_m3.embed("a")
    assert caught.value.status_code == 400 and caught.value.code == 5006
    assert isinstance(caught.value.response, httpx.Response)
    assert caught.value.response.request is sent[0]
    assert caught.value.body == error and caught.value.request_id == "req-1"


@pytest.mark.parametrize("value", ["yes", 1, 0, "false", [True]])
def test_a_non_boolean_for_a_boolean_is_refused_before_sending(value: Any) -> None:
    sent: list[httpx.Request] = []
    with client_over(recording(sent)) as client, pytest.raises(InputValidationError) as caught:
        client.bge_m3.embed("a", truncate_inputs=value)
    assert sent == [] and "truncate_inputs" in str(caught.value)
    assert "valid boolean" in str(caught.value)


def test_a_boolean_is_sent_as_given() -> None:
    sent: list[httpx.Request] = []
    with client_over(recording(sent)) as client:
        client.bge_m3.embed("a", truncate_inputs=True)
    assert json.loads(sent[0].content) == {"text": "a", "truncate_inputs": True}


def test_our_input_error_does_not_shadow_pydantic() -> None:
    assert not hasattr(workers_ai_embeddings, "ValidationError")
    assert issubclass(InputValidationError, ValueError)


def test_class_names_read_well_and_carry_no_numbers() -> None:
    exported = workers_ai_embeddings.__all__
    assert {"BgeBaseEnV1_5", "BgeSmallEnV1_5", "BgeLargeEnV1_5", "BgeM3"} <= set(exported)
    assert not [n for n in exported if re.search(r"V\d\d", n)]
    for module in vars(workers_ai_embeddings.models).values():
        if not isinstance(module, type(workers_ai_embeddings)):
            continue
        named = [n for n, v in vars(module).items() if n[:1].isupper() and n.isidentifier()]
        numbered = [n for n in named if re.fullmatch(r"[A-Za-z]+\d+(Item)?", n) and n != "BgeM3"]
        assert numbered == [], module.__name__


def test_queued_results_are_the_branches_themselves() -> None:
    reply = {"responses": [{"id": 0, "success": True, "result": EMBEDDING}]}
    state = bge_m3.QueueResult.model_validate(reply)
    assert isinstance(state.responses[0].result, bge_m3.EmbeddingOutput)
    assert state.responses[0].result.data == [[0.6, 0.8]]


def test_the_package_docstring_runs_as_written(
    mock_with_token: RunningMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acct")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", f"{mock_with_token.base_url}/client/v4")
    assert workers_ai_embeddings.__doc__ and ">>>" in workers_ai_embeddings.__doc__
    results = doctest.testmod(workers_ai_embeddings, raise_on_error=False, verbose=False)
    assert results.attempted >= 3 and results.failed == 0
    assert workers_ai_embeddings.__name__ == PACKAGE
