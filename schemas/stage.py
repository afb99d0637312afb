"""Write a set of files into a schemas tree all together, or not at all.

Every new file is first written (and flushed to disk) in a staging directory inside the
tree, so the final moves are `os.replace` renames on one filesystem, each atomic. The
manifest moves last: until it does, the manifest still describes the old files. If any move
fails, the files already moved are put back from the backups taken beside them, so a failed
write leaves the tree as it was. (A power cut between two renames can still leave a mix;
`embedcheck schemas lint` and the hash test then name the files.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from embedcheck.schemas.errors import SchemaError

STAGING_PREFIX = ".embedcheck-staging-"
LAST = "manifest.json"


def _safe(relative: str) -> PurePosixPath:
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SchemaError(f"refusing to write {relative!r}: not a path inside the schemas tree")
    return path


def _write_synced(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def write_tree(root: Path, files: dict[str, bytes]) -> list[str]:
    """Put `files` (paths relative to `root`) into the tree; the paths written, manifest last."""
    order = sorted(files, key=lambda p: (p == LAST, p))
    for relative in order:
        _safe(relative)
    if not order:
        return []
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=root))
    except OSError as exc:
        raise SchemaError(f"cannot write into {root}: {exc.strerror}; nothing written") from None
    moved: list[str] = []
    try:
        for relative in order:
            _write_synced(staging / "new" / relative, files[relative])
            if (root / relative).is_file():
                backup = staging / "old" / relative
                backup.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / relative, backup)
        for relative in order:
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / "new" / relative, target)
            moved.append(relative)
    except OSError as exc:
        _roll_back(root, staging, moved)
        where = exc.filename or root
        raise SchemaError(f"cannot write {where}: {exc.strerror}; nothing written") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return moved


def _roll_back(root: Path, staging: Path, moved: list[str]) -> None:
    for relative in reversed(moved):
        backup = staging / "old" / relative
        if backup.is_file():
            os.replace(backup, root / relative)
        else:
            (root / relative).unlink(missing_ok=True)
