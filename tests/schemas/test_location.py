"""The schemas tree in use: the packaged one, or the user's own through EMBEDCHECK_SCHEMAS_DIR."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from embedcheck.schemas import effective_schema, load_manifest, model
from embedcheck.schemas.location import PACKAGED_ROOT, ROOT_ENV, checkout_root, schema_root
from embedcheck.schemas.validators import compiled


def _copy_tree(target: Path) -> Path:
    shutil.copytree(PACKAGED_ROOT, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_without_the_variable_the_packaged_tree_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    assert schema_root() == PACKAGED_ROOT
    assert (PACKAGED_ROOT / "manifest.json").is_file()


def test_a_users_tree_is_read_and_caches_do_not_leak_between_trees(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    packaged_dims = model("bge-m3").dims
    packaged_max = compiled("@cf/baai/bge-m3", "input").schema["oneOf"][0]
    root = _copy_tree(tmp_path / "mine")
    manifest = json.loads((root / "manifest.json").read_text())
    for record in manifest["models"]:
        if record["slug"] == "bge-m3":
            record["dims"] = 7
    (root / "manifest.json").write_text(json.dumps(manifest))

    monkeypatch.setenv(ROOT_ENV, str(root))
    assert schema_root() == root.resolve()
    assert model("bge-m3").dims == 7
    assert load_manifest().model("bge-m3").dims == 7
    assert effective_schema("@cf/baai/bge-m3", "input")["oneOf"][0] == packaged_max

    monkeypatch.delenv(ROOT_ENV)
    assert model("bge-m3").dims == packaged_dims


def test_a_checkout_is_recognised() -> None:
    root = checkout_root()
    assert root is not None
    assert (root / "pyproject.toml").is_file()
    assert (root / "schemas").resolve() == PACKAGED_ROOT
