"""Payloads of the OpenAI dialect (`/v1/embeddings`): valid ones, and the catalogue's invalid ones.

The valid inputs are written by hand where the semantics need it (token ids are no texts, and
which input forms give how many vectors), with every limit read from the request schema. The
invalid ones come from the mutation catalogue over the same schema, as for the model inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from embedcheck.conformance.generation import invalid as rejections
from embedcheck.conformance.generation.limits import list_bounds, text_bounds
from embedcheck.conformance.generation.texts import CORPUS, TextBounds, boundary_texts, texts
from embedcheck.conformance.vocabulary import Payload
from embedcheck.schemas import effective_schema
from embedcheck.schemas.layout import branches_of, is_string, is_string_list

OPENAI = "openai-embeddings"
OPENAI_REQUEST = (OPENAI, "request")
TOKEN_ID_LIMIT = 30_000  # inside every BGE vocabulary (English 30522, bge-m3 250002)
DRAWN_TEXTS = 16


@dataclass(frozen=True)
class OpenAILimits:
    max_items: int | None
    text: TextBounds
    encodings: tuple[str, ...]


@cache
def openai_limits() -> OpenAILimits:
    props = effective_schema(*OPENAI_REQUEST)["properties"]
    forms = branches_of(props["input"])
    single = next(b for b in forms if is_string(b))
    many = next(b for b in forms if is_string_list(b))
    return OpenAILimits(
        list_bounds(many).max_items,
        text_bounds(single),
        tuple(props.get("encoding_format", {}).get("enum", ())),
    )


def openai_payload(model: str, value: Any, kind: str, encoding: str = "") -> Payload:
    body: dict[str, Any] = {"model": model, "input": value}
    if encoding:
        body["encoding_format"] = encoding
    many = kind in ("texts", "token_batches")
    count = len(value) if many else 1
    shown = tuple(str(v) for v in value) if many else (str(value),)
    return Payload(body=body, schema=OPENAI_REQUEST, variant=kind, texts=shown, count=count)


def _optional(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(values) if len(values) > 1 else st.just(values[0])


@cache
def openai_payloads(model: str) -> st.SearchStrategy[Payload]:
    lim = openai_limits()
    one = texts(lim.text)
    token = st.integers(0, TOKEN_ID_LIMIT - 1)
    tokens = st.lists(token, min_size=1, max_size=16)
    top = min(DRAWN_TEXTS, lim.max_items or DRAWN_TEXTS)
    inputs = st.one_of(
        one.map(lambda v: (v, "text")),
        st.lists(one, min_size=1, max_size=top).map(lambda v: (v, "texts")),
        tokens.map(lambda v: (v, "tokens")),
        st.lists(tokens, min_size=1, max_size=min(4, top)).map(lambda v: (v, "token_batches")),
    )
    return st.builds(
        lambda pair, enc: openai_payload(model, pair[0], pair[1], enc),
        inputs,
        _optional(("", *lim.encodings)),
    )


def openai_boundaries(model: str) -> list[Payload]:
    lim = openai_limits()
    edge = boundary_texts(lim.text)
    cases = [openai_payload(model, t, "text") for t in edge]
    cases += [
        openai_payload(model, list(CORPUS[:3]), "texts"),
        openai_payload(model, [101, 2023, 2003], "tokens"),
        openai_payload(model, [[101, 2023], [7592]], "token_batches"),
    ]
    cases += [openai_payload(model, CORPUS[0], "text", e) for e in lim.encodings]
    return cases


def _start(model: str) -> rejections.Start:
    schema = effective_schema(*OPENAI_REQUEST)
    bodies = openai_payloads(model).map(lambda p: p.body)
    name = str(schema.get("title", "request"))
    return rejections.Start(name, schema, {"model": model, "input": CORPUS[0]}, bodies)


@cache
def openai_invalid_payloads(model: str) -> st.SearchStrategy[Payload]:
    return rejections.strategy(OPENAI_REQUEST, (_start(model),))


def openai_invalid_boundaries(model: str) -> list[Payload]:
    return rejections.boundaries(OPENAI_REQUEST, (_start(model),))
