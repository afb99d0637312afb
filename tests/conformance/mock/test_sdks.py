"""The official SDKs work against the mock unchanged, over a real socket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import cloudflare
import numpy as np
import openai
import pytest

from embedcheck.conformance.mock import MockConfig, RunningMock, serve
from tests.conformance.mock.wire import BASE, M3, assert_valid

TOKEN = "sdk-test-token"


@pytest.fixture(scope="module")
def authed_mock() -> Iterator[RunningMock]:
    with serve(MockConfig(api_token=TOKEN)) as running:
        yield running


class Recorder:
    """Keeps what an SDK put on the wire, through event hooks on the SDK's own default HTTP
    client class (whichever httpx flavour that SDK version is built on)."""

    def __init__(self) -> None:
        self.requests: list[Any] = []

    def hooks(self) -> dict[str, list[Any]]:
        return {"request": [self.requests.append]}

    def body(self) -> Any:
        return json.loads(self.requests[-1].content)

    def raw_path(self) -> str:
        return str(self.requests[-1].url.raw_path.decode())


def test_openai_sdk_default_base64_and_float(authed_mock: RunningMock) -> None:
    recorder = Recorder()
    sdk = openai.OpenAI(
        base_url=f"{authed_mock.base_url}/v1",
        api_key=TOKEN,
        http_client=openai.DefaultHttpxClient(event_hooks=recorder.hooks()),
    )
    texts = ["the quick brown fox", "jumps"]
    default = sdk.embeddings.create(model="baai/bge-m3", input=texts)
    assert recorder.body()["encoding_format"] == "base64"  # the SDK asked, then decoded it
    floats = sdk.embeddings.create(model="baai/bge-m3", input=texts, encoding_format="float")
    assert recorder.body()["encoding_format"] == "float"
    assert [d.index for d in default.data] == [0, 1]
    assert default.usage.prompt_tokens == 5
    np.testing.assert_array_equal(
        np.asarray([d.embedding for d in default.data], dtype=np.float32),
        np.asarray([d.embedding for d in floats.data], dtype=np.float32),
    )
    assert len(default.data[0].embedding) == 1024


def test_openai_sdk_sees_typed_errors(authed_mock: RunningMock) -> None:
    base_url = f"{authed_mock.base_url}/v1"
    with pytest.raises(openai.AuthenticationError) as denied:
        openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).embeddings.create(
            model=BASE, input="a"
        )
    assert denied.value.code == "invalid_api_key"
    assert str(denied.value.request_id).startswith("req_")
    sdk = openai.OpenAI(base_url=base_url, api_key=TOKEN, max_retries=0)
    with pytest.raises(openai.NotFoundError) as missing:
        sdk.embeddings.create(model="text-embedding-3-small", input="a")
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad:
        sdk.embeddings.create(model=BASE, input="")
    assert bad.value.param == "input"


def run(sdk: cloudflare.Cloudflare, model: str, **kwargs: Any) -> dict[str, Any]:
    """`client.ai.run`, which unwraps the envelope and hands back the model output as a dict."""
    output = sdk.ai.run(model, account_id="acc123", **kwargs)
    assert isinstance(output, dict), output
    return output


def test_cloudflare_sdk_runs_models_with_the_encoded_path(authed_mock: RunningMock) -> None:
    recorder = Recorder()
    sdk = cloudflare.Cloudflare(
        api_token=TOKEN,
        base_url=f"{authed_mock.base_url}/client/v4",
        http_client=cloudflare.DefaultHttpxClient(event_hooks=recorder.hooks()),
    )
    output = run(sdk, BASE, text=["hello", "world"])
    assert "/ai/run/@cf%2Fbaai%2Fbge-base-en-v1.5" in recorder.raw_path()
    assert_valid(BASE, "output", output)
    assert output["shape"] == [2, 768] and output["pooling"] == "mean"
    assert run(sdk, BASE, text="hello", extra_body={"pooling": "cls"})["pooling"] == "cls"
    scores = run(sdk, M3, extra_body={"query": "q", "contexts": [{"text": "c"}]})
    assert_valid(M3, "output", scores)
    assert scores["response"][0]["id"] == 0


def test_cloudflare_sdk_queues_a_batch_and_polls_it(authed_mock: RunningMock) -> None:
    sdk = cloudflare.Cloudflare(api_token=TOKEN, base_url=f"{authed_mock.base_url}/client/v4")
    queued = run(
        sdk,
        BASE,
        extra_body={"requests": [{"text": "a"}, {"text": ["b", "c"]}]},
        extra_query={"queueRequest": "true"},
    )
    statuses: list[str] = []
    reply = run(sdk, BASE, extra_body={"request_id": queued["request_id"]})
    while "status" in reply and len(statuses) < 5:
        statuses.append(reply["status"])
        reply = run(sdk, BASE, extra_body={"request_id": queued["request_id"]})
    assert statuses == ["queued", "running"]
    assert sorted(r["id"] for r in reply["responses"]) == [0, 1]


def test_cloudflare_sdk_raises_on_bad_token_and_bad_input(authed_mock: RunningMock) -> None:
    base_url = f"{authed_mock.base_url}/client/v4"
    denied = cloudflare.Cloudflare(api_token="wrong", base_url=base_url, max_retries=0)
    with pytest.raises(cloudflare.AuthenticationError):
        denied.ai.run(BASE, account_id="acc123", text="a")
    sdk = cloudflare.Cloudflare(api_token=TOKEN, base_url=base_url, max_retries=0)
    with pytest.raises(cloudflare.BadRequestError) as bad:
        sdk.ai.run(BASE, account_id="acc123", text="")
    assert "5006" in str(bad.value) or "Bad input" in str(bad.value)
