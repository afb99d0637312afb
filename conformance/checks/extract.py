"""Pull vectors out of replies, whatever shape a broken server gives them, and compare them."""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from embedcheck.conformance.checks.base import CheckContext
from embedcheck.conformance.vocabulary import Payload
from embedcheck.schemas.validators import number_kinds

Matrix = NDArray[np.float64]


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def decode_float32(text: str) -> list[float] | None:
    """Little-endian float32 values of a base64 string; None when it is not that."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) % 4:
        return None
    with np.errstate(invalid="ignore"):  # NaN patterns are data here, judged by the checks
        values: list[float] = np.frombuffer(raw, dtype="<f4").astype(np.float64).tolist()
    return values


def vectors_of(ctx: CheckContext, payload: Payload, output: Any) -> list[Any] | None:
    """The list of vectors in a model output (base64 embeddings decoded), or None."""
    if ctx.target.kind.openai_dialect:
        data = output.get("data") if isinstance(output, dict) else None
        if not isinstance(data, list):
            return None
        vectors: list[Any] = []
        for item in data:
            embedding = item.get("embedding") if isinstance(item, dict) else None
            if isinstance(embedding, str):
                embedding = decode_float32(embedding)
            vectors.append(embedding)
        return vectors
    if not payload.vectors or not isinstance(output, dict):
        return None
    found = output.get(payload.vectors)
    return found if isinstance(found, list) else None


def as_floats(values: Any) -> Matrix | None:
    """`values` (numbers, or equally long lists of them) as float64; None if they are not."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (OverflowError, ValueError, TypeError):
        return None  # an integer beyond float range, ragged rows, a string


def matrix(vectors: list[Any] | None) -> Matrix | None:
    """The vectors as a 2-D array when they are equally long lists of numbers, else None."""
    if not vectors or not all(isinstance(v, list) and v for v in vectors):
        return None
    width = len(vectors[0])
    if any(len(v) != width or not number_kinds(v) <= {int, float} for v in vectors):
        return None
    return as_floats(vectors)


def finite(values: list[Any]) -> bool:
    """No NaN or infinity among the numbers of `values` (other items are not its business)."""
    if number_kinds(values) == {float}:
        return all(map(math.isfinite, values))  # the common case, at C speed
    return all(math.isfinite(x) for x in values if type(x) is float)


def cosine(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return float(np.dot(a, b) / (na * nb))


def cosines(a: Matrix, b: Matrix) -> Matrix:
    """Pairwise cosine similarity of the rows of `a` and `b` (zero rows count as orthogonal)."""
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    na[na == 0] = 1.0
    nb[nb == 0] = 1.0
    result: Matrix = (a / na) @ (b / nb).T
    return result
