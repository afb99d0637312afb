"""The v4 `ai/run` route: outputs per input branch fit the effective output schema, refusals
come in the envelope with the documented codes, and vectors behave like embeddings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import numpy as np
import pytest

from embedcheck.conformance.mock import MockConfig
from embedcheck.schemas import raw_schema
from tests.conformance.mock.wire import (
    ACCOUNT,
    DIMS,
    M3,
    MODELS,
    SETTING_MODELS,
    SMALL,
    assert_valid,
    error_of,
    max_texts,
    mock_client,
    result,
    run_url,
    setting,
    variant,
    vectors,
)

pytestmark = pytest.mark.anyio


async def run(client: httpx.AsyncClient, model: str, body: Any) -> Any:
    return result(await client.post(run_url(model), json=body))


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("text", ["one text", ["a", "b", "c"], [], ["é ünï 漢字 🙂", "x"]])
async def test_embedding_output_fits_schema_with_n_unit_vectors(
    client: httpx.AsyncClient, model: str, text: Any
) -> None:
    output = await run(client, model, {"text": text})
    assert_valid(model, "output", output)
    assert variant(model, output) == "EmbeddingOutput"
    n = 1 if isinstance(text, str) else len(text)
    assert output["shape"] == [n, DIMS[model]]
    rows = vectors(output["data"]).reshape(n, DIMS[model])
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("model", MODELS)
async def test_a_full_batch_gives_as_many_distinct_unit_vectors(
    client: httpx.AsyncClient, model: str
) -> None:
    limit = max_texts(model)  # the schema's maxItems: 100 for the bge models
    output = await run(client, model, {"text": [f"text {i} 🙂" for i in range(limit)]})
    rows = vectors(output["data"])
    assert output["shape"] == list(rows.shape) == [limit, DIMS[model]]
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert len({row.tobytes() for row in rows}) == limit
    over = await client.post(run_url(model), json={"text": ["t"] * (limit + 1)})
    assert over.status_code == 400


@pytest.mark.parametrize("model", SETTING_MODELS)
async def test_replies_name_the_setting_and_each_value_gives_other_vectors(
    client: httpx.AsyncClient, model: str
) -> None:
    found = setting(model)
    assert found is not None
    key, values, default = found
    omitted = await run(client, model, {"text": "pooling"})
    assert omitted[key] == default
    replies = {v: await run(client, model, {"text": "pooling", key: v}) for v in values}
    assert {v: r[key] for v, r in replies.items()} == {v: v for v in values}
    assert omitted["data"] == replies[default]["data"]
    others = [v for v in values if v != default]
    for value in others:
        cosine = vectors(replies[value]["data"])[0] @ vectors(replies[default]["data"])[0]
        assert float(cosine) < 0.9, value


async def test_bge_m3_replies_carry_no_pooling(client: httpx.AsyncClient) -> None:
    # bge-m3 takes no pooling input; an unknown key is allowed by its schema and ignored.
    output = await run(client, M3, {"text": "x", "pooling": "cls"})
    assert "pooling" not in output
    assert output["data"] == (await run(client, M3, {"text": "x"}))["data"]


@pytest.mark.parametrize("model", MODELS)
async def test_a_text_gets_the_same_vector_alone_and_anywhere_in_a_batch(
    client: httpx.AsyncClient, model: str
) -> None:
    alone = await run(client, model, {"text": "needle"})
    batch = await run(client, model, {"text": ["hay", "straw", "needle", "hay"]})
    again = await run(client, model, {"text": "needle"})
    assert batch["data"][2] == alone["data"][0] == again["data"][0]
    assert batch["data"][0] == batch["data"][3] != batch["data"][1]


async def test_bge_m3_query_scores_every_context_by_cosine(client: httpx.AsyncClient) -> None:
    contexts = [{"text": "a cloud"}, {"text": "a llama"}, {}]
    output = await run(client, M3, {"query": "clouds", "contexts": contexts})
    assert_valid(M3, "output", output)
    assert variant(M3, output) == "QueryScoresOutput"
    assert [item["id"] for item in output["response"]] == [0, 1, 2]
    # The scores are the cosines of the vectors the same server gives for these texts.
    query = vectors((await run(client, M3, {"text": "clouds"}))["data"][0])
    texts = vectors((await run(client, M3, {"text": ["a cloud", "a llama"]}))["data"])
    expected = texts @ query
    got = [item["score"] for item in output["response"]]
    np.testing.assert_allclose(got[:2], expected, atol=1e-5)


async def test_bge_m3_contexts_without_query_give_their_vectors(
    client: httpx.AsyncClient,
) -> None:
    output = await run(client, M3, {"contexts": [{"text": "a"}, {"text": "b"}]})
    assert_valid(M3, "output", output)
    assert variant(M3, output) == "ContextEmbeddingsOutput"
    assert output["shape"] == [2, 1024]
    assert output["response"] == (await run(client, M3, {"text": ["a", "b"]}))["data"]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"contexts": [{}]}, "ContextEmbeddingsOutput"),  # valid: a context without text
        ({"contexts": []}, "ContextEmbeddingsOutput"),
        ({"query": "q", "contexts": []}, "QueryScoresOutput"),
        ({"query": "q", "contexts": [{}, {"text": "t", "extra": 1}]}, "QueryScoresOutput"),
    ],
)
async def test_bge_m3_edge_inputs_the_schema_allows_are_answered(
    client: httpx.AsyncClient, body: dict[str, Any], name: str
) -> None:
    output = await run(client, M3, body)
    assert_valid(M3, "output", output)
    assert variant(M3, output) == name


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (SMALL, {"text": 5, "requests": [{"text": "a"}]}),  # valid through the requests branch
        (SMALL, {"requests": [5]}),  # English batch items declare no type
        (M3, {"requests": [{"contexts": [{}]}, {"text": ["a"]}]}),
    ],
)
async def test_bodies_valid_through_the_batch_branch_are_queued(
    client: httpx.AsyncClient, model: str, body: dict[str, Any]
) -> None:
    output = await run(client, model, body)
    assert_valid(model, "output", output)
    assert variant(model, output) == "AsyncResponse"
    assert output["status"] == "queued"
    assert output["model"] == model


@pytest.mark.parametrize(
    ("model", "body", "where"),
    [
        (SMALL, {"text": ""}, "'/text'"),
        (SMALL, {"text": ["a"] * 101}, "'/text'"),
        (SMALL, {"text": ["a", ""]}, "'/text/1'"),
        (SMALL, {"text": "a", "pooling": "max"}, "'/pooling'"),
        (SMALL, {"text": "a", "requests": [{"text": "b"}]}, "'/'"),  # fits two variants
        (SMALL, {"requests": [{"pooling": "cls"}]}, "'/requests/0'"),
        (SMALL, {}, "'/'"),
        (SMALL, [1, 2], "'/'"),
        (SMALL, "text", "'/'"),
        (M3, {"requests": [5]}, "'/requests/0'"),
        (M3, {"query": "", "contexts": []}, "'/query'"),
        (M3, {"contexts": [{"text": 3}]}, "'/contexts/0/text'"),
    ],
)
async def test_invalid_input_is_400_code_5006_naming_the_field(
    client: httpx.AsyncClient, model: str, body: Any, where: str
) -> None:
    error = error_of(await client.post(run_url(model), json=body), 400)
    assert error["code"] == 5006
    assert error["message"].startswith("AiError: Bad input: Error: ")
    assert f"at {where} not met" in error["message"]


async def test_malformed_and_missing_bodies_are_400(client: httpx.AsyncClient) -> None:
    bad = error_of(await client.post(run_url(SMALL), content=b'{"text": "a"'), 400)
    assert bad["code"] == 5006 and "not valid JSON" in bad["message"]
    empty = error_of(await client.post(run_url(SMALL), content=b""), 400)
    assert empty["code"] == 3003


@pytest.mark.parametrize("model", ["@cf/baai/bge-nano", "bge-m3", "@cf/meta/llama-3-8b"])
async def test_unknown_model_is_400_code_5007(client: httpx.AsyncClient, model: str) -> None:
    error = error_of(await client.post(run_url(model), json={"text": "a"}), 400)
    assert error["code"] == 5007
    assert model in error["message"]


async def test_percent_encoded_model_in_the_path_is_the_same_model(
    client: httpx.AsyncClient,
) -> None:
    raw = await run(client, M3, {"text": "x"})
    encoded = result(await client.post(f"{ACCOUNT}/ai/run/@cf%2Fbaai%2Fbge-m3", json={"text": "x"}))
    assert raw == encoded


async def test_body_over_10_mb_is_413_code_3006(client: httpx.AsyncClient) -> None:
    big = b'{"text": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    error = error_of(await client.post(run_url(SMALL), content=big), 413)
    assert error["code"] == 3006


async def test_chunked_upload_is_cut_off_at_the_limit() -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(1000):  # 64 MB if the server read it all
            sent.append(1)
            yield b" " * 65536

    async with mock_client(MockConfig(max_body_bytes=1024 * 1024)) as client:
        response = await client.post(run_url(SMALL), content=chunks())
    assert error_of(response, 413)["code"] == 3006
    assert len(sent) < 100  # the server stopped reading soon after 1 MB


async def test_more_texts_than_the_budget_is_413() -> None:
    async with mock_client(MockConfig(max_texts=5)) as client:
        contexts: dict[str, Any] = {"contexts": [{}] * 6}
        error = error_of(await client.post(run_url(M3), json=contexts), 413)
        batch = {"requests": [{"text": ["a", "b", "c"]}, {"text": ["d", "e", "f"]}]}
        batch_error = error_of(await client.post(run_url(SMALL), json=batch), 413)
    assert error["code"] == batch_error["code"] == 3006


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("Bearer wrong", 401),
        ("Basic s3cret", 401),
        ("Bearer s3cret", 200),
        ("bearer s3cret", 200),
    ],
)
async def test_token_is_required_when_configured(header: str | None, status: int) -> None:
    headers = {"authorization": header} if header else {}
    async with mock_client(MockConfig(api_token="s3cret")) as client:
        response = await client.post(run_url(SMALL), json={"text": "a"}, headers=headers)
    if status == 401:
        assert error_of(response, 401) == {"code": 10000, "message": "Authentication error"}
    else:
        result(response)


async def test_model_schema_route_serves_the_raw_upstream_schemas(
    client: httpx.AsyncClient,
) -> None:
    for model in MODELS:
        response = await client.get(f"{ACCOUNT}/ai/models/schema", params={"model": model})
        got = result(response)
        assert got == {"input": raw_schema(model, "input"), "output": raw_schema(model, "output")}
    unknown = await client.get(f"{ACCOUNT}/ai/models/schema", params={"model": "@cf/x/y"})
    assert error_of(unknown, 400)["code"] == 5007
    assert error_of(await client.get(f"{ACCOUNT}/ai/models/schema"), 400)["code"] == 3003


async def test_worker_route_returns_raw_output_and_json_400_errors(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"/run/{M3}", json={"query": "q", "contexts": [{"text": "c"}]})
    assert response.status_code == 200
    assert_valid(M3, "output", response.json())
    assert "success" not in response.json()
    bad = await client.post(f"/run/{SMALL}", json={"text": ""})
    assert bad.status_code == 400
    assert "'/text'" in bad.json()["error"]
    unknown = await client.post("/run/@cf/nope", json={"text": "a"})
    assert unknown.status_code == 400 and "No such model" in unknown.json()["error"]


async def test_unrouted_paths_answer_in_the_shape_of_their_api(client: httpx.AsyncClient) -> None:
    v4 = error_of(await client.get(f"{ACCOUNT}/ai/nothing"), 404)
    assert v4["code"] == 7003
    wrong_method = await client.get(run_url(SMALL))
    assert error_of(wrong_method, 405)["code"] == 7001
    assert wrong_method.headers["allow"] == "POST"  # RFC 9110: a 405 says what is allowed
    openai = await client.get("/v1/embeddings")
    assert openai.status_code == 405 and "error" in openai.json()
    assert openai.headers["allow"] == "POST"
