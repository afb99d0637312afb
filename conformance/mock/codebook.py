"""Vectors assembled from a fixed codebook, so a clean reply never formats a float.

A vector of `dims` floats is CHUNKS consecutive chunks. For each chunk position the codebook
holds VARIANTS random Gaussian chunks scaled to norm 1/sqrt(CHUNKS), so any pick of one variant
per position is a unit vector (up to float32 rounding). Byte c of a key's sha256 picks the
variant at position c: a key always gets the same vector, two keys share a chunk with
probability 1/VARIANTS per position, and unrelated vectors are nearly orthogonal.

Each variant is kept as float32 numbers (for scores, base64 and the faults) and as its JSON
text, written by orjson when the codebook is built; the first chunk's text starts with `[` and
the last chunk's ends with `]`, so a batch of vectors is one `,`-join of chunk texts (`JsonText`),
done once, in the reply itself (`json_text.dumps`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import orjson
from numpy.typing import NDArray

from embedcheck.conformance.mock.json_text import JsonText

Vectors = NDArray[np.float32]
Picks = NDArray[np.intp]

CHUNKS = 32  # one sha256 byte per chunk; divides 384, 768 and 1024
VARIANTS = 256  # the values of one byte
_FIRST_VARIANT = np.arange(CHUNKS, dtype=np.intp) * VARIANTS  # row of variant 0, per position


def picks(keys: Sequence[bytes]) -> Picks:
    """For each key, the codebook row of each of its chunks: shape (len(keys), CHUNKS)."""
    digests = b"".join([hashlib.sha256(key).digest() for key in keys])
    chosen = np.frombuffer(digests, dtype=np.uint8).reshape(len(keys), CHUNKS)
    result: Picks = chosen + _FIRST_VARIANT
    return result


@dataclass(frozen=True)
class Codebook:
    dims: int
    table: Vectors  # (CHUNKS * VARIANTS, dims / CHUNKS): row c * VARIANTS + v = variant v at c
    # The JSON text (bytes) of each row, bracketed at a vector's two ends; an object array,
    # since numpy's fancy indexing picks 3,200 of them faster than any Python loop.
    texts: NDArray[np.object_]

    def vectors(self, rows: Picks) -> Vectors:
        """The vectors the picks make, one per row of `rows` (a fresh, writable array)."""
        result: Vectors = self.table[rows].reshape(len(rows), self.dims)
        return result

    def vector_texts(self, rows: Picks) -> list[JsonText]:
        """Each vector's JSON array, as orjson writes its float32 values."""
        return [JsonText(parts) for parts in self.texts[rows].tolist()]

    def matrix_text(self, rows: Picks) -> JsonText:
        """The JSON array of all the vectors' arrays, in order."""
        if not len(rows):
            return JsonText([b"[]"])
        parts: list[bytes] = self.texts[rows.ravel()].tolist()
        parts[0] = b"[" + parts[0]
        parts[-1] += b"]"
        return JsonText(parts)


@cache
def codebook(dims: int) -> Codebook:
    """The codebook for vectors of `dims` floats: built once per process (~40 ms for 1024).
    Models of one size share it; their vectors differ because the model is in every key."""
    if dims <= 0 or dims % CHUNKS:
        raise ValueError(f"{dims} dimensions do not split into {CHUNKS} chunks")
    rng = np.random.default_rng(dims)
    raw = rng.standard_normal((CHUNKS * VARIANTS, dims // CHUNKS))
    raw /= np.linalg.norm(raw, axis=1, keepdims=True) * np.sqrt(CHUNKS)
    table = raw.astype(np.float32)
    table.flags.writeable = False
    # One orjson call for the whole table, split into rows: `[[a,b],[c,d]]` -> `a,b` and `c,d`.
    rows = orjson.dumps(table, option=orjson.OPT_SERIALIZE_NUMPY)[2:-2].split(b"],[")
    first, last = VARIANTS, (CHUNKS - 1) * VARIANTS  # where the first and last chunks' rows end
    texts = [
        (b"[" if i < first else b"") + row + (b"]" if i >= last else b"")
        for i, row in enumerate(rows)
    ]
    text_array = np.array(texts, dtype=object)
    text_array.flags.writeable = False
    return Codebook(dims, table, text_array)
