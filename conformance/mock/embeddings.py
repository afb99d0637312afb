"""Deterministic unit vectors: each text's vector is a pure function of (model, setting, text),
where the setting is what the input asked for that changes vectors (its pooling, say).

The sha256 of the key picks the vector's chunks from the codebook of the model's size (see
`codebook`), so a text gives the same vector alone or anywhere in a batch, and a clean reply is
a join of JSON texts written when the app started. The vector faults are applied here so every
route (v4, Worker, OpenAI, queue) shows them alike; they work on numbers, not on JSON text.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence

import numpy as np

from embedcheck.conformance.mock.codebook import Codebook, Picks, Vectors, codebook, picks
from embedcheck.conformance.mock.errors import INTERNAL, ApiError
from embedcheck.conformance.mock.inflight import crowded
from embedcheck.conformance.mock.json_text import JsonText
from embedcheck.schemas import ModelRecord

_OUTSIDE_BMP = re.compile("[\U00010000-\U0010ffff]")

# The faults that change vector values or their arrangement: with one on, replies are written
# from numbers. (`pooling-ignored` and `same-vector-for-all` only change which key is hashed.)
VALUE_FAULTS = frozenset(
    {
        "wrong-dims",
        "drop-last-vector",
        "reorder-vectors",
        "nondeterministic",
        "batch-variance",
        "nan-in-output",
        "shuffle-vectors",
        "batch-degrades-from-16",
        "one-vector-for-batch",
        "concurrent-corruption",
    }
)

# Sizes of the perturbations the faults add (as a fraction of the unit vector): small enough to
# look plausible, far above float32 rounding so an exact or tolerant comparison catches them.
BATCH_VARIANCE = 0.1
NONDETERMINISM = 0.02
DEGRADES_FROM = 16  # batch-degrades-from-16: texts in a batch from which vectors drift...
DEGRADATION = 0.05  # ...by this much at that size, growing with the size
CROWDING = 0.1  # concurrent-corruption: what a request in company gets mixed with


def _normalised(rows: Vectors) -> Vectors:
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def _perturbed(rows: Vectors, noise: Vectors, size: float) -> Vectors:
    return _normalised(rows + np.float32(size) * noise)


def bfloat16(rows: Vectors) -> Vectors:
    """`rows` rounded to bfloat16 (8 significant bits, round half to even), kept as float32."""
    bits = np.ascontiguousarray(rows, dtype=np.float32).view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(
        0xFFFF0000
    )
    result: Vectors = rounded.view(np.float32)
    return result


def shuffled(texts: Sequence[str]) -> list[int]:
    """A permutation of a batch other than the identity, the same for the same texts (the
    order the bug shows depends on the batch; the same batch twice comes back alike)."""
    seed = hashlib.sha256("\x1f".join(texts).encode()).digest()
    order = np.random.default_rng(int.from_bytes(seed[:8], "little")).permutation(len(texts))
    if (order == np.arange(len(texts))).all():
        order = np.roll(order, 1)
    return [int(i) for i in order]


class Embedder:
    """Turns texts into vectors for one mock instance, with its vector faults switched on."""

    def __init__(
        self, faults: frozenset[str], precision: str = "float32", model_variant: str = ""
    ) -> None:
        self.faults = faults
        self.low_precision = precision == "bfloat16"
        self.model_variant = model_variant
        # vectors are the codebook's own: JSON is ready
        self.exact = not faults & VALUE_FAULTS and not self.low_precision

    def _picks(self, model: ModelRecord, texts: Sequence[str], setting: str) -> Picks:
        if "unicode-500" in self.faults and any(_OUTSIDE_BMP.search(t) for t in texts):
            raise ApiError(500, INTERNAL, "Internal server error", openai_code="server_error")
        if "same-vector-for-all" in self.faults:
            texts = [""] * len(texts)
        model_key = f"{model.id}\x1e{self.model_variant}" if self.model_variant else model.id
        prefix = f"{model_key}\x1f{setting}\x1f".encode()
        return picks([prefix + text.encode() for text in texts])

    def _noise(self, model: ModelRecord, keys: Sequence[str]) -> Vectors:
        """Unit vectors for the faults' own keys: hashed apart from any text, and untouched by
        the faults that change which text is hashed."""
        return codebook(model.dims).vectors(picks([f"\x00noise\x1f{k}".encode() for k in keys]))

    def vector(self, model: ModelRecord, text: str, setting: str) -> Vectors:
        """One text on its own (a bge-m3 query): no batch faults apply."""
        rows = codebook(model.dims).vectors(self._picks(model, [text], setting))
        if "nondeterministic" in self.faults:
            rows = _perturbed(rows, self._noise(model, [uuid.uuid4().hex]), NONDETERMINISM)
        if self.low_precision:
            rows = bfloat16(rows)
        row: Vectors = rows[0]
        return row

    def embed(self, model: ModelRecord, texts: Sequence[str], setting: str) -> Vectors:
        """The vectors of a batch, one row per text in order (unless a fault says otherwise)."""
        n = len(texts)
        rows = codebook(model.dims).vectors(self._picks(model, texts, setting))
        faults = self.faults
        if "batch-variance" in faults and n > 1:
            positions = [f"position {i} of {n}" for i in range(n)]
            rows = _perturbed(rows, self._noise(model, positions), BATCH_VARIANCE)
        if "batch-degrades-from-16" in faults and n >= DEGRADES_FROM:
            # The same batch drifts the same way every time: only a batch-vs-alone check sees it.
            keys = [f"batch of {n}\x1f{t}" for t in texts]
            rows = _perturbed(rows, self._noise(model, keys), DEGRADATION * n / DEGRADES_FROM)
        if "nondeterministic" in faults and n:
            fresh = [uuid.uuid4().hex for _ in range(n)]
            rows = _perturbed(rows, self._noise(model, fresh), NONDETERMINISM)
        if "concurrent-corruption" in faults and n and crowded():
            fresh = [uuid.uuid4().hex for _ in range(n)]
            rows = _perturbed(rows, self._noise(model, fresh), CROWDING)
        if "reorder-vectors" in faults:
            rows = rows[::-1]
        if "shuffle-vectors" in faults and n > 1:
            rows = rows[shuffled(texts)]
        if "one-vector-for-batch" in faults:
            rows = rows[:1]
        if "drop-last-vector" in faults:
            rows = rows[:-1]
        if "wrong-dims" in faults:
            rows = rows[:, :-1]
        rows = np.ascontiguousarray(rows)  # orjson serialises C-contiguous arrays only
        if self.low_precision:
            rows = bfloat16(rows)
        if "nan-in-output" in faults and rows.size:
            rows[0, 0] = np.nan
        return rows

    def _texts(
        self, model: ModelRecord, texts: Sequence[str], setting: str
    ) -> tuple[Codebook, Picks]:
        if not self.exact:
            raise RuntimeError("vector faults are on: the codebook's JSON text would hide them")
        return codebook(model.dims), self._picks(model, texts, setting)

    def matrix_text(self, model: ModelRecord, texts: Sequence[str], setting: str) -> JsonText:
        """The JSON array of a batch's vectors (only when `exact`)."""
        book, rows = self._texts(model, texts, setting)
        return book.matrix_text(rows)

    def vector_texts(
        self, model: ModelRecord, texts: Sequence[str], setting: str
    ) -> list[JsonText]:
        """The JSON array of each text's vector (only when `exact`)."""
        book, rows = self._texts(model, texts, setting)
        return book.vector_texts(rows)


def scores(query: Vectors, contexts: Vectors) -> Vectors:
    """Cosine similarity of each context to the query (both unit vectors)."""
    width = contexts.shape[1] if contexts.ndim == 2 else 0
    result: Vectors = contexts @ query[:width]
    return result


_TOKEN = re.compile(r"\w+|[^\w\s]")


def count_tokens(text: str) -> int:
    """A deterministic stand-in for a tokenizer: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def first_tokens(text: str, limit: int) -> str:
    """`text` cut after its first `limit` tokens (as `count_tokens` counts them): what a model
    that truncates embeds of a longer text."""
    for index, match in enumerate(_TOKEN.finditer(text)):
        if index == limit - 1:
            return text[: match.end()]
    return text
