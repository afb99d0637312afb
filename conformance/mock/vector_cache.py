"""A memo of serialised vectors: the JSON text of each (model, pooling, text) row.

Vectors are pure functions of their key, so a row once written as JSON can be served again as
is. Formatting floats is most of the cost of a 100-text reply (about 4 ms of ~10 for 100 x 1024
floats), and conformance runs send the same texts again and again (determinism, a text alone
and inside a batch, retries). Only used when no fault alters vectors; bounded by bytes, least
recently used rows go first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import orjson

from conformance.mock.embeddings import Embedder
from schemas import ModelRecord

Key = tuple[str, str, str]


class VectorJsonCache:
    def __init__(self, embedder: Embedder, max_bytes: int) -> None:
        self.embedder = embedder
        self.max_bytes = max_bytes
        self._rows: OrderedDict[Key, bytes] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self, model: ModelRecord, texts: Sequence[str], pooling: str) -> list[bytes]:
        """The JSON array text of each text's vector, in order; misses embedded in one batch."""
        keys = [(model.id, pooling, text) for text in texts]
        found: list[bytes | None] = [self._touch(key) for key in keys]
        missing = [i for i, row in enumerate(found) if row is None]
        if missing:
            vectors = self.embedder.embed(model, [texts[i] for i in missing], pooling)
            for i, vector in zip(missing, vectors, strict=True):
                found[i] = self._store(
                    keys[i], orjson.dumps(vector, option=orjson.OPT_SERIALIZE_NUMPY)
                )
        return [row for row in found if row is not None]

    def matrix(self, model: ModelRecord, texts: Sequence[str], pooling: str) -> orjson.Fragment:
        """The vectors of a batch as one JSON array of arrays, ready to drop into a reply."""
        return orjson.Fragment(b"[" + b",".join(self.rows(model, texts, pooling)) + b"]")

    def _touch(self, key: Key) -> bytes | None:
        row = self._rows.get(key)
        if row is not None:
            self._rows.move_to_end(key)
        return row

    def _store(self, key: Key, row: bytes) -> bytes:
        if key not in self._rows:
            self._rows[key] = row
            self._bytes += len(row)
            while self._bytes > self.max_bytes and len(self._rows) > 1:
                _, old = self._rows.popitem(last=False)
                self._bytes -= len(old)
        return self._rows.get(key, row)
