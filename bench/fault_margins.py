"""How far the mock's `nondeterministic` and `batch-variance` faults move a vector: the cosines
the `determinism` and `batch-invariance` checks see from them, to set beside the noise of a
correct server (`bench/calibrate_tolerances.py`). A tolerance must sit between the two.

Starts the bundled mock with each fault (in float32 and with `--precision bfloat16`) on a free
loopback port and sends, over HTTP, the corpus of the calibration:

- `nondeterministic`: the same batch twice (what `determinism` compares), cosine per text;
- `batch-variance`: each text alone and inside batches of 2, 8 and 32 (what `batch-invariance`
  compares), cosine per text and batch.

Prints, per fault, the highest cosine seen (the fault at its least visible: a tolerance below
it lets that example pass), the median, and the lowest.

    .venv/bin/python bench/fault_margins.py
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calibrate_corpus import corpus
from machine import emit, table

from embedcheck.conformance.mock import MockConfig, serve

MODEL = "@cf/baai/bge-small-en-v1.5"


def embed(base: str, texts: Sequence[str]) -> np.ndarray:
    request = urllib.request.Request(
        f"{base}/run/{MODEL}",
        data=json.dumps({"text": list(texts)}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        vectors = np.asarray(json.loads(reply.read())["data"], dtype=np.float64)
    result: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return result


def nondeterministic(base: str, texts: list[str]) -> np.ndarray:
    sims = []
    for start in range(0, len(texts), 8):
        chunk = texts[start : start + 8]
        sims.append(np.sum(embed(base, chunk) * embed(base, chunk), axis=1))
    return np.concatenate(sims)


def batch_variance(base: str, texts: list[str], rng: random.Random) -> np.ndarray:
    alone = np.concatenate([embed(base, [t]) for t in texts])
    sims = []
    for size in (2, 8, 32):
        order = list(range(len(texts)))
        rng.shuffle(order)
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            sims.append(np.sum(embed(base, [texts[i] for i in chunk]) * alone[chunk], axis=1))
    return np.concatenate(sims)


def row(name: str, values: np.ndarray) -> tuple[str, ...]:
    high, median, low = float(values.max()), float(np.median(values)), float(values.min())
    return (name, f"{high:.6f}", f"{median:.6f}", f"{low:.6f}", f"{1 - high:.1e}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=72, help="corpus size (72)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    texts = corpus(args.texts, args.seed)
    rng = random.Random(args.seed)
    rows = []
    for precision in ("float32", "bfloat16"):
        for fault in ("nondeterministic", "batch-variance"):
            config = MockConfig(faults=frozenset({fault}), precision=precision)
            with serve(config) as mock:
                if fault == "nondeterministic":
                    sims = nondeterministic(mock.base_url, texts)
                else:
                    sims = batch_variance(mock.base_url, texts, rng)
            rows.append(row(f"{fault} ({precision})", sims))
    print(f"mock {MODEL}, {len(texts)} texts")
    print()
    header = ("fault", "highest cosine", "median", "lowest", "1 - highest")
    emit(table(header, rows, numbers=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
