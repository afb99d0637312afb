"""Which schemas tree this process reads: the one shipped with embedcheck, or a user's own.

A user who adds a model or syncs upstream into a folder of their own points every command at it
with `EMBEDCHECK_SCHEMAS_DIR` (the CLI's `--schemas-dir` sets it). It is read on every lookup, not
once at import, so worker processes and a mock started in a subprocess inherit the same tree, and
the caches below it are keyed by the root they were filled from.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from embedcheck.schemas.errors import SchemaError

PACKAGED_ROOT = Path(__file__).resolve().parent
ROOT_ENV = "EMBEDCHECK_SCHEMAS_DIR"


def schema_root() -> Path:
    """`$EMBEDCHECK_SCHEMAS_DIR` when set (a tree laid out like schemas/), else the packaged one."""
    configured = os.environ.get(ROOT_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else PACKAGED_ROOT


def checkout_root() -> Path | None:
    """The source checkout embedcheck runs from (editable or plain), None when installed.

    In a checkout `embedcheck/schemas` links to the top-level `schemas/`, so the real directory
    of this package sits next to `pyproject.toml`; in a wheel it sits inside `embedcheck/`.
    """
    parent = PACKAGED_ROOT.parent
    if (parent / "pyproject.toml").is_file() and (parent / "embedcheck" / "cli.py").is_file():
        return parent
    return None


MANIFEST_FILE = "manifest.json"
# What a schemas tree holds besides data: the package's own code, never copied into a user's.
CODE_PATTERNS = ("*.py", "__pycache__", "*.pyc", ".embedcheck-staging-*")


class TreeError(SchemaError):
    """A schemas directory that cannot be used as asked (the CLI prints one line, exit 2)."""


def usable_root(path: Path, how: str) -> Path:
    """`path` resolved, if it holds a schemas tree (a manifest.json); `how` names the option."""
    resolved = path.expanduser().resolve()
    if not (resolved / MANIFEST_FILE).is_file():
        hint = "" if resolved.is_dir() else " (no such directory)"
        raise TreeError(
            f"{how} {path}: no {MANIFEST_FILE} there{hint}; point it at a schemas tree "
            "(`embedcheck schemas sync --schemas-dir DIR --init` starts one)"
        )
    return resolved


def initialise(target: Path) -> None:
    """Start `target` (absent or empty) as a copy of the packaged tree's data files."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise TreeError(
            f"--init {target}: the directory is not empty and has no {MANIFEST_FILE}; "
            "--init only starts an empty or new directory"
        )
    shutil.copytree(
        PACKAGED_ROOT, target, ignore=shutil.ignore_patterns(*CODE_PATTERNS), dirs_exist_ok=True
    )


def writable_root(given: Path | None, *, init: bool, command: str) -> Path:
    """The tree `command` (sync, add) writes to.

    Given (`--schemas-dir`, or `$EMBEDCHECK_SCHEMAS_DIR`): that tree; `init` first copies the
    packaged tree into it when it is empty or absent. Not given: the checkout's schemas/ when
    embedcheck runs from a source checkout; an installed package is never written to.
    """
    if given is None:
        configured = os.environ.get(ROOT_ENV, "").strip()
        given = Path(configured) if configured else None
    if given is None:
        if checkout_root() is None:
            raise TreeError(
                f"embedcheck schemas {command} will not write into the installed package: "
                "pass --schemas-dir DIR (add --init to start DIR as a copy of the packaged schemas)"
            )
        return PACKAGED_ROOT
    resolved = given.expanduser().resolve()
    if resolved == PACKAGED_ROOT and checkout_root() is None:
        raise TreeError(
            f"--schemas-dir {given} is the installed package; copy it elsewhere (--init) first"
        )
    if init and not (resolved / MANIFEST_FILE).is_file():
        initialise(resolved)
    return usable_root(resolved, "--schemas-dir")
