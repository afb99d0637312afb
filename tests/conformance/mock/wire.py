"""Helpers for the mock's tests: URLs, in-process clients, and schema assertions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import httpx
import numpy as np
from jsonschema import Draft202012Validator
from numpy.typing import NDArray

from embedcheck.conformance.mock import MockConfig, create_app
from embedcheck.schemas import effective_schema
from embedcheck.schemas.layout import TEXTS, InputVariant, layout
from embedcheck.schemas.location import schema_root
from embedcheck.schemas.manifest import read_manifest

# Named models, for tests of one behaviour (bge-m3's query scores, a 384-dim vector).
SMALL = "@cf/baai/bge-small-en-v1.5"
BASE = "@cf/baai/bge-base-en-v1.5"
LARGE = "@cf/baai/bge-large-en-v1.5"
M3 = "@cf/baai/bge-m3"
# Every Workers AI model of the schemas tree in use, for tests that hold for each: they follow
# the manifest (a model added by `embedcheck schemas add` is tested with no edit here).
_RECORDS = [m for m in read_manifest(schema_root()).models if m.provider == "workers-ai"]
MODELS = tuple(m.id for m in _RECORDS)
DIMS = {m.id: m.dims for m in _RECORDS}
ACCOUNT = "/client/v4/accounts/0123abcd"
OPENAI = "/v1/embeddings"


def texts_variant(model: str) -> InputVariant:
    found = layout(model).first(TEXTS)
    assert found is not None, f"{model} has no texts variant"
    return found


def setting(model: str) -> tuple[str, list[Any], Any] | None:
    """The model's setting that shapes vectors (`pooling`): key, values, default; or None."""
    for key, schema in layout(model).echoed(texts_variant(model)).items():
        return key, list(schema["enum"]), schema.get("default")
    return None


# The models whose replies name a setting that shapes their vectors (the bge English models'
# `pooling`), from their schemas.
SETTING_MODELS = tuple(m for m in MODELS if setting(m) is not None)


def max_texts(model: str) -> int:
    """The most texts one request may hold: the texts list's maxItems in the schema."""
    texts = texts_variant(model).properties[texts_variant(model).texts]
    limits = [b["maxItems"] for b in [texts, *texts.get("oneOf", [])] if "maxItems" in b]
    assert limits, f"{model}: the schema sets no maxItems on its texts"
    return int(limits[0])


def run_url(model: str) -> str:
    return f"{ACCOUNT}/ai/run/{model}"


@asynccontextmanager
async def mock_client(config: MockConfig | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to a fresh mock app in-process (no socket)."""
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
        yield client


@cache
def _validator(subject: str, role: str) -> Draft202012Validator:
    return Draft202012Validator(effective_schema(subject, role))


def schema_errors(subject: str, role: str, instance: Any) -> list[str]:
    errors = _validator(subject, role).iter_errors(instance)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]


def assert_valid(subject: str, role: str, instance: Any) -> None:
    errors = schema_errors(subject, role, instance)
    assert not errors, f"{subject} {role}: {errors}"


def variant(subject: str, instance: Any) -> str:
    """The x-embedcheck-name of the one output variant the instance fits."""
    schema = effective_schema(subject, "output")
    names = [
        v["x-embedcheck-name"]
        for v in schema["oneOf"]
        if Draft202012Validator(v).is_valid(instance)
    ]
    assert len(names) == 1, names
    return str(names[0])


def result(response: httpx.Response) -> Any:
    """The v4 `result` of a successful reply, after checking the envelope."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_valid("cloudflare-v4", "success", body)
    return body["result"]


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The one v4 error of a refusal, after checking the error envelope."""
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert_valid("cloudflare-v4", "error", body)
    assert len(body["errors"]) == 1
    error: dict[str, Any] = body["errors"][0]
    return error


def vectors(data: Any) -> NDArray[np.float32]:
    return np.asarray(data, dtype=np.float32)
