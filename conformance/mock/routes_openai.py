"""OpenAI-compatible embeddings: `/v1/embeddings` and Workers AI's `.../ai/v1/embeddings`.

Model names are taken case-insensitively as the Workers AI id, the gateway style without
`@cf/` (`baai/bge-m3`) or the slug; the reply echoes the name as sent; an unknown one is 404
`model_not_found` as OpenAI answers. `dimensions` up to the model's size truncates and
re-normalises the vector (Matryoshka style); above it is a 400. Tokens are counted as words and
punctuation marks for text, one per id for token-id input; an input over the model's
`max_input_tokens` is a 400, as OpenAI answers it.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from embedcheck.conformance.mock.body import read_json
from embedcheck.conformance.mock.codebook import Vectors
from embedcheck.conformance.mock.embeddings import count_tokens
from embedcheck.conformance.mock.errors import BAD_INPUT, NO_SUCH_MODEL, ApiError
from embedcheck.conformance.mock.inference import setting_key, vector_settings
from embedcheck.conformance.mock.limits import refuse_long
from embedcheck.conformance.mock.routes_workers_ai import ACCOUNT
from embedcheck.conformance.mock.state import MockState
from embedcheck.conformance.mock.validation import clipped, violation
from embedcheck.schemas import ModelRecord
from embedcheck.schemas.layout import TEXTS

TOKENS_KEY = "\x00token-ids:"  # token-id inputs are seeded apart from any text


def invalid_request(state: MockState, body: Any) -> ApiError:
    found = violation(state.openai_request.whole, body)
    return ApiError(400, BAD_INPUT, f"Invalid request: {found.message}", param=found.field)


def inputs_of(value: Any) -> tuple[list[str], list[int], bool]:
    """Seed keys, token counts, and whether the input was token ids, for a validated `input`."""
    if isinstance(value, str):
        return [value], [count_tokens(value)], False
    if all(isinstance(item, str) for item in value):
        return list(value), [count_tokens(item) for item in value], False
    batches = value if isinstance(value[0], list) else [value]
    # JSON Schema counts 2.0 as an integer: the id 2.0 is the id 2.
    keys = [TOKENS_KEY + ",".join(str(int(i)) for i in ids) for ids in batches]
    return keys, [len(ids) for ids in batches], True


def resized(
    rows: Vectors, dimensions: int | None, dims: int, faults: frozenset[str] = frozenset()
) -> Vectors:
    """The first `dimensions` values of each row, renormalised (the faults: ignored, or cut
    without renormalising)."""
    if dimensions is None or "dimensions-ignored" in faults:
        return rows
    if dimensions > dims:
        message = f"dimensions must be at most {dims} for this model, got {dimensions}"
        raise ApiError(400, BAD_INPUT, message, param="dimensions")
    cut = np.ascontiguousarray(rows[:, :dimensions])
    if "dimensions-not-renormalised" in faults:
        return cut
    norms = np.linalg.norm(cut, axis=1, keepdims=True)
    cut /= np.where(norms == 0, np.float32(1), norms)
    return cut


def encoded(row: Vectors) -> str:
    return base64.b64encode(row.astype("<f4").tobytes()).decode("ascii")


def embeddings(
    state: MockState, model: ModelRecord, keys: list[str], body: dict[str, Any]
) -> list[Any]:
    """Each input's `embedding`: a float array (the codebook's JSON text when it can be), or
    the base64 of its little-endian float32 bytes."""
    # The vectors a plain text input gets: each setting that changes them at its default.
    layout = state.validators[model.id].layout
    texts_variant = next(v for v in layout.inputs if v.kind == TEXTS)
    setting = setting_key(vector_settings(layout, texts_variant, {}))
    faults = state.config.faults
    as_base64 = body.get("encoding_format") == "base64" and "openai-base64-ignored" not in faults
    dimensions = body.get("dimensions")
    if dimensions is not None:
        dimensions = int(dimensions)  # a valid `dimensions` may come as 256.0
    if "openai-empty-array-vectors" in faults and isinstance(body["input"], list):
        return [[] for _ in keys]
    embedder = state.runner.embedder
    if embedder.exact and not as_base64 and dimensions is None:
        return embedder.vector_texts(model, keys, setting)
    rows = resized(embedder.embed(model, keys, setting), dimensions, model.dims, faults)
    return [encoded(row) if as_base64 else row for row in rows]


def served_model(state: MockState, name: str) -> ModelRecord:
    """The model a name stands for; an unknown name is 404 `model_not_found` (the fault: the
    first model serves it)."""
    model = state.openai_names.get(name.lower())
    if model is not None:
        return model
    if "unknown-model-served" in state.config.faults:
        return next(iter(state.openai_names.values()))
    message = clipped(f"The model '{name}' does not exist")
    raise ApiError(404, NO_SUCH_MODEL, message, param="model", openai_code="model_not_found")


def usage(faults: frozenset[str], keys: list[str], tokens: list[int]) -> dict[str, int]:
    """Tokens counted per input (the faults: characters counted, or nothing)."""
    if "usage-zero" in faults:
        count = 0
    elif "usage-counts-characters" in faults:
        count = sum(len(k) for k in keys)
    else:
        count = sum(tokens)
    return {"prompt_tokens": count, "total_tokens": count}


def reply(state: MockState, body: dict[str, Any]) -> dict[str, Any]:
    model = served_model(state, body["model"])
    keys, tokens, token_ids = inputs_of(body["input"])
    refuse_long(model, tokens)
    faults = state.config.faults
    if token_ids and "openai-token-ids-refused" in faults:
        message = "input must be a string or an array of strings"
        raise ApiError(400, BAD_INPUT, message, param="input")
    offset = 1 if "openai-index-off-by-one" in faults else 0
    data = [
        {"object": "embedding", "index": i + offset, "embedding": embedding}
        for i, embedding in enumerate(embeddings(state, model, keys, body))
    ]
    result: dict[str, Any] = {"object": "list", "data": data, "model": body["model"]}
    if "openai-missing-usage" not in faults:
        result["usage"] = usage(faults, keys, tokens)
    return result


def routes(state: MockState) -> list[Route]:
    renderer = state.renderer

    async def embeddings(request: Request) -> Response:
        headers = {"x-request-id": f"req_{uuid.uuid4().hex}"}
        try:
            state.check_auth(request)
            body, _ = await read_json(request, state.config.max_body_bytes, state.config.faults)
            if not state.openai_request.is_valid(body):
                raise invalid_request(state, body)
            return renderer.success(reply(state, body), headers)
        except ApiError as error:
            return renderer.openai_error(error, headers)

    return [
        Route("/v1/embeddings", embeddings, methods=["POST"]),
        Route(ACCOUNT + "/ai/v1/embeddings", embeddings, methods=["POST"]),
    ]
