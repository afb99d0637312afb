"""The thresholds of the verdict, settable on the command line.

Defaults, from `bench/calibrate_compare.py` (all-MiniLM-L6-v2 in numpy over the built-in
corpus; figures in the README):
- `interchangeable` 0.999999: float32 noise (another machine, batch, kernel) stays above
  0.9999999 and float16 rounding of the output near 0.99999999, while rounding the output to
  bfloat16 already gives 0.99999x. "Mix freely" means float32-level agreement on every text.
- `same_model` 0.98: a low-precision build of the same model (bfloat16 or int8 inference) stays
  above it on every text and keeps the rankings; another pooling of the same model (CLS vs
  mean) or a truncated input falls below it on many texts.
- `top_k_overlap` 0.9: "mixing costs little" needs a mixed index (B's queries against A's
  documents) to keep 90% of A's own top 10.
- `norm_tolerance` 0.01: unit vectors (either side) differ in norm by less than 1e-4 even in
  bfloat16; a server that does not normalise differs by far more.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    interchangeable: float = 0.999999  # every text's cosine at least this: mix freely
    same_model: float = 0.98  # every text at least this, rankings kept: lower precision
    top_k_overlap: float = 0.9  # a mixed index keeps this share of the top k
    norm_tolerance: float = 0.01  # relative difference of norms beyond which they differ
    top_k: int = 10

    def problem(self) -> str:
        """'' when the thresholds make sense together, else what is wrong."""
        if not self.same_model <= self.interchangeable:
            return (
                f"--same-model-cosine ({self.same_model}) must not exceed "
                f"--interchangeable-cosine ({self.interchangeable})"
            )
        return ""
