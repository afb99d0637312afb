"""Every method of the generated async client, in-process through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from workers_ai_embeddings import AsyncClient, AsyncOpenAIClient
from workers_ai_embeddings.models import (
    bge_base_en_v1_5,
    bge_m3,
    bge_small_en_v1_5,
    openai_embeddings,
)

from embedcheck.conformance.mock import MockConfig, create_app
from embedcheck.conformance.mock.server import RunningMock
from tests.generator.conftest import TOKEN

pytestmark = pytest.mark.anyio
BASE = "http://mock.test/client/v4"


@pytest.fixture
async def client() -> AsyncIterator[AsyncClient]:
    app = create_app(MockConfig(api_token=TOKEN, queue_polls_until_done=1))
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http,
        AsyncClient("acct", TOKEN, base_url=BASE, http_client=http) as client,
    ):
        yield client


async def test_embed_and_embed_many(client: AsyncClient) -> None:
    base = client.bge_base_en_v1_5
    one = await base.embed("hello", pooling="cls")
    assert isinstance(one, bge_base_en_v1_5.EmbeddingOutput)
    assert one.shape == [1, 768] and one.pooling == "cls"
    texts = [f"t{i}" for i in range(205)]
    many = await base.embed_many(texts)
    assert many.shape == [205, 768]
    assert many.data[204] == (await base.embed("t204")).data[0]


async def test_batch_submit_poll_wait(client: AsyncClient) -> None:
    small = client.bge_small_en_v1_5
    queued = await small.submit_batch([{"text": "a"}, {"text": ["b", "c"]}])
    pending = await small.poll(queued.request_id)
    assert isinstance(pending, bge_small_en_v1_5.QueuePending) and pending.status == "running"
    done = await small.wait(queued.request_id, interval=0.001)
    assert [r.id for r in done.responses] == [0, 1]
    results = [r.result for r in done.responses]
    assert all(isinstance(r, bge_small_en_v1_5.EmbeddingOutput) for r in results)
    assert [r.shape for r in results if isinstance(r, bge_small_en_v1_5.EmbeddingOutput)] == [
        [1, 384],
        [2, 384],
    ]


async def test_m3_rank_and_contexts(client: AsyncClient) -> None:
    scores = await client.bge_m3.rank("q", ["a", "b"])
    assert isinstance(scores, bge_m3.QueryScoresOutput)
    assert {item.id for item in scores.response} == {0, 1}
    contexts = await client.bge_m3.embed_contexts(["a"], truncate_inputs=False)
    assert isinstance(contexts, bge_m3.ContextEmbeddingsOutput) and contexts.shape == [1, 1024]
    vectors = await client.bge_m3.embed("a")
    assert vectors.shape == [1, 1024]
    queued = await client.bge_m3.submit_batch([{"contexts": [{"text": "x"}]}])
    done = await client.bge_m3.wait(queued.request_id, interval=0.001)
    assert isinstance(done.responses[0].result, bge_m3.ContextEmbeddingsOutput)


async def test_openai_compatible(client: AsyncClient) -> None:
    reply = await client.openai.create(["a"], model="baai/bge-m3", encoding_format="base64")
    assert isinstance(reply, openai_embeddings.CreateEmbeddingResponse)
    assert isinstance(reply.data[0].embedding, list) and len(reply.data[0].embedding) == 1024
    vectors = await client.openai.embed("a", model="baai/bge-m3")
    assert vectors[0] == pytest.approx(reply.data[0].embedding, abs=1e-6)


async def test_async_client_over_a_real_socket(mock_with_token: RunningMock) -> None:
    async with AsyncOpenAIClient(TOKEN, base_url=f"{mock_with_token.base_url}/v1") as openai:
        assert len((await openai.embed(["x", "y"], model="@cf/baai/bge-m3"))[1]) == 1024
    base = f"{mock_with_token.base_url}/client/v4"
    async with AsyncClient("acct", TOKEN, base_url=base) as client:
        assert (await client.bge_large_en_v1_5.embed(["x"])).shape == [1, 1024]
