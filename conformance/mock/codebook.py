"""Vectors assembled from a fixed codebook, so a clean reply never formats a float.

A vector of `dims` floats is consecutive chunks: CHUNKS of them (one per sha256 byte), fewer
for a model under 2 * CHUNKS dims (two floats a chunk at least); when `dims` does not divide
evenly the first chunks are one float wider. For each chunk position the codebook holds
VARIANTS random Gaussian chunks of norm sqrt(width / dims), so any pick of one variant per
position is a unit vector (up to float32 rounding). Byte c of a key's sha256 picks the variant
at position c: a key always gets the same vector, two keys share a chunk with probability
1/VARIANTS per position, and unrelated vectors are nearly orthogonal. Any positive `dims`
works: a model's size is whatever its manifest record says.

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

CHUNKS = 32  # one sha256 byte per chunk, at most
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
    chunks: int  # chunk positions used: CHUNKS, fewer for a small model (see `widths`)
    # (chunks * VARIANTS, widest chunk): row c * VARIANTS + v = variant v at c, zero-padded
    # on the right when chunk c is narrower than the widest
    table: Vectors
    # The JSON text (bytes) of each row (its floats only, no padding), bracketed at a vector's
    # two ends; an object array, since numpy's fancy indexing picks 3,200 of them faster than
    # any Python loop.
    texts: NDArray[np.object_]
    # Where a vector's floats are in its padded chunks laid end to end; None: no padding.
    kept: NDArray[np.intp] | None

    def _used(self, rows: Picks) -> Picks:
        return rows if self.chunks == rows.shape[1] else rows[:, : self.chunks]

    def vectors(self, rows: Picks) -> Vectors:
        """The vectors the picks make, one per row of `rows` (a fresh, writable array)."""
        rows = self._used(rows)
        padded: Vectors = self.table[rows].reshape(len(rows), self.chunks * self.table.shape[1])
        if self.kept is None:
            return padded
        result: Vectors = np.ascontiguousarray(padded[:, self.kept])
        return result

    def vector_texts(self, rows: Picks) -> list[JsonText]:
        """Each vector's JSON array, as orjson writes its float32 values."""
        return [JsonText(parts) for parts in self.texts[self._used(rows)].tolist()]

    def matrix_text(self, rows: Picks) -> JsonText:
        """The JSON array of all the vectors' arrays, in order."""
        if not len(rows):
            return JsonText([b"[]"])
        parts: list[bytes] = self.texts[self._used(rows).ravel()].tolist()
        parts[0] = b"[" + parts[0]
        parts[-1] += b"]"
        return JsonText(parts)


def widths(dims: int) -> list[int]:
    """How many floats each chunk of a `dims` vector holds: the first ones one wider when
    `dims` does not divide evenly; at least two floats each (a one-float chunk of fixed norm
    has only two values, +-norm), so a small model has fewer than CHUNKS chunks."""
    if dims <= 0:
        raise ValueError(f"a vector needs at least 1 dimension, not {dims}")
    chunks = max(1, min(CHUNKS, dims // 2))
    narrow, wider = divmod(dims, chunks)
    return [narrow + (c < wider) for c in range(chunks)]


@cache
def codebook(dims: int) -> Codebook:
    """The codebook for vectors of `dims` floats: built once per process (~40 ms for 1024).
    Models of one size share it; their vectors differ because the model is in every key."""
    sizes = widths(dims)
    chunks, widest = len(sizes), max(sizes)
    rng = np.random.default_rng(dims)
    raw = rng.standard_normal((chunks * VARIANTS, widest))
    width_of_row = np.repeat(np.array(sizes), VARIANTS)
    padding = np.arange(widest) >= width_of_row[:, None]
    raw[padding] = 0.0
    raw /= np.linalg.norm(raw, axis=1, keepdims=True) * np.sqrt(dims / width_of_row)[:, None]
    table = raw.astype(np.float32)
    table.flags.writeable = False
    texts: list[bytes] = []
    for c, width in enumerate(sizes):
        # One orjson call per position, split into rows: `[[a,b],[c,d]]` -> `a,b` and `c,d`.
        block = np.ascontiguousarray(table[c * VARIANTS : (c + 1) * VARIANTS, :width])
        rows = orjson.dumps(block, option=orjson.OPT_SERIALIZE_NUMPY)[2:-2].split(b"],[")
        opening, closing = (b"[" if c == 0 else b""), (b"]" if c == chunks - 1 else b"")
        texts += [opening + row + closing for row in rows]
    text_array = np.array(texts, dtype=object)
    text_array.flags.writeable = False
    kept = None
    if min(sizes) != widest:
        kept = np.flatnonzero(~padding[::VARIANTS].ravel()).astype(np.intp)
    return Codebook(dims, chunks, table, text_array, kept)
