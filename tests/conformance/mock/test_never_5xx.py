"""Property: no body, however broken, gets a 5xx; what the clean mock accepts it answers well."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embedcheck.conformance.mock import RunningMock, create_app
from tests.conformance.mock.wire import (
    ACCOUNT,
    MODELS,
    OPENAI,
    assert_valid,
    run_url,
    schema_errors,
)

pytestmark = pytest.mark.anyio

APP = create_app()  # one app for every example: routes and validators are built once
KEYS = [
    "text", "pooling", "requests", "query", "contexts", "truncate_inputs", "request_id",
    "external_reference", "model", "input", "encoding_format", "dimensions", "user",
]  # fmt: skip
PATHS = [
    *(run_url(m) for m in MODELS),
    *(run_url(m) + "?queueRequest=true" for m in MODELS),
    *(f"/run/{m}" for m in MODELS),
    OPENAI,
    f"{ACCOUNT}/ai/v1/embeddings",
    run_url("@cf/unknown/model"),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "mean", "cls", "base64", "float", "@cf/baai/bge-m3", "🙂"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)
near_valid = st.fixed_dictionaries(
    {},
    optional={
        key: st.one_of(json_values, st.lists(st.text(max_size=5), max_size=3))
        for key in ("text", "pooling", "query", "contexts", "requests", "model", "input")
    },
)

texts = st.one_of(st.text(max_size=12), st.lists(st.text(max_size=6), max_size=4))
plausible = st.one_of(
    st.fixed_dictionaries(
        {"text": texts}, optional={"pooling": st.sampled_from(["mean", "cls", "max", ""])}
    ),
    st.fixed_dictionaries(
        {"contexts": st.lists(st.fixed_dictionaries({}, optional={"text": st.text()}), max_size=3)},
        optional={"query": st.text(max_size=8)},
    ),
    st.fixed_dictionaries(
        {"requests": st.lists(st.fixed_dictionaries({"text": texts}), max_size=3)}
    ),
    st.fixed_dictionaries(
        {
            "model": st.sampled_from([*MODELS, "baai/bge-m3", "bge-small-en-v1.5", "gpt"]),
            "input": st.one_of(texts, st.lists(st.integers(-5, 70000), max_size=4)),
        },
        optional={"encoding_format": st.sampled_from(["float", "base64", "hex"])},
    ),
)


def encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()  # NaN/Infinity tokens included


async def send(path: str, content: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        return await client.post(path, content=content)


def assert_well_formed(path: str, response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:300]
    body = response.json()  # every reply of the clean mock is JSON
    if path.startswith(ACCOUNT + "/ai/run/"):
        if response.status_code != 200:
            assert_valid("cloudflare-v4", "error", body)
            return
        assert_valid("cloudflare-v4", "success", body)
        model = path.removeprefix(ACCOUNT + "/ai/run/").split("?")[0]
        assert not schema_errors(model, "output", body["result"]), body["result"]
    elif "/v1/embeddings" in path:
        role = "response" if response.status_code == 200 else "error"
        assert_valid("openai-embeddings", role, body)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), body=st.one_of(json_values, near_valid, plausible))
async def test_json_bodies_never_get_a_5xx_and_answers_fit_their_schemas(
    path: str, body: Any
) -> None:
    assert_well_formed(path, await send(path, encode(body)))


@settings(max_examples=100, deadline=None)
@given(path=st.sampled_from(PATHS), content=st.binary(max_size=200))
async def test_random_bytes_never_get_a_5xx(path: str, content: bytes) -> None:
    assert_well_formed(path, await send(path, content))


HOSTILE: list[tuple[str, bytes]] = [
    ("text", b"\xff\xfe\x00garbage"),
    ("deep", b"[" * 5000 + b"]" * 5000),
    ("deep-object", b'{"text":' * 2000 + b'"a"' + b"}" * 2000),
    ("surrogate", b'{"text": "\\ud800"}'),
    ("big-int", b'{"text": "a", "pooling": 123456789012345678901234567890}'),
    ("nan", b'{"model": "bge-m3", "input": NaN}'),
    ("many-contexts", b'{"contexts": [' + b"{}," * 20000 + b"{}]}"),
]


def test_hostile_bodies_over_a_real_socket_never_get_a_5xx(mock_server: RunningMock) -> None:
    with httpx.Client(base_url=mock_server.base_url, timeout=30) as client:
        for name, content in HOSTILE:
            for path in (run_url("@cf/baai/bge-m3"), OPENAI, "/run/@cf/baai/bge-m3"):
                response = client.post(path, content=content)
                assert response.status_code < 500, (name, path, response.text[:200])
                assert response.json()
        wrong_method = client.put(run_url("@cf/baai/bge-m3"), content=b"{}")
        assert wrong_method.status_code == 405
