"""Overlays: JSON Patch documents (RFC 6902) that turn a raw upstream schema into the
*effective* schema embedcheck validates with.

An overlay file names the vendored files it applies to and lists ops, each with a `reason`.
`test` ops pin the upstream shape the overlay was written against, so a changed upstream
schema makes the overlay fail loudly instead of patching the wrong branch.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonpatch

from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.jsonfile import read_json
from embedcheck.schemas.location import schema_root

OVERLAY_DIR_NAME = "overlays"

# Annotation keywords overlays may add; validators ignore unknown keywords, so these never
# change what a schema accepts.
NAME_KEY = "x-embedcheck-name"  # a stable name for a oneOf variant (generated class names)
OVERLAP_KEY = "x-embedcheck-overlap"  # on a schema holding a oneOf: why overlaps are intended


@dataclass(frozen=True)
class Overlay:
    path: Path
    targets: tuple[str, ...]
    ops: tuple[dict[str, Any], ...]

    def patch(self) -> jsonpatch.JsonPatch:
        return jsonpatch.JsonPatch([_bare(op) for op in self.ops])


class OverlayMismatchError(SchemaError):
    """An overlay op that no longer applies to its target (upstream changed)."""

    def __init__(self, overlay: Overlay, target: str, index: int, detail: str) -> None:
        detail = _short(detail)
        self.overlay, self.target, self.index, self.detail = overlay, target, index, detail
        super().__init__(
            f"{overlay.path.name} no longer fits {target}: op {index} "
            f"{json.dumps(_bare(overlay.ops[index]), ensure_ascii=False)} failed: {detail} "
            "(upstream changed? see the op's reason)"
        )

    @property
    def op(self) -> dict[str, Any]:
        return self.overlay.ops[self.index]


_DETAIL_CHARS = 160


def _short(detail: str) -> str:
    """jsonpatch quotes the whole parent object after "not found in": the key is enough."""
    if " not found in " in detail:
        detail = detail.split(" not found in ", 1)[0] + " not found"
    return detail if len(detail) <= _DETAIL_CHARS else detail[: _DETAIL_CHARS - 1] + "…"


def _bare(op: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in op.items() if k != "reason"}


def parse_overlay(path: Path) -> Overlay:
    return overlay_from(read_json(path), path)


def overlay_from(data: Any, path: Path) -> Overlay:
    """An overlay document (decoded) that lives, or will live, at `path`."""
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise SchemaError(f"{path}: an overlay needs a 'targets' list and an 'ops' list")
    ops = data.get("ops")
    if not isinstance(ops, list):
        raise SchemaError(f"{path}: an overlay needs an 'ops' list")
    for index, op in enumerate(ops):
        if not isinstance(op, dict) or not str(op.get("reason", "")).strip():
            raise SchemaError(f"{path}: op {index} has no 'reason'")
    return Overlay(path=path, targets=tuple(data["targets"]), ops=tuple(ops))


def load_overlays() -> tuple[Overlay, ...]:
    return _load_overlays(schema_root())


@cache
def _load_overlays(root: Path) -> tuple[Overlay, ...]:
    return tuple(parse_overlay(p) for p in sorted((root / OVERLAY_DIR_NAME).glob("*.json")))


def overlays_for(target: str) -> list[Overlay]:
    return [o for o in load_overlays() if target in o.targets]


def apply_overlays(raw: Any, target: str, overlays: list[Overlay] | None = None) -> Any:
    """The effective schema of the vendored file `target` (a manifest path)."""
    schema = copy.deepcopy(raw)
    for overlay in overlays_for(target) if overlays is None else overlays:
        # One op at a time, so a mismatch names the op that failed, not just the file.
        for index, op in enumerate(overlay.ops):
            try:
                schema = jsonpatch.JsonPatch([_bare(op)]).apply(schema, in_place=True)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
                raise OverlayMismatchError(overlay, target, index, str(exc)) from None
    return schema
