"""Codebook vectors and their pre-written JSON: the bytes on the wire are exactly what orjson
writes for the same float32 numbers, so the fast path changes nothing a client can see."""

from __future__ import annotations

import json
from typing import Any

import httpx
import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from embedcheck.conformance.mock import MockConfig, create_app
from embedcheck.conformance.mock.codebook import CHUNKS, codebook, picks
from embedcheck.conformance.mock.embeddings import Embedder
from embedcheck.conformance.mock.json_text import JsonText, dumps
from embedcheck.schemas import model
from tests.conformance.mock.wire import LARGE, M3, OPENAI, SMALL, run_url

CLEAN = Embedder(frozenset())
# the bge sizes, and sizes a model of our own making may have: not a multiple of the 32
# chunks, fewer dims than chunks, one dim
SIZES = (384, 768, 1024, 200, 100, 1000, 33, 31, 5, 1)
texts_strategy = st.lists(st.text(max_size=20), max_size=6)


def numbers(value: Any) -> bytes:
    """The reference: orjson writing the numbers themselves."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)


@settings(max_examples=60, deadline=None)
@given(dims=st.sampled_from(SIZES), texts=texts_strategy)
def test_codebook_text_is_orjsons_text_of_its_unit_vectors(dims: int, texts: list[str]) -> None:
    book = codebook(dims)
    rows = picks([text.encode() for text in texts])
    vectors = book.vectors(rows)
    assert vectors.shape == (len(texts), dims) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert bytes(book.matrix_text(rows)) == numbers(vectors)
    assert [bytes(t) for t in book.vector_texts(rows)] == [numbers(v) for v in vectors]


@settings(max_examples=60, deadline=None)
@given(
    texts=texts_strategy,
    extra=st.dictionaries(st.text(max_size=5), st.integers(-(2**63), 2**63 - 1), max_size=3),
)
def test_spliced_reply_is_byte_identical_to_orjson_of_the_numbers(
    texts: list[str], extra: dict[str, int]
) -> None:
    small = model("bge-small-en-v1.5")
    matrix = CLEAN.matrix_text(small, texts, "cls")
    rows = CLEAN.vector_texts(small, texts, "cls")
    vectors = CLEAN.embed(small, texts, "cls")

    def payload(data: Any, each: list[Any]) -> Any:
        """The v4 envelope, OpenAI items and a nested batch result, with `extra` keys around
        (a user's text may hold any character, NUL included: orjson escapes it)."""
        return {
            "result": {"shape": [len(texts), 384], "data": data, "pooling": "cls", **extra},
            "data": [
                {"index": i, "embedding": e, "text": t}
                for i, (e, t) in enumerate(zip(each, texts, strict=True))
            ],
            "responses": [{"id": 0, "result": {"response": data}}, {"id": 1, "result": None}],
        }

    spliced = dumps(payload(matrix, rows))
    reference = numbers(payload(vectors, list(vectors)))
    assert spliced == reference
    assert json.loads(spliced) == json.loads(reference)


def test_json_text_of_one_part_and_payloads_without_any() -> None:
    assert dumps({"a": JsonText([b"[]"]), "b": [JsonText([b"1"]), 2]}) == b'{"a":[],"b":[1,2]}'
    assert dumps({"x": "\x00"}) == orjson.dumps({"x": "\x00"})
    with pytest.raises(TypeError):
        dumps({"a": object()})


@pytest.mark.parametrize("dims", [CHUNKS * 3 + 1, 200, CHUNKS - 1, 5])
def test_any_positive_size_gets_distinct_unit_vectors_from_all_of_a_key(dims: int) -> None:
    book = codebook(dims)
    keys = [f"key {i}".encode() for i in range(64)]
    vectors = book.vectors(picks(keys))
    assert vectors.shape == (64, dims) and vectors.flags.c_contiguous
    assert len({v.tobytes() for v in vectors}) == 64
    # every chunk position used counts: keys differing in one sha256 byte differ in vector
    assert book.chunks == min(CHUNKS, dims // 2)
    rows = picks(keys[:1])
    for position in range(book.chunks):
        other = rows.copy()
        other[0, position] += 1 if other[0, position] % 256 < 255 else -1
        assert not np.array_equal(book.vectors(rows), book.vectors(other)), position


@pytest.mark.parametrize("dims", [0, -3])
def test_sizes_below_one_are_refused(dims: int) -> None:
    with pytest.raises(ValueError, match="at least 1 dimension"):
        codebook(dims)


def test_faults_that_alter_values_take_the_numbers_path() -> None:
    assert CLEAN.exact
    assert Embedder(frozenset({"pooling-ignored", "same-vector-for-all"})).exact
    faulty = Embedder(frozenset({"nondeterministic"}))
    assert not faulty.exact
    with pytest.raises(RuntimeError):
        faulty.matrix_text(model("bge-m3"), ["x"], "cls")


async def reply(app: Starlette, path: str, body: dict[str, Any]) -> bytes:
    """The body of the reply to `body` or, for a queued batch, of the poll that finds it done."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        first = await client.post(path, json=body)
        assert first.status_code == 200, first.text[:300]
        result = first.json().get("result")
        if isinstance(result, dict) and "request_id" in result:
            poll = {"request_id": result["request_id"]}
            return (await client.post(path, json=poll)).content
    return first.content


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (run_url(LARGE), {"text": ["a", "b", "a", "c"], "pooling": "cls"}),
        (run_url(M3), {"contexts": [{"text": "x"}, {}]}),
        (run_url(M3), {"text": []}),
        (run_url(M3), {"requests": [{"text": "x"}, {"contexts": [{"text": "y"}]}]}),
        ("/run/" + SMALL, {"text": "a"}),
        (OPENAI, {"model": "baai/bge-m3", "input": ["x", "y"]}),
    ],
)
async def test_wire_bytes_are_the_same_on_the_text_path_and_the_numbers_path(
    path: str, body: dict[str, Any]
) -> None:
    config = MockConfig(queue_polls_until_done=0)
    numbers_app = create_app(config)
    numbers_app.state.mock.runner.embedder.exact = False  # a clean mock writing numbers
    text_path, numbers_path = [
        await reply(app, path, body) for app in (create_app(config), numbers_app)
    ]
    assert text_path == numbers_path
