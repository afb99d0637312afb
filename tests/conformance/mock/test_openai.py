"""The OpenAI-compatible route: float and base64 agree, token ids, usage, error shape."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import numpy as np
import pytest

from embedcheck.conformance.mock import MockConfig
from tests.conformance.mock.wire import (
    ACCOUNT,
    BASE,
    DIMS,
    M3,
    OPENAI,
    assert_valid,
    mock_client,
    result,
    run_url,
    vectors,
)

pytestmark = pytest.mark.anyio


async def embeddings(client: httpx.AsyncClient, body: dict[str, Any], path: str = OPENAI) -> Any:
    response = await client.post(path, json=body)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["x-request-id"].startswith("req_")
    reply = response.json()
    assert_valid("openai-embeddings", "response", reply)
    return reply


def decoded(embedding: str) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.frombuffer(base64.b64decode(embedding), dtype="<f4")


async def openai_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:300]
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert_valid("openai-embeddings", "error", body)
    error: dict[str, Any] = body["error"]
    return error


@pytest.mark.parametrize("path", [OPENAI, f"{ACCOUNT}/ai/v1/embeddings"])
async def test_float_and_base64_give_the_same_vectors_as_workers_ai(
    client: httpx.AsyncClient, path: str
) -> None:
    texts = ["alpha", "beta gamma", "δ"]
    floats = await embeddings(client, {"model": BASE, "input": texts}, path)
    packed = await embeddings(client, {"model": BASE, "input": texts, "encoding_format": "base64"})
    native = result(await client.post(run_url(BASE), json={"text": texts}))
    assert [d["index"] for d in floats["data"]] == [0, 1, 2]
    as_floats = vectors([d["embedding"] for d in floats["data"]])
    as_base64 = np.stack([decoded(d["embedding"]) for d in packed["data"]])
    assert as_base64.shape == (3, DIMS[BASE])
    np.testing.assert_array_equal(as_floats, as_base64)
    np.testing.assert_array_equal(as_floats, vectors(native["data"]))  # default pooling: mean
    assert floats["usage"] == {"prompt_tokens": 4, "total_tokens": 4}
    assert floats["model"] == BASE


@pytest.mark.parametrize("name", [M3, "baai/bge-m3", "BAAI/bge-m3", "bge-m3"])
async def test_model_names_in_gateway_and_slug_style_are_accepted(
    client: httpx.AsyncClient, name: str
) -> None:
    reply = await embeddings(client, {"model": name, "input": "hi"})
    assert reply["model"] == name
    assert len(reply["data"][0]["embedding"]) == 1024


async def test_token_id_inputs_are_embedded_and_counted(client: httpx.AsyncClient) -> None:
    single = await embeddings(client, {"model": M3, "input": [101, 2023, 102]})
    batch = await embeddings(client, {"model": M3, "input": [[101, 2023, 102], [7]]})
    assert len(single["data"]) == 1 and len(batch["data"]) == 2
    assert single["data"][0]["embedding"] == batch["data"][0]["embedding"]
    assert batch["usage"]["prompt_tokens"] == 4
    as_floats = await embeddings(client, {"model": M3, "input": [101.0, 2023, 102.0]})
    assert as_floats["data"][0]["embedding"] == single["data"][0]["embedding"]  # 2.0 is 2
    text = await embeddings(client, {"model": M3, "input": "101,2023,102"})
    assert text["data"][0]["embedding"] != single["data"][0]["embedding"]


async def test_dimensions_truncates_and_renormalises(client: httpx.AsyncClient) -> None:
    reply = await embeddings(client, {"model": BASE, "input": "x", "dimensions": 256})
    row = vectors(reply["data"][0]["embedding"])
    assert row.shape == (256,)
    assert abs(float(np.linalg.norm(row)) - 1) < 1e-5
    as_float = await embeddings(client, {"model": BASE, "input": "x", "dimensions": 256.0})
    assert as_float["data"][0]["embedding"] == reply["data"][0]["embedding"]  # 256.0 is 256
    too_many = await client.post(OPENAI, json={"model": BASE, "input": "x", "dimensions": 769})
    assert (await openai_error(too_many, 400))["param"] == "dimensions"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": BASE, "input": ""}, "input"),
        ({"model": BASE, "input": []}, "input"),
        ({"model": BASE, "input": [[]]}, "input"),
        ({"model": BASE, "input": ["a", 1]}, "input"),
        ({"model": BASE}, "input"),
        ({"input": "a"}, "model"),
        ({"model": BASE, "input": "a", "encoding_format": "base85"}, "encoding_format"),
        ({"model": BASE, "input": "a", "dimensions": 0}, "dimensions"),
        ({"model": BASE, "input": "a", "pooling": "cls"}, "pooling"),
    ],
)
async def test_invalid_requests_are_400_in_openai_error_shape(
    client: httpx.AsyncClient, body: dict[str, Any], param: str
) -> None:
    error = await openai_error(await client.post(OPENAI, json=body), 400)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param


async def test_unknown_model_is_404_model_not_found(client: httpx.AsyncClient) -> None:
    response = await client.post(OPENAI, json={"model": "text-embedding-3-small", "input": "a"})
    error = await openai_error(response, 404)
    assert error["code"] == "model_not_found" and error["param"] == "model"


@pytest.mark.parametrize("header", [None, "Bearer nope"])
async def test_bad_token_is_401_in_openai_error_shape(header: str | None) -> None:
    headers = {"authorization": header} if header else {}
    async with mock_client(MockConfig(api_token="sk-right")) as client:
        response = await client.post(OPENAI, json={"model": BASE, "input": "a"}, headers=headers)
        good = await client.post(
            OPENAI, json={"model": BASE, "input": "a"}, headers={"authorization": "Bearer sk-right"}
        )
    error = await openai_error(response, 401)
    assert error["code"] == "invalid_api_key"
    assert good.status_code == 200
