"""Which schemas tree a command uses and writes: the global `--schemas-dir`, the checkout's
default, never the installed package, `--init`; and all-or-nothing writing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from embedcheck.cli import main
from embedcheck.schemas import location
from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.location import PACKAGED_ROOT, ROOT_ENV
from embedcheck.schemas.manifest import read_manifest
from embedcheck.schemas.stage import STAGING_PREFIX, write_tree
from tests.schemas.conftest import Runner
from tests.schemas.fake_upstream import Upstream, copy_tree, serve_docs, snapshot


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as a wheel install: no source checkout around the package."""
    monkeypatch.setattr(location, "checkout_root", lambda: None)
    monkeypatch.delenv(ROOT_ENV, raising=False)


def test_the_global_option_points_every_command_at_a_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    tree = copy_tree(tmp_path / "mine")
    manifest = tree / "manifest.json"
    # a tree that differs visibly: one model fewer
    dropped = read_manifest(tree).models[0]
    document = json.loads(manifest.read_text())
    document["models"] = [m for m in document["models"] if m["id"] != dropped.id]
    document["files"] = [f for f in document["files"] if f["subject"] != dropped.id]
    manifest.write_text(json.dumps(document))
    current = [f for f in document["files"] if f["version"] == "current"]
    for form in (["--schemas-dir", str(tree)], [f"--schemas-dir={tree}"]):
        code, out, err = run(capsys, *form, "schemas", "lint", "--effective")
        assert (code, err) == (0, "")
        assert f"in {len(current)} effective schemas" in out
    code, _, err = run(capsys, "--schemas-dir", str(tree), "schemas", "lint", dropped.id)
    assert code == 2 and f"unknown model {dropped.id!r}" in err
    assert ROOT_ENV not in os.environ  # main() leaves the process as it found it


@pytest.mark.parametrize("where", ["missing", "empty"])
def test_a_global_dir_without_a_manifest_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    target = tmp_path / "trees"
    if where == "empty":
        target.mkdir()
    code, out, err = run(capsys, "--schemas-dir", str(target), "schemas", "lint")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert f"--schemas-dir {target}: no manifest.json there" in err
    assert ("(no such directory)" in err) is (where == "missing")


def test_the_global_option_needs_a_value(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--schemas-dir")
    assert code == 2 and err == "embedcheck: error: --schemas-dir needs a directory\n"


@pytest.mark.parametrize("command", ["sync", "add"])
def test_installed_sync_and_add_need_a_schemas_dir(
    installed: None, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    before = snapshot(PACKAGED_ROOT)
    extra = ["@cf/acme/x", "--dims", "8", "--max-input-tokens", "8"] if command == "add" else []
    code, out, err = run(
        capsys, "schemas", command, *extra, "--docs-base-url", "http://127.0.0.1:9"
    )
    assert (code, out) == (2, "")
    assert err == (
        f"embedcheck: error: embedcheck schemas {command} will not write into the installed "
        "package: pass --schemas-dir DIR (add --init to start DIR as a copy of the packaged "
        "schemas)\n"
    )
    code, _, err = run(capsys, "schemas", command, *extra, "--schemas-dir", str(PACKAGED_ROOT))
    assert code == 2 and "is the installed package" in err
    assert snapshot(PACKAGED_ROOT) == before


def test_init_starts_an_empty_dir_from_the_packaged_tree(
    installed: None, upstream: Upstream, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new" / "schemas"
    serve_docs(upstream, PACKAGED_ROOT)
    code, out, err = run(
        capsys,
        "schemas",
        "sync",
        "--schemas-dir",
        str(target),
        "--init",
        "--docs-base-url",
        upstream.base + "/workers-ai/models",
    )
    assert (code, err) == (0, ""), out
    assert "no changes" in out
    assert (target / "manifest.json").read_bytes() == (PACKAGED_ROOT / "manifest.json").read_bytes()
    assert not list(target.rglob("*.py"))  # data only, never the package's code
    assert read_manifest(target) == read_manifest(PACKAGED_ROOT)


def test_init_refuses_a_dir_that_holds_something_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, out, err = run(capsys, "schemas", "sync", "--schemas-dir", str(target), "--init")
    assert (code, out) == (2, "")
    assert "is not empty and has no manifest.json" in err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]


def test_without_init_a_dir_with_no_manifest_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "schemas", "sync", "--schemas-dir", str(tmp_path))
    assert code == 2 and "no manifest.json there" in err and "--init" in err


def test_in_a_checkout_sync_defaults_to_the_checkouts_tree(
    upstream: Upstream, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert location.checkout_root() is not None
    monkeypatch.delenv(ROOT_ENV, raising=False)
    serve_docs(upstream, PACKAGED_ROOT)
    before = snapshot(PACKAGED_ROOT)
    code, out, _ = run(
        capsys,
        "schemas",
        "sync",
        "--dry-run",
        "--docs-base-url",
        upstream.base + "/workers-ai/models",
    )
    assert code == 0 and "no changes" in out
    assert snapshot(PACKAGED_ROOT) == before


def test_a_failed_move_puts_back_what_was_already_moved(tmp_path: Path) -> None:
    root = copy_tree(tmp_path / "schemas")
    (root / "zz-blocker.json").mkdir()  # a directory where a file must go: the move fails
    (root / "zz-blocker.json" / "keep").write_text("x")
    before = snapshot(root)
    replaced_first = "cloudflare/envelope-error.json"  # exists, and moves before the blocker
    with pytest.raises(SchemaError, match="nothing written"):
        write_tree(
            root,
            {
                replaced_first: b"{}",
                "manifest.json": b"{}",
                "overlays/new.json": b"{}",
                "zz-blocker.json": b"{}",
            },
        )
    assert snapshot(root) == before  # every byte (and mtime) as it was, the new file gone
    assert not [p for p in root.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_a_path_outside_the_tree_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="not a path inside the schemas tree"):
        write_tree(tmp_path, {"../escape.json": b"{}"})
    assert not (tmp_path.parent / "escape.json").exists()


def test_a_sync_writes_through_the_stage(upstream: Upstream, root: Path, sync: Runner) -> None:
    serve_docs(upstream, root)
    code, _, _ = sync()
    assert code == 0
    assert not [p for p in root.iterdir() if p.name.startswith(STAGING_PREFIX)]
