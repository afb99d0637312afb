"""Derive the docs site's per-model split files from a model's full input/output schemas.

The docs site serves `/workers-ai/models/<slug>/{sync,batch}-{input,output}.json`:
sync-input is the first input `oneOf` branch that has no `requests` property, batch-input is
the branch that has one, and both outputs are the first output branch, served with
`contentType: application/json` (so the `{request_id}` reply never appears there).
A schema with no `oneOf` is its own sync file.
"""

from __future__ import annotations

import copy
from typing import Any

SPLIT_ROLES = ("sync-input", "sync-output", "batch-input", "batch-output")


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    branches = schema.get("oneOf")
    return list(branches) if isinstance(branches, list) else [schema]


def _has_requests(branch: dict[str, Any]) -> bool:
    return "requests" in branch.get("properties", {})


def _standalone(branch: dict[str, Any], parent: dict[str, Any]) -> dict[str, Any]:
    """A branch lifted out of its oneOf keeps the parent's `type` it relied on."""
    out = copy.deepcopy(branch)
    if "type" in parent and "type" not in out:
        out = {"type": parent["type"], **out}
    return out


def split_input(full_input: dict[str, Any]) -> dict[str, dict[str, Any]]:
    branches = _branches(full_input)
    sync = next((b for b in branches if not _has_requests(b)), None)
    batch = next((b for b in branches if _has_requests(b)), None)
    out: dict[str, dict[str, Any]] = {}
    if sync is not None:
        out["sync-input"] = _standalone(sync, full_input)
    if batch is not None:
        out["batch-input"] = _standalone(batch, full_input)
    return out


def split_output(full_output: dict[str, Any]) -> dict[str, dict[str, Any]]:
    first = _standalone(_branches(full_output)[0], full_output)
    first.setdefault("contentType", "application/json")
    return {"sync-output": first, "batch-output": copy.deepcopy(first)}
