"""Every fault switch does what its one line says, and the clean mock does not."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import numpy as np
import pytest

from embedcheck.conformance.mock import FAULTS, MockConfig
from tests.conformance.mock.wire import (
    BASE,
    M3,
    OPENAI,
    SMALL,
    mock_client,
    result,
    run_url,
    vectors,
)

pytestmark = pytest.mark.anyio

# The names agreed with the conformance suite and the generator (contract.md).
AGREED = [
    "wrong-dims",
    "drop-last-vector",
    "reorder-vectors",
    "shape-mismatch",
    "accept-101-items",
    "accept-empty-string",
    "accept-unknown-pooling",
    "unicode-500",
    "nondeterministic",
    "batch-variance",
    "pooling-ignored",
    "pooling-not-echoed",
    "same-vector-for-all",
    "envelope-missing-success",
    "error-status-200",
    "error-plain-body",
    "wrong-content-type",
    "nan-in-output",
    "m3-ids-out-of-range",
    "async-never-completes",
    "auth-not-enforced",
    "openai-index-off-by-one",
    "openai-base64-ignored",
    "openai-missing-usage",
    "openai-flat-error",
    "openai-bad-encoding-accepted",
    "openai-token-ids-refused",
    "unknown-model-served",
    "usage-counts-characters",
    "usage-zero",
    "dimensions-ignored",
    "dimensions-not-renormalised",
    "truncate-ignored",
    "surrogate-500",
    "silent-truncation",
    "shuffle-vectors",
    "batch-degrades-from-16",
    "one-vector-for-batch",
    "concurrent-corruption",
    "openai-empty-array-vectors",
]

TOKEN = "fault-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
Check = Callable[[httpx.AsyncClient, httpx.AsyncClient], Awaitable[None]]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[name] = function
        return function

    return register


async def post(client: httpx.AsyncClient, model: str, body: Any) -> httpx.Response:
    return await client.post(run_url(model), json=body, headers=AUTH)


async def output(client: httpx.AsyncClient, model: str, body: Any) -> Any:
    return result(await post(client, model, body))


async def openai(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post(OPENAI, json=body, headers=AUTH)


def cosine(a: Any, b: Any) -> float:
    return float(vectors(a) @ vectors(b))


def _first_vector(response: httpx.Response) -> list[float]:
    assert response.status_code == 200, response.text
    vector: list[float] = response.json()["data"][0]["embedding"]
    return vector


SENTENCE = "This is a story about an orange cloud"


@check("unknown-model-served")
async def _unknown_model(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": "no-such-model", "input": "a"}
    assert (await openai(faulty, body)).status_code == 200
    assert (await openai(clean, body)).status_code in (400, 404)
    # In the URL too: Workers AI's route serves the made-up name instead of its 5007.
    served = await post(faulty, "@cf/embedcheck/no-such-model", {"text": "a"})
    refused = await post(clean, "@cf/embedcheck/no-such-model", {"text": "a"})
    assert (served.status_code, len(served.json()["result"]["data"])) == (200, 1)
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (400, 5007)


@check("usage-counts-characters")
async def _usage_characters(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": SENTENCE}
    got = (await openai(faulty, body)).json()["usage"]["prompt_tokens"]
    want = (await openai(clean, body)).json()["usage"]["prompt_tokens"]
    assert got == len(SENTENCE) and 0 < want < len(SENTENCE) / 2


@check("usage-zero")
async def _usage_zero(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": SENTENCE}
    assert (await openai(faulty, body)).json()["usage"]["prompt_tokens"] == 0
    assert (await openai(clean, body)).json()["usage"]["prompt_tokens"] > 0


@check("dimensions-ignored")
async def _dimensions_ignored(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": SENTENCE, "dimensions": 8}
    assert len(_first_vector(await openai(faulty, body))) == 384
    assert len(_first_vector(await openai(clean, body))) == 8


@check("dimensions-not-renormalised")
async def _dimensions_cut(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": SENTENCE, "dimensions": 8}
    cut = _first_vector(await openai(faulty, body))
    kept = _first_vector(await openai(clean, body))
    assert len(cut) == len(kept) == 8
    assert abs(sum(x * x for x in kept) - 1) < 1e-3 and sum(x * x for x in cut) < 0.9


@check("wrong-dims")
async def _wrong_dims(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    got = await output(faulty, SMALL, {"text": "a"})
    assert got["shape"] == [1, 383] and len(got["data"][0]) == 383
    assert (await output(clean, SMALL, {"text": "a"}))["shape"] == [1, 384]


@check("drop-last-vector")
async def _drop_last(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": ["a", "b", "c"]}
    got, want = await output(faulty, SMALL, body), await output(clean, SMALL, body)
    assert got["shape"] == [2, 384] and got["data"] == want["data"][:2]


@check("reorder-vectors")
async def _reorder(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": ["a", "b", "c"]}
    got, want = await output(faulty, SMALL, body), await output(clean, SMALL, body)
    assert got["data"] == want["data"][::-1] != want["data"]


@check("shuffle-vectors")
async def _shuffle(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": [f"t{i}" for i in range(8)]}
    got, want = await output(faulty, SMALL, body), await output(clean, SMALL, body)
    rows = {json.dumps(v): i for i, v in enumerate(want["data"])}
    order = [rows[json.dumps(v)] for v in got["data"]]
    assert sorted(order) == list(range(8)) and order != list(range(8))
    assert order != list(range(8))[::-1]  # not the reverse: reorder-vectors is that one
    assert (await output(faulty, SMALL, body))["data"] == got["data"]  # the same batch alike
    pair = await output(faulty, SMALL, {"text": ["a", "b"]})
    assert pair["data"] != (await output(clean, SMALL, {"text": ["a", "b"]}))["data"]


@check("batch-degrades-from-16")
async def _degrades(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    async def worst(client: httpx.AsyncClient, size: int) -> float:
        texts = [f"sentence number {i}" for i in range(size)]
        batch = (await output(client, SMALL, {"text": texts}))["data"]
        alone = (await output(client, SMALL, {"text": texts[-1]}))["data"][0]
        return cosine(batch[-1], alone)

    assert await worst(faulty, 15) > 0.99999  # below 16 texts: intact
    at_16, at_64 = await worst(faulty, 16), await worst(faulty, 64)
    assert at_64 < at_16 < 0.999
    assert await worst(clean, 64) > 0.99999


@check("one-vector-for-batch")
async def _one_vector(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": ["a", "b", "c"]}
    got, want = await output(faulty, SMALL, body), await output(clean, SMALL, body)
    assert len(got["data"]) == 1 and got["data"][0] == want["data"][0]
    many = (await openai(faulty, {"model": SMALL, "input": ["a", "b", "c"]})).json()["data"]
    assert len(many) == 1 and len(want["data"]) == 3


@check("concurrent-corruption")
async def _concurrent(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    texts = [f"request {i}" for i in range(4)]

    async def together(client: httpx.AsyncClient) -> list[Any]:
        replies = await asyncio.gather(*(output(client, SMALL, {"text": t}) for t in texts))
        return [r["data"][0] for r in replies]

    alone = [(await output(faulty, SMALL, {"text": t}))["data"][0] for t in texts]
    assert alone == [(await output(clean, SMALL, {"text": t}))["data"][0] for t in texts]
    crowded = await together(faulty)
    assert all(cosine(a, b) < 0.999 for a, b in zip(alone, crowded, strict=True))
    assert await together(clean) == alone


@check("openai-empty-array-vectors")
async def _empty_array(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    many = (await openai(faulty, {"model": SMALL, "input": ["a", "b"]})).json()["data"]
    assert [d["embedding"] for d in many] == [[], []]
    assert len(_first_vector(await openai(faulty, {"model": SMALL, "input": "a"}))) == 384
    clean_many = (await openai(clean, {"model": SMALL, "input": ["a", "b"]})).json()["data"]
    assert [len(d["embedding"]) for d in clean_many] == [384, 384]


@check("shape-mismatch")
async def _shape(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": ["a", "b", "c"]}
    assert (await output(faulty, SMALL, body))["shape"] == [384, 3]
    assert (await output(clean, SMALL, body))["shape"] == [3, 384]


@check("accept-101-items")
async def _accept_101(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": [f"t{i}" for i in range(101)]}
    assert (await output(faulty, SMALL, body))["shape"] == [101, 384]
    assert (await post(clean, SMALL, body)).status_code == 400


@check("accept-empty-string")
async def _accept_empty(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    assert (await output(faulty, SMALL, {"text": ""}))["shape"] == [1, 384]
    assert (await openai(faulty, {"model": SMALL, "input": ""})).status_code == 200
    assert (await post(clean, SMALL, {"text": ""})).status_code == 400
    assert (await openai(clean, {"model": SMALL, "input": ""})).status_code == 400


@check("accept-unknown-pooling")
async def _accept_pooling(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"text": "a", "pooling": "max"}
    assert (await output(faulty, SMALL, body))["pooling"] == "max"
    assert (await post(clean, SMALL, body)).status_code == 400


@check("unicode-500")
async def _unicode_500(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    assert (await post(faulty, SMALL, {"text": "smile 🙂"})).status_code == 500
    assert (await openai(faulty, {"model": SMALL, "input": "🙂"})).status_code == 500
    assert (await post(faulty, SMALL, {"text": "café 漢字"})).status_code == 200  # BMP is fine
    assert (await post(clean, SMALL, {"text": "smile 🙂"})).status_code == 200


@check("nondeterministic")
async def _nondeterministic(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    first = (await output(faulty, SMALL, {"text": "same"}))["data"][0]
    second = (await output(faulty, SMALL, {"text": "same"}))["data"][0]
    assert first != second and cosine(first, second) > 0.99  # slightly different
    once = await output(clean, SMALL, {"text": "same"})
    assert once == await output(clean, SMALL, {"text": "same"})


@check("batch-variance")
async def _batch_variance(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    alone = (await output(faulty, SMALL, {"text": "x"}))["data"][0]
    batch = (await output(faulty, SMALL, {"text": ["x", "y"]}))["data"]
    assert alone != batch[0] and cosine(alone, batch[0]) > 0.9
    assert alone == (await output(faulty, SMALL, {"text": "x"}))["data"][0]  # still repeatable
    clean_batch = (await output(clean, SMALL, {"text": ["x", "y"]}))["data"]
    assert clean_batch[0] == (await output(clean, SMALL, {"text": "x"}))["data"][0]


@check("pooling-ignored")
async def _pooling_ignored(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    cls = await output(faulty, BASE, {"text": "a", "pooling": "cls"})
    mean = await output(faulty, BASE, {"text": "a", "pooling": "mean"})
    assert cls["data"] == mean["data"] and cls["pooling"] == "cls"
    clean_cls = await output(clean, BASE, {"text": "a", "pooling": "cls"})
    assert clean_cls["data"] != mean["data"]


@check("pooling-not-echoed")
async def _pooling_not_echoed(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    assert "pooling" not in await output(faulty, BASE, {"text": "a", "pooling": "cls"})
    assert (await output(clean, BASE, {"text": "a", "pooling": "cls"}))["pooling"] == "cls"


@check("same-vector-for-all")
async def _same_vector(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    got = (await output(faulty, SMALL, {"text": ["a", "b", "c"]}))["data"]
    assert got[0] == got[1] == got[2]
    want = (await output(clean, SMALL, {"text": ["a", "b"]}))["data"]
    assert want[0] != want[1]


@check("envelope-missing-success")
async def _missing_success(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    ok = await post(faulty, SMALL, {"text": "a"})
    bad = await post(faulty, SMALL, {"text": ""})
    assert ok.status_code == 200 and "success" not in ok.json() and "result" in ok.json()
    assert bad.status_code == 400 and "success" not in bad.json() and bad.json()["errors"]
    assert (await post(clean, SMALL, {"text": "a"})).json()["success"] is True


@check("error-status-200")
async def _error_200(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    bad = await post(faulty, SMALL, {"text": ""})
    assert bad.status_code == 200 and bad.json()["success"] is False
    denied = await faulty.post(run_url(SMALL), json={"text": "a"})
    assert denied.status_code == 401
    assert (await post(clean, SMALL, {"text": ""})).status_code == 400


@check("error-plain-body")
async def _plain_error(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    bad = await post(faulty, SMALL, {"text": ""})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/plain")
    assert bad.text.startswith("AiError: Bad input")
    worker = await faulty.post(f"/run/{SMALL}", json={"text": ""}, headers=AUTH)
    assert worker.headers["content-type"].startswith("text/plain")
    clean_bad = await post(clean, SMALL, {"text": ""})
    assert clean_bad.headers["content-type"] == "application/json"


@check("wrong-content-type")
async def _content_type(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    ok = await post(faulty, SMALL, {"text": "a"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")
    assert ok.json()["success"] is True  # the body is still JSON
    oai = await openai(faulty, {"model": SMALL, "input": "a"})
    assert oai.headers["content-type"].startswith("text/plain")
    clean_ok = await post(clean, SMALL, {"text": "a"})
    assert clean_ok.headers["content-type"] == "application/json"


@check("nan-in-output")
async def _nan(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    raw = (await post(faulty, SMALL, {"text": ["a", "b"]})).text
    assert "[NaN," in raw  # a bare token, which strict JSON parsers refuse
    data = json.loads(raw)["result"]["data"]
    assert math.isnan(data[0][0]) and not any(math.isnan(x) for x in data[1])
    assert "NaN" not in (await post(clean, SMALL, {"text": ["a", "b"]})).text


@check("m3-ids-out-of-range")
async def _m3_ids(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"query": "q", "contexts": [{"text": "a"}, {"text": "b"}]}
    assert [r["id"] for r in (await output(faulty, M3, body))["response"]] == [1, 2]
    assert [r["id"] for r in (await output(clean, M3, body))["response"]] == [0, 1]


async def statuses(client: httpx.AsyncClient, polls: int) -> list[str]:
    queued = await output(client, SMALL, {"requests": [{"text": "a"}]})
    seen = []
    for _ in range(polls):
        reply = await output(client, SMALL, {"request_id": queued["request_id"]})
        seen.append(reply.get("status", "done"))
    return seen


@check("async-never-completes")
async def _never_completes(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    assert await statuses(faulty, 6) == ["running"] * 6
    assert await statuses(clean, 3) == ["queued", "running", "done"]


@check("auth-not-enforced")
async def _auth(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}):
        assert (await faulty.post(run_url(SMALL), json={"text": "a"}, headers=headers)).is_success
        response = await faulty.post(OPENAI, json={"model": SMALL, "input": "a"}, headers=headers)
        assert response.is_success
        assert (
            await clean.post(run_url(SMALL), json={"text": "a"}, headers=headers)
        ).status_code == 401


@check("openai-index-off-by-one")
async def _index(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": ["a", "b"]}
    assert [d["index"] for d in (await openai(faulty, body)).json()["data"]] == [1, 2]
    assert [d["index"] for d in (await openai(clean, body)).json()["data"]] == [0, 1]


@check("openai-base64-ignored")
async def _base64_ignored(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": "a", "encoding_format": "base64"}
    assert isinstance((await openai(faulty, body)).json()["data"][0]["embedding"], list)
    assert isinstance((await openai(clean, body)).json()["data"][0]["embedding"], str)


@check("openai-missing-usage")
async def _missing_usage(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": "a"}
    assert "usage" not in (await openai(faulty, body)).json()
    assert "usage" in (await openai(clean, body)).json()


@check("openai-flat-error")
async def _flat_error(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": ""}
    flat = await openai(faulty, body)
    assert flat.status_code == 400 and "error" not in flat.json() and flat.json()["message"]
    assert set((await openai(clean, body)).json()["error"]) == {"message", "type", "param", "code"}


@check("openai-bad-encoding-accepted")
async def _bad_encoding(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = {"model": SMALL, "input": "a", "encoding_format": "base85"}
    accepted = await openai(faulty, body)
    assert accepted.status_code == 200 and isinstance(accepted.json()["data"][0]["embedding"], list)
    assert (await openai(clean, body)).status_code == 400


@check("openai-token-ids-refused")
async def _token_ids(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    tokens = {"model": SMALL, "input": [101, 2023, 102]}
    assert (await openai(faulty, tokens)).status_code == 400
    assert (await openai(faulty, {"model": SMALL, "input": ["a"]})).status_code == 200
    assert (await openai(clean, tokens)).status_code == 200


def _words(count: int) -> str:
    return " ".join(["river", "cloud", "story"][i % 3] for i in range(count))


@check("truncate-ignored")
async def _truncate_ignored(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    over, cut = _words(8192 + 100), _words(8192)  # bge-m3 takes 8192 tokens
    for body in ({"text": over}, {"text": over, "truncate_inputs": False}):
        assert (await post(clean, M3, body)).status_code == 400
        cut_short = await output(faulty, M3, body)  # the schema says: error out
        whole = await output(faulty, M3, {"text": cut, "truncate_inputs": True})
        assert cosine(cut_short["data"][0], whole["data"][0]) > 0.99999
    truncated = await output(clean, M3, {"text": over, "truncate_inputs": True})
    reference = await output(clean, M3, {"text": cut, "truncate_inputs": True})
    assert cosine(truncated["data"][0], reference["data"][0]) > 0.99999


@check("silent-truncation")
async def _silent_truncation(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    small = "@cf/baai/bge-small-en-v1.5"  # no truncation switch in its schema: 512 tokens
    over, cut = _words(512 + 100), _words(512)
    refused = await post(clean, small, {"text": over})
    assert refused.status_code == 400 and "512" in refused.json()["errors"][0]["message"]
    cut_short = await output(faulty, small, {"text": over})
    whole = await output(faulty, small, {"text": cut})
    assert cosine(cut_short["data"][0], whole["data"][0]) > 0.99999


@check("surrogate-500")
async def _surrogate_500(faulty: httpx.AsyncClient, clean: httpx.AsyncClient) -> None:
    body = b'{"model": "@cf/baai/bge-small-en-v1.5", "input": "a\\ud800b"}'
    headers = {**AUTH, "content-type": "application/json"}
    broken = await faulty.post(OPENAI, content=body, headers=headers)
    assert broken.status_code == 500
    refused = await clean.post(OPENAI, content=body, headers=headers)
    assert refused.status_code == 400 and refused.json()["error"]["message"]
    paired = b'{"model": "@cf/baai/bge-small-en-v1.5", "input": "\\ud83d\\ude00"}'
    assert (await faulty.post(OPENAI, content=paired, headers=headers)).status_code == 200


def test_the_agreed_faults_are_all_there_with_one_line_each() -> None:
    assert sorted(FAULTS) == sorted(AGREED)
    assert sorted(CHECKS) == sorted(AGREED)
    for fault in FAULTS.values():
        assert fault.description and "\n" not in fault.description


@pytest.mark.parametrize("name", sorted(FAULTS))
async def test_fault_behaves_as_described(name: str) -> None:
    async with (
        mock_client(MockConfig(api_token=TOKEN, faults=frozenset({name}))) as faulty,
        mock_client(MockConfig(api_token=TOKEN)) as clean,
    ):
        await CHECKS[name](faulty, clean)


def test_unknown_fault_names_are_refused() -> None:
    with pytest.raises(ValueError, match="wrong-dimz"):
        MockConfig(faults=frozenset({"wrong-dimz"}))


async def test_several_faults_at_once() -> None:
    faults = frozenset({"wrong-dims", "reorder-vectors", "pooling-not-echoed"})
    async with mock_client(MockConfig(faults=faults)) as client:
        got = result(await client.post(run_url(SMALL), json={"text": ["a", "b"]}))
        single = result(await client.post(run_url(SMALL), json={"text": "b"}))
    assert got["shape"] == [2, 383] and "pooling" not in got
    np.testing.assert_array_equal(vectors(got["data"][0]), vectors(single["data"][0]))
