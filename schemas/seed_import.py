"""Vendor the upstream schemas from the captured documentation pages in `shared/seeds/`.

Run `python -m schemas.seed_import [SEED_DIR]` to rewrite the upstream files byte-for-byte
from the seeds, the derived split files, and `manifest.json`. A test re-runs the extraction
and checks that the vendored bytes are still exactly what the seeds publish.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.manifest import (
    MANIFEST_PATH,
    SCHEMA_ROOT,
    Manifest,
    ModelRecord,
    SchemaFile,
    sha256_of,
    write_manifest,
)
from embedcheck.schemas.split import split_input, split_output

DEFAULT_SEED_DIR = SCHEMA_ROOT.parent.parent / "shared" / "seeds"
VENDORED_ON = "2026-11-21"
DOCS = "https://developers.cloudflare.com/workers-ai/models"

MODELS = (
    ModelRecord(
        id="@cf/baai/bge-small-en-v1.5",
        provider="workers-ai",
        slug="bge-small-en-v1.5",
        dims=384,
        max_input_tokens=512,
        context_window=None,
        notes="Publishes the bge-base schema; the old docs page printed 386 dims by mistake.",
    ),
    ModelRecord(
        id="@cf/baai/bge-base-en-v1.5",
        provider="workers-ai",
        slug="bge-base-en-v1.5",
        dims=768,
        max_input_tokens=512,
        context_window=None,
    ),
    ModelRecord(
        id="@cf/baai/bge-large-en-v1.5",
        provider="workers-ai",
        slug="bge-large-en-v1.5",
        dims=1024,
        max_input_tokens=512,
        context_window=None,
        notes="Publishes the bge-base schema (docs page in seed 004).",
    ),
    ModelRecord(
        id="@cf/baai/bge-m3",
        provider="workers-ai",
        slug="bge-m3",
        dims=1024,
        max_input_tokens=8192,
        context_window=60000,
        notes="8192 tokens in the model; the model record says context_window 60000.",
    ),
)

# Which seed publishes which model's full schemas.
SEED_OF = {
    "bge-m3": "000",
    "bge-base-en-v1.5": "001",
    "bge-small-en-v1.5": "001",
    "bge-large-en-v1.5": "001",
}
LEGACY_SEED = "002"
LEGACY_VERSION = "2024-text-only"
SCHEMA_MARKER = "The following schemas are based on JSON Schema"


def seed_path(seed_dir: Path, number: str) -> Path:
    (match,) = sorted(seed_dir.glob(f"{number}_*.txt"))
    return match


def balanced_object(text: str, start: int) -> str:
    """The JSON object text that opens at `text[start] == '{'`, up to its matching brace."""
    if text[start] != "{":
        raise ValueError(f"no object at offset {start}")
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    raise ValueError("unbalanced JSON object")


def model_page_schemas(seed_text: str) -> tuple[str, str]:
    """The input and output schema texts of a model page: two objects after the marker."""
    first = seed_text.index("{", seed_text.index(SCHEMA_MARKER))
    input_text = balanced_object(seed_text, first)
    second = seed_text.index("{", first + len(input_text))
    output_text = balanced_object(seed_text, second)
    for text in (input_text, output_text):
        json.loads(text)
    return input_text, output_text


def legacy_page_schemas(seed_text: str) -> tuple[str, str]:
    """Seed 002 wraps both schemas in `{"task", "tsClass", "jsonSchema": {input, output}}`."""
    block = seed_text.index("{", seed_text.index("## API schema"))
    record = balanced_object(seed_text, block)
    texts = []
    for key in ('"input": ', '"output": '):
        start = record.index(key) + len(key)
        texts.append(balanced_object(record, start))
    assert json.loads(record)["jsonSchema"] == {
        "input": json.loads(texts[0]),
        "output": json.loads(texts[1]),
    }
    return texts[0], texts[1]


@dataclass
class Planned:
    """One file to write: its bytes and its manifest entry (hash filled in on write)."""

    entry: SchemaFile
    content: bytes


def _entry(**fields: Any) -> SchemaFile:
    fields.setdefault("retrieved", VENDORED_ON)
    fields.setdefault("sha256", "")
    return SchemaFile(**fields)


def plan_workers_ai(seed_dir: Path) -> list[Planned]:
    planned: list[Planned] = []
    for model in MODELS:
        seed = seed_path(seed_dir, SEED_OF[model.slug])
        seed_sha = hashlib.sha256(seed.read_bytes()).hexdigest()
        input_text, output_text = model_page_schemas(seed.read_text(encoding="utf-8"))
        base = f"workers-ai/{model.slug}"
        page = f"{DOCS}/{model.slug}/"
        shares_base = model.slug in ("bge-small-en-v1.5", "bge-large-en-v1.5")
        note = "the docs publish bge-base-en-v1.5's schema for this model" if shares_base else ""
        for role, text in (("input", input_text), ("output", output_text)):
            planned.append(
                Planned(
                    _entry(
                        path=f"{base}/{role}.json",
                        subject=model.id,
                        role=role,
                        version="current",
                        origin="upstream",
                        source_url=page,
                        extracted_from=f"seeds/{seed.name} sha256:{seed_sha}",
                        note=note,
                    ),
                    text.encode("utf-8"),
                )
            )
        derived = {**split_input(json.loads(input_text)), **split_output(json.loads(output_text))}
        for role, schema in sorted(derived.items()):
            source = "input" if role.endswith("input") else "output"
            planned.append(
                Planned(
                    _entry(
                        path=f"{base}/{role}.json",
                        subject=model.id,
                        role=role,
                        version="current",
                        origin="derived",
                        source_url=f"{DOCS}/{model.slug}/{role}.json",
                        derived_from=f"{base}/{source}.json",
                        note="docs-site split rule (schemas/split.py)",
                    ),
                    dump_json(schema).encode("utf-8"),
                )
            )
    legacy = seed_path(seed_dir, LEGACY_SEED)
    legacy_sha = hashlib.sha256(legacy.read_bytes()).hexdigest()
    for role, text in zip(
        ("input", "output"), legacy_page_schemas(legacy.read_text("utf-8")), strict=True
    ):
        planned.append(
            Planned(
                _entry(
                    path=f"workers-ai/bge-base-en-v1.5/versions/{LEGACY_VERSION}/{role}.json",
                    subject="@cf/baai/bge-base-en-v1.5",
                    role=role,
                    version=LEGACY_VERSION,
                    origin="upstream",
                    source_url=f"{DOCS}/",
                    extracted_from=f"seeds/{legacy.name} sha256:{legacy_sha}",
                    note="earlier 'Embeddings' docs page: text only, no pooling, no batch",
                ),
                text.encode("utf-8"),
            )
        )
    return planned


# Files we write ourselves from documented wire facts (shared/docs/wire-facts.md).
AUTHORED = (
    (
        "openai/embeddings-request.json",
        "openai-embeddings",
        "request",
        "https://platform.openai.com/docs/api-reference/embeddings/create",
    ),
    (
        "openai/embeddings-response.json",
        "openai-embeddings",
        "response",
        "https://platform.openai.com/docs/api-reference/embeddings/object",
    ),
    (
        "openai/error.json",
        "openai-embeddings",
        "error",
        "https://platform.openai.com/docs/guides/error-codes",
    ),
    (
        "cloudflare/envelope-success.json",
        "cloudflare-v4",
        "success",
        "https://developers.cloudflare.com/fundamentals/api/",
    ),
    (
        "cloudflare/envelope-error.json",
        "cloudflare-v4",
        "error",
        "https://developers.cloudflare.com/workers-ai/platform/errors/",
    ),
    (
        "workers-ai/queue/poll-request.json",
        "workers-ai-queue",
        "poll-request",
        "https://developers.cloudflare.com/workers-ai/features/batch-api/",
    ),
    (
        "workers-ai/queue/pending.json",
        "workers-ai-queue",
        "pending",
        "https://developers.cloudflare.com/workers-ai/features/batch-api/",
    ),
    (
        "workers-ai/queue/result.json",
        "workers-ai-queue",
        "result",
        "https://developers.cloudflare.com/workers-ai/features/batch-api/",
    ),
)


def plan_authored() -> list[Planned]:
    return [
        Planned(
            _entry(
                path=path,
                subject=subject,
                role=role,
                version="current",
                origin="authored",
                source_url=url,
                note="written from shared/docs/wire-facts.md",
            ),
            (SCHEMA_ROOT / path).read_bytes(),
        )
        for path, subject, role, url in AUTHORED
    ]


def write_all(planned: list[Planned]) -> list[SchemaFile]:
    entries = []
    for item in planned:
        target = SCHEMA_ROOT / item.entry.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.content)
        entries.append(SchemaFile(**{**asdict(item.entry), "sha256": sha256_of(target)}))
    return entries


def main(argv: list[str]) -> int:
    seed_dir = Path(argv[0]) if argv else DEFAULT_SEED_DIR
    entries = write_all(plan_workers_ai(seed_dir) + plan_authored())
    write_manifest(Manifest(models=MODELS, files=tuple(entries)), MANIFEST_PATH)
    print(f"wrote {len(entries)} files and {MANIFEST_PATH.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
