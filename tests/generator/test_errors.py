"""Failures surface as typed exceptions carrying status, code, message and request id."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from workers_ai_embeddings import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    BatchTimeoutError,
    Client,
    ConfigurationError,
    InputValidationError,
    NotFoundError,
    OpenAIClient,
)
from workers_ai_embeddings.models import bge_small_en_v1_5

from embedcheck.conformance.mock import MockConfig, serve
from embedcheck.conformance.mock.server import RunningMock
from tests.generator.conftest import TOKEN

BASE = "http://mock.test/client/v4"


@contextmanager
def mock_client(faults: frozenset[str] = frozenset(), *, validate: bool = True) -> Iterator[Client]:
    """A client, without retries, over a fresh mock with `faults` on a real socket."""
    with serve(MockConfig(api_token=TOKEN, faults=faults)) as mock:
        base = f"{mock.base_url}/client/v4"
        with Client("acct", TOKEN, base_url=base, max_retries=0, validate=validate) as client:
            yield client


def test_wrong_token_is_an_authentication_error(mock_with_token: RunningMock) -> None:
    base = f"{mock_with_token.base_url}/client/v4"
    with (
        Client("acct", "wrong-token", base_url=base) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.bge_m3.embed("x")
    assert caught.value.status_code == 401 and caught.value.code == 10000
    assert "Authentication error" in caught.value.message
    with Client("acct", None, base_url=base) as anonymous, pytest.raises(AuthenticationError):
        anonymous.bge_m3.embed("x")


@pytest.mark.anyio
async def test_async_wrong_token_is_an_authentication_error(mock_with_token: RunningMock) -> None:
    base = f"{mock_with_token.base_url}/client/v4"
    async with AsyncClient("acct", "nope", base_url=base) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.bge_small_en_v1_5.embed("x")
    assert caught.value.code == 10000


def test_client_side_limits_raise_before_anything_is_sent() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    http = httpx.Client(transport=httpx.MockTransport(record))
    client = Client("acct", TOKEN, base_url=BASE, http_client=http)
    with pytest.raises(InputValidationError, match="at most 100 items"):
        client.bge_base_en_v1_5.embed([f"t{i}" for i in range(101)])
    with pytest.raises(InputValidationError, match="at least 1 character"):
        client.bge_base_en_v1_5.embed("")
    with pytest.raises(InputValidationError, match="'mean' or 'cls'"):
        client.bge_base_en_v1_5.embed("x", pooling="max")  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match=r"contexts\.0\.text"):
        client.bge_m3.rank("q", [""])
    with pytest.raises(InputValidationError, match="at once"):  # both oneOf branches: rejected
        client.bge_m3.submit_batch([{"text": "a", "contexts": [{"text": "b"}]}])
    with pytest.raises(InputValidationError, match="input"):
        client.openai.embed([], model="m")
    assert sent == []


def test_opting_out_sends_invalid_input_and_the_server_answers_400() -> None:
    with mock_client(validate=False) as client:
        with pytest.raises(BadRequestError) as caught:
            client.bge_base_en_v1_5.embed([f"t{i}" for i in range(101)])
        assert caught.value.status_code == 400 and caught.value.code == 5006
        assert "maxItems" in caught.value.message
        with pytest.raises(BadRequestError) as openai_error:
            client.openai.embed("", model="@cf/baai/bge-m3")
    assert openai_error.value.error_type == "invalid_request_error"
    assert openai_error.value.request_id and openai_error.value.request_id.startswith("req_")


def test_unknown_model_unknown_route_and_unknown_request_id() -> None:
    with mock_client() as client:
        url = client._model_url("@cf/baai/no-such-model")
        with pytest.raises(BadRequestError) as caught:
            client._run(url, "@cf/baai/no-such-model", {"text": "x"}, bge_small_en_v1_5.Input)
        assert caught.value.code == 5007
        with pytest.raises(NotFoundError) as openai_missing:
            client.openai.embed("x", model="no-such-model")
        assert openai_missing.value.code == "model_not_found"
        assert openai_missing.value.param == "model"
        with pytest.raises(NotFoundError) as unknown_job:
            client.bge_m3.poll("00000000-0000-0000-0000-000000000000")
        assert unknown_job.value.code == 7003
        lost = Client("acct", TOKEN, base_url=client.base_url.replace("/client/v4", "/nowhere"))
        with lost, pytest.raises(NotFoundError) as route:
            lost.bge_m3.embed("x")
    assert route.value.status_code == 404 and route.value.code is None


@pytest.mark.parametrize(
    ("fault", "error", "status"),
    [("error-status-200", APIStatusError, 200), ("error-plain-body", BadRequestError, 400)],
)
def test_broken_error_framing_still_gives_typed_errors(
    fault: str, error: type[APIStatusError], status: int
) -> None:
    with mock_client(frozenset({fault}), validate=False) as client, pytest.raises(error) as caught:
        client.bge_small_en_v1_5.embed("")
    assert caught.value.status_code == status and "minLength" in caught.value.message


def test_replies_that_break_the_schema_are_response_validation_errors() -> None:
    faults = frozenset({"envelope-missing-success"})
    with mock_client(faults) as client, pytest.raises(APIResponseValidationError, match="success"):
        client.bge_m3.embed("x")
    faults = frozenset({"openai-missing-usage", "openai-flat-error"})
    with mock_client(faults) as client:
        with pytest.raises(APIResponseValidationError, match="usage: Field required"):
            client.openai.embed("x", model="baai/bge-m3")
        with pytest.raises(NotFoundError, match="does not exist"):
            client.openai.embed("x", model="nope")


def test_wait_gives_up_after_its_timeout() -> None:
    ticks = iter(range(100))
    with mock_client(frozenset({"async-never-completes"})) as client:
        client._clock = lambda: float(next(ticks))
        client._sleep = lambda seconds: None
        queued = client.bge_m3.submit_batch([{"text": "a"}])
        with pytest.raises(BatchTimeoutError) as caught:
            client.bge_m3.wait(queued.request_id, max_wait=5, interval=1)
    assert caught.value.request_id == queued.request_id and "running" in caught.value.message


def test_connection_refused_is_a_connection_error() -> None:
    base = "http://127.0.0.1:9/client/v4"  # the discard port: nothing listens there
    client = Client("acct", TOKEN, base_url=base, max_retries=1, sleep=lambda seconds: None)
    with client, pytest.raises(APIConnectionError):
        client.bge_m3.embed("x")


def test_missing_account_id_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    with pytest.raises(ConfigurationError, match="CLOUDFLARE_ACCOUNT_ID"):
        Client()


def test_the_token_never_appears_in_errors_or_reprs() -> None:
    """Even a server that echoes the token back does not get it into a message."""

    def echo(request: httpx.Request) -> httpx.Response:
        secret = request.headers["authorization"].removeprefix("Bearer ")
        envelope = {"success": False, "errors": [{"code": 9, "message": f"bad token {secret}"}]}
        if request.url.path.endswith("/embeddings"):
            return httpx.Response(
                401,
                json={
                    "error": {"message": f"key {secret}", "type": "x", "param": None, "code": None}
                },
            )
        return httpx.Response(401, json=envelope)

    http = httpx.Client(transport=httpx.MockTransport(echo))
    client = Client("acct", TOKEN, base_url=BASE, http_client=http)
    openai = OpenAIClient(TOKEN, base_url="http://mock.test/v1", http_client=http)
    seen: list[str] = [repr(client), repr(openai), repr(client.openai), repr(client._transport)]
    for call in (lambda: client.bge_m3.embed("x"), lambda: openai.embed("x", model="m")):
        with pytest.raises(APIError) as caught:
            call()
        seen += [str(caught.value), repr(caught.value), repr(caught.value.args)]
        assert isinstance(caught.value, AuthenticationError)
        seen += [message for _, message in caught.value.errors]
    assert all(TOKEN not in text for text in seen)
    assert any("***" in text for text in seen)
