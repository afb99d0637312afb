"""One side of a comparison: an endpoint (a profile's `Target`), the model it is asked for, and
the pooling it is asked to use; how it is asked for vectors and where they sit in its reply."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedcheck.conformance.http.transport import Exchange, Request
from embedcheck.conformance.profiles import ModelSpec, Target

Matrix = NDArray[np.float64]
# The `pooling` values of the Workers AI embedding input (bge-small/base/large-en-v1.5).
POOLINGS = ("mean", "cls")


class UnusableReply(Exception):
    """A reply that holds no vectors for the texts sent; the message says what came instead."""


@dataclass(frozen=True)
class Side:
    name: str  # "A" or "B"
    target: Target
    model: ModelSpec
    pooling: str = ""  # '' = the endpoint's default

    @property
    def takes_pooling(self) -> bool:
        """Whether `pooling` may be sent: a model whose record says so, or one the user asked
        to pool in a given way (so the endpoint is meant to take it)."""
        if self.target.kind.openai_dialect:
            return False
        return bool(self.pooling) or bool(self.model.record and self.model.record.pooling)

    def describe(self) -> str:
        pooling = f", pooling {self.pooling}" if self.pooling else ""
        return f"{self.target.profile} at {self.target.base_url}, model {self.model.name}{pooling}"

    def request(self, texts: list[str], pooling: str | None = None, label: str = "") -> Request:
        """The embedding request for `texts` in this side's dialect; `pooling` overrides."""
        chosen = self.pooling if pooling is None else pooling
        body: dict[str, Any]
        if self.target.kind.openai_dialect:
            body = {"model": self.model.name, "input": texts, "encoding_format": "float"}
        else:
            body = {"text": texts}
            if chosen:
                body["pooling"] = chosen
        return self.target.request(self.model, body, label=label)

    def vectors(self, exchange: Exchange, count: int) -> Matrix:
        """The `count` vectors in a reply, as rows; UnusableReply for anything else."""
        if not exchange.answered:
            raise UnusableReply(exchange.error or "no reply")
        if exchange.status != 200:
            raise UnusableReply(f"HTTP {exchange.status}: {_snippet(exchange.body)}")
        parsed = exchange.json
        if not parsed.ok:
            raise UnusableReply(parsed.problem)
        output = self.target.output(parsed.value)
        rows = _openai_rows(output) if self.target.kind.openai_dialect else _data_rows(output)
        if len(rows) != count:
            raise UnusableReply(f"{len(rows)} vectors for {count} texts")
        if not rows or not all(isinstance(r, list) and r for r in rows):
            raise UnusableReply("a vector is not a non-empty list of numbers")
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise UnusableReply("the vectors of one reply differ in length")
        values = np.asarray(rows)
        if values.dtype.kind not in "iuf":  # strings, nulls, objects, integers beyond int64
            raise UnusableReply("a vector holds something other than numbers")
        matrix: Matrix = values.astype(np.float64)
        return matrix


def _snippet(body: bytes, limit: int = 160) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:limit] + ("..." if len(text) > limit else "")


def _data_rows(output: Any) -> list[Any]:
    """Workers AI and Worker replies: `data` is the list of vectors."""
    data = output.get("data") if isinstance(output, dict) else None
    if not isinstance(data, list):
        raise UnusableReply("the reply has no `data` list of vectors")
    return data


def _openai_rows(output: Any) -> list[Any]:
    """OpenAI replies: `data[i].embedding`, placed by `index` when the indexes say where."""
    data = output.get("data") if isinstance(output, dict) else None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UnusableReply("the reply has no `data` list of embedding objects")
    indexes = [item.get("index") for item in data]
    if sorted(i for i in indexes if isinstance(i, int)) == list(range(len(data))):
        data = sorted(data, key=lambda item: item["index"])
    rows = []
    for item in data:
        embedding = item.get("embedding")
        if isinstance(embedding, str):
            embedding = _float32(embedding)
        rows.append(embedding)
    return rows


def _float32(text: str) -> list[float]:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise UnusableReply("an embedding is a string but not base64") from None
    if len(raw) % 4:
        raise UnusableReply("a base64 embedding is not a whole number of float32 values")
    values: list[float] = np.frombuffer(raw, dtype="<f4").astype(np.float64).tolist()
    return values
