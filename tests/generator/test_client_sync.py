"""Every method of the generated sync client against the mock server on a real socket."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest
from workers_ai_embeddings import BgeM3, Client, OpenAIClient
from workers_ai_embeddings.models import (
    bge_m3,
    openai_embeddings,
)

from embedcheck.conformance.mock.server import RunningMock
from embedcheck.generator.naming import snake
from embedcheck.schemas.location import PACKAGED_ROOT
from embedcheck.schemas.manifest import read_manifest
from tests.generator.conftest import PACKAGE, TOKEN

# The models with a pooling choice and a batch queue (the bge English ones), as the manifest
# generated/ is built from lists them: (client attribute, models module, dims).
ENGLISH = [
    (snake(m.slug), importlib.import_module(f"{PACKAGE}.models.{snake(m.slug)}"), m.dims)
    for m in read_manifest(PACKAGED_ROOT).models
    if m.provider == "workers-ai" and m.pooling and m.batch
]


@pytest.fixture
def client(mock_with_token: RunningMock) -> Iterator[Client]:
    with Client("acct", TOKEN, base_url=f"{mock_with_token.base_url}/client/v4") as client:
        yield client


@pytest.mark.parametrize(("attr", "module", "dims"), ENGLISH)
def test_english_models_embed_one_text_and_a_list(
    client: Client, attr: str, module: ModuleType, dims: int
) -> None:
    resource = getattr(client, attr)
    one = resource.embed("hello")
    assert isinstance(one, module.EmbeddingOutput)
    assert one.shape == [1, dims] and len(one.data[0]) == dims
    assert all(isinstance(x, int) for x in one.shape)
    many = resource.embed(["hello", "world"], pooling="cls")
    assert many.shape == [2, dims] and many.pooling == "cls"
    assert many.data[0] != many.data[1]
    mean = resource.embed(["hello", "world"], pooling="mean")
    assert mean.data[0] != many.data[0]  # pooling reached the server


@pytest.mark.parametrize(("attr", "module", "dims"), ENGLISH)
def test_embed_many_splits_into_compliant_requests_and_keeps_order(
    client: Client, attr: str, module: ModuleType, dims: int
) -> None:
    resource = getattr(client, attr)
    texts = [f"text number {i}" for i in range(230)]
    combined = resource.embed_many(texts, pooling="cls")
    assert combined.shape == [230, dims] and len(combined.data) == 230
    # Each vector is the one the text gets alone: split and reassembled in order.
    for index in (0, 99, 100, 199, 229):
        assert combined.data[index] == resource.embed(texts[index], pooling="cls").data[0]


@pytest.mark.parametrize(("attr", "module", "dims"), ENGLISH)
def test_english_batch_submit_poll_wait(
    client: Client, attr: str, module: ModuleType, dims: int
) -> None:
    resource = getattr(client, attr)
    queued = resource.submit_batch([{"text": ["a", "b"]}, {"text": "c", "pooling": "cls"}])
    assert isinstance(queued, module.AsyncResponse)
    first = resource.poll(queued.request_id)
    assert isinstance(first, module.QueuePending)
    assert first.status in ("queued", "running")
    done = resource.wait(queued.request_id, max_wait=5, interval=0.01)
    assert isinstance(done, module.QueueResult)
    assert [r.id for r in done.responses] == [0, 1]
    first_result = done.responses[0].result
    assert isinstance(first_result, module.EmbeddingOutput)
    assert first_result.shape == [2, dims]


def test_m3_embed_rank_and_context_embeddings(client: Client) -> None:
    m3: BgeM3 = client.bge_m3
    vectors = m3.embed(["a", "b", "c"], truncate_inputs=True)
    assert isinstance(vectors, bge_m3.EmbeddingOutput) and vectors.shape == [3, 1024]
    scores = m3.rank("which is about cats?", ["dogs bark", "cats purr", "birds sing"])
    assert isinstance(scores, bge_m3.QueryScoresOutput)
    assert {item.id for item in scores.response} == {0, 1, 2}
    assert all(isinstance(item.score, float) for item in scores.response)
    contexts = m3.embed_contexts(["dogs bark", "cats purr"])
    assert isinstance(contexts, bge_m3.ContextEmbeddingsOutput)
    assert contexts.shape == [2, 1024] and len(contexts.response) == 2
    many = m3.embed_many([str(i) for i in range(150)])
    assert many.shape == [150, 1024]


def test_m3_batch_mixes_query_and_text_requests(client: Client) -> None:
    m3 = client.bge_m3
    queued = m3.submit_batch(
        [
            bge_m3.EmbedRequest.model_validate({"text": ["x", "y"]}),
            {"query": "q", "contexts": [{"text": "one"}, {"text": "two"}]},
        ]
    )
    done = m3.wait(queued.request_id, interval=0.01)
    kinds = [type(r.result) for r in done.responses]
    assert kinds == [bge_m3.EmbeddingOutput, bge_m3.QueryScoresOutput]


def test_openai_compatible_routes_float_and_base64(
    client: Client, mock_with_token: RunningMock
) -> None:
    as_floats = client.openai.create(["a", "b"], model="@cf/baai/bge-small-en-v1.5")
    assert isinstance(as_floats, openai_embeddings.CreateEmbeddingResponse)
    assert as_floats.usage.total_tokens > 0
    from_base64 = client.openai.embed(
        ["a", "b"], model="@cf/baai/bge-small-en-v1.5", encoding_format="base64"
    )
    assert len(from_base64) == 2 and len(from_base64[0]) == 384
    for decoded, plain in zip(from_base64, as_floats.data, strict=True):
        assert isinstance(plain.embedding, list)
        assert decoded == pytest.approx(plain.embedding, abs=1e-6)  # float32 on the wire
    created = client.openai.create("a", model="@cf/baai/bge-m3", encoding_format="base64")
    assert isinstance(created.data[0].embedding, list)  # decoded in place
    with OpenAIClient(TOKEN, base_url=f"{mock_with_token.base_url}/v1") as standalone:
        tokens = standalone.embed([[1, 2, 3], [4, 5]], model="@cf/baai/bge-m3", dimensions=8)
        assert [len(v) for v in tokens] == [8, 8]


def test_client_reads_account_and_token_from_the_environment(
    mock_with_token: RunningMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "from-env")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", f"{mock_with_token.base_url}/client/v4")
    with Client() as client:
        assert client.account_id == "from-env"
        assert client.bge_small_en_v1_5.embed("hi").shape == [1, 384]
