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

JSON_CONTENT = "application/json"
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
    first.setdefault("contentType", JSON_CONTENT)
    return {"sync-output": first, "batch-output": copy.deepcopy(first)}


# --- The inverse: full schemas from the split files, when only the docs site is at hand. ---
#
# The docs site serves only the branches named above, so the full schemas are derived by
# putting each served branch back where the split rule took it from, in the vendored full
# schema: sync-input replaces the first input branch without `requests`, batch-input the
# first with it, sync-output the first output branch. Keywords the split rule added (`type`
# lifted from the parent, `contentType: application/json`) are dropped again when the
# vendored branch did not carry them, so `split(merge(...))` gives back the served files.
# Branches the docs site never serves (bge-m3's text input, the `{request_id}` reply) are
# kept as vendored; `--source api` refreshes them. A model with no vendored full schema
# gets `{"type": ..., "oneOf": [sync, batch]}` and, when it has a batch input, the queue's
# `{request_id}` reply as its last output branch (wire-facts: every queued submit answers so).

ASYNC_RESPONSE: dict[str, Any] = {
    "type": "object",
    "contentType": "application/json",
    "title": "Async response",
    "properties": {
        "request_id": {
            "type": "string",
            "description": "The async request id that can be used to obtain the results.",
        }
    },
}


def _unlifted(
    served: dict[str, Any], old: dict[str, Any] | None, lifted: dict[str, Any]
) -> dict[str, Any]:
    """A served split file as a branch again: drop each keyword in `lifted` (what the split
    rule adds, with the value it adds) that the vendored branch `old` did not carry."""
    out = copy.deepcopy(served)
    for key, value in lifted.items():
        if value is not None and out.get(key) == value and (old is None or key not in old):
            del out[key]
    return out


def _first(branches: list[Any], wanted: bool) -> int | None:
    return next(
        (i for i, b in enumerate(branches) if isinstance(b, dict) and _has_requests(b) == wanted),
        None,
    )


def merge_input(
    previous: dict[str, Any] | None, served: dict[str, dict[str, Any]]
) -> tuple[dict[str, Any], list[str]]:
    """The full input schema implied by the served sync-input/batch-input files, and the
    JSON pointers of the branches kept as vendored (not served by the docs site)."""
    if previous is None:
        parts = [served[r] for r in ("sync-input", "batch-input") if r in served]
        types = {p.get("type") for p in parts}
        shared = types.pop() if len(types) == 1 else None
        parent: dict[str, Any] = {"type": shared} if shared is not None else {}
        return {**parent, "oneOf": [_unlifted(p, None, parent) for p in parts]}, []
    if not isinstance(previous.get("oneOf"), list):
        return copy.deepcopy(served.get("sync-input", previous)), []
    full = copy.deepcopy(previous)
    branches: list[Any] = full["oneOf"]
    replaced = set()
    for role, wanted in (("sync-input", False), ("batch-input", True)):
        index = _first(branches, wanted)
        if role in served and index is not None:
            lifted = {"type": full.get("type")}
            branches[index] = _unlifted(served[role], branches[index], lifted)
            replaced.add(index)
    kept = [f"/oneOf/{i}" for i in range(len(branches)) if i not in replaced]
    return full, kept


def merge_output(
    previous: dict[str, Any] | None, served: dict[str, dict[str, Any]], *, batch: bool
) -> tuple[dict[str, Any], list[str]]:
    """The full output schema implied by the served sync-output file (batch-output is the
    same branch on the docs site), and the pointers of the branches kept as vendored."""
    sync = served.get("sync-output", served.get("batch-output"))
    if sync is None:
        return copy.deepcopy(previous or {}), []
    if previous is None:
        branches = [copy.deepcopy(sync)] + ([copy.deepcopy(ASYNC_RESPONSE)] if batch else [])
        return ({"oneOf": branches} if len(branches) > 1 else branches[0]), []
    if not isinstance(previous.get("oneOf"), list):
        return _unlifted(sync, previous, {"contentType": JSON_CONTENT}), []
    full = copy.deepcopy(previous)
    lifted = {"type": full.get("type"), "contentType": JSON_CONTENT}
    full["oneOf"][0] = _unlifted(sync, full["oneOf"][0], lifted)
    return full, [f"/oneOf/{i}" for i in range(1, len(full["oneOf"]))]
