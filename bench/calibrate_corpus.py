"""The texts both calibrations embed (`calibrate_tolerances.py` on a real model,
`fault_margins.py` on the mock's faults): short and long, plain and instruction-prefixed, so
that batches of them need padding."""

from __future__ import annotations

import random

SUBJECTS = (
    "the cat", "a quarterly report", "GPU kernels", "mountain weather", "tax law",
    "a bakery in Lyon", "sparse retrieval", "the printing press", "migrating birds",
    "an unpaid invoice", "quantum error correction", "a football final",
)  # fmt: skip
FRAMES = (
    "{}",
    "What is known about {}?",
    "A short note on {} written for a general audience.",
    "Represent this sentence for searching relevant passages: {}",
    "Everything below concerns {0}. " * 6,
    "In the long history of {}, several surprising turns stand out; the archive holds letters, "
    "drafts and receipts, and each tells a slightly different story about what happened and "
    "why it mattered to the people involved at the time.",
)


def corpus(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = [frame.format(s).strip() for s in SUBJECTS for frame in FRAMES]
    rng.shuffle(texts)
    return texts[:size]
