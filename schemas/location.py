"""Which schemas tree this process reads: the one shipped with embedcheck, or a user's own.

A user who adds a model or syncs upstream into a folder of their own points every command at it
with `EMBEDCHECK_SCHEMAS_DIR` (the CLI's `--schemas-dir` sets it). It is read on every lookup, not
once at import, so worker processes and a mock started in a subprocess inherit the same tree, and
the caches below it are keyed by the root they were filled from.
"""

from __future__ import annotations

import os
from pathlib import Path

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
