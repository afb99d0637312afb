"""Deterministic unit vectors: each text's vector is a pure function of (model, pooling, text).

A sha256 of the key seeds a splitmix64 stream evaluated for all texts and dimensions at once in
numpy, so a 100 x 1024 batch costs one vectorised pass and no Python loop over floats, and a
text gives the same vector alone or anywhere in a batch. The vector faults are applied here so
every route (v4, Worker, OpenAI, queue) shows them alike.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import cache

import numpy as np
from numpy.typing import NDArray

from conformance.mock.errors import INTERNAL, ApiError
from schemas import ModelRecord

Vectors = NDArray[np.float32]

# bge-m3 takes no `pooling`; its dense vectors come from the CLS token, so that seeds them.
M3_POOLING = "cls"
DEFAULT_POOLING = "mean"

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_OUTSIDE_BMP = re.compile("[\U00010000-\U0010ffff]")

# The faults that change vector values (a memo of clean vectors must stay off with them).
VECTOR_FAULTS = frozenset(
    {
        "wrong-dims",
        "drop-last-vector",
        "reorder-vectors",
        "nondeterministic",
        "batch-variance",
        "pooling-ignored",
        "same-vector-for-all",
        "nan-in-output",
    }
)

# Sizes of the perturbations the faults add (as a fraction of the unit vector): small enough to
# look plausible, far above float32 rounding so an exact or tolerant comparison catches them.
BATCH_VARIANCE = 0.1
NONDETERMINISM = 0.02


def text_seed(model_id: str, pooling: str, text: str) -> int:
    key = f"{model_id}\x1f{pooling}\x1f{text}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little")


@cache
def _steps(dims: int) -> NDArray[np.uint64]:
    steps: NDArray[np.uint64] = np.arange(1, dims + 1, dtype=np.uint64) * _GOLDEN
    steps.flags.writeable = False
    return steps


def unit_rows(seeds: NDArray[np.uint64], dims: int) -> Vectors:
    """One unit float32 row per seed: splitmix64 of (seed, index), mapped to [-1, 1), L2-normed."""
    z = seeds[:, None] + _steps(dims)[None, :]
    z ^= z >> np.uint64(30)
    z *= _MIX1
    z ^= z >> np.uint64(27)
    z *= _MIX2
    z ^= z >> np.uint64(31)
    rows = (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0**-23) - np.float32(1.0)
    return _normalised(rows)


def _normalised(rows: Vectors) -> Vectors:
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def _perturbed(rows: Vectors, noise: Vectors, size: float) -> Vectors:
    return _normalised(rows + np.float32(size) * noise)


class Embedder:
    """Turns texts into vectors for one mock instance, with its vector faults switched on."""

    def __init__(self, faults: frozenset[str]) -> None:
        self.faults = faults

    def _seeds(self, model: ModelRecord, texts: Sequence[str], pooling: str) -> NDArray[np.uint64]:
        if "unicode-500" in self.faults and any(_OUTSIDE_BMP.search(t) for t in texts):
            raise ApiError(500, INTERNAL, "Internal server error", openai_code="server_error")
        if "pooling-ignored" in self.faults:
            pooling = DEFAULT_POOLING
        if "same-vector-for-all" in self.faults:
            texts = [""] * len(texts)
        seeds = (text_seed(model.id, pooling, t) for t in texts)
        return np.fromiter(seeds, dtype=np.uint64, count=len(texts))

    def vector(self, model: ModelRecord, text: str, pooling: str) -> NDArray[np.float32]:
        """One text on its own (a bge-m3 query): no batch faults apply."""
        rows = unit_rows(self._seeds(model, [text], pooling), model.dims)
        if "nondeterministic" in self.faults:
            rows = _perturbed(rows, _fresh_noise(1, model.dims), NONDETERMINISM)
        row: NDArray[np.float32] = rows[0]
        return row

    def embed(self, model: ModelRecord, texts: Sequence[str], pooling: str) -> Vectors:
        """The vectors of a batch, one row per text in order (unless a fault says otherwise)."""
        n = len(texts)
        rows = unit_rows(self._seeds(model, texts, pooling), model.dims)
        faults = self.faults
        if "batch-variance" in faults and n > 1:
            positions = np.arange(n, dtype=np.uint64) + np.uint64(n << 32)
            rows = _perturbed(rows, unit_rows(positions * _GOLDEN, model.dims), BATCH_VARIANCE)
        if "nondeterministic" in faults and n:
            rows = _perturbed(rows, _fresh_noise(n, model.dims), NONDETERMINISM)
        if "reorder-vectors" in faults:
            rows = rows[::-1]
        if "drop-last-vector" in faults:
            rows = rows[:-1]
        if "wrong-dims" in faults:
            rows = rows[:, :-1]
        rows = np.ascontiguousarray(rows)  # orjson serialises C-contiguous arrays only
        if "nan-in-output" in faults and rows.size:
            rows[0, 0] = np.nan
        return rows


def _fresh_noise(n: int, dims: int) -> Vectors:
    seeds = np.random.default_rng().integers(0, 2**63, size=n, dtype=np.uint64)
    return unit_rows(seeds, dims)


def scores(query: NDArray[np.float32], contexts: Vectors) -> NDArray[np.float32]:
    """Cosine similarity of each context to the query (both unit vectors)."""
    width = contexts.shape[1] if contexts.ndim == 2 else 0
    result: NDArray[np.float32] = contexts @ query[:width]
    return result


_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: words and punctuation marks."""
    return len(_TOKEN.findall(text))
