"""A changed vendored schema regenerates a client that differs exactly where expected, and
`generate --check` catches the stale tree. Schemas are changed in a temporary copy only."""

from __future__ import annotations

import ast
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from embedcheck.generator.output import drift, write_tree
from embedcheck.generator.pipeline import generate_project
from embedcheck.generator.source import DirectorySource
from embedcheck.schemas.manifest import SCHEMA_ROOT
from tests.generator.conftest import GENERATED, PACKAGE

BASE_INPUT = "workers-ai/bge-base-en-v1.5/input.json"


def schema_copy(tmp_path: Path, change: Callable[[Any], None]) -> Path:
    """A copy of schemas/ (JSON only) whose bge-base input went through `change`."""
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMA_ROOT, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = root / BASE_INPUT
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return root


def text_forms(document: Any) -> list[Any]:
    """Both copies of the `text` oneOf: the direct input and a queued request's."""
    direct = document["oneOf"][0]["properties"]
    queued = document["oneOf"][1]["properties"]["requests"]["items"]["properties"]
    return [direct, queued]


def add_optional_property(document: Any) -> None:
    for properties in text_forms(document):
        properties["normalize"] = {"type": "boolean", "description": "L2-normalise the vectors"}


def raise_max_items(document: Any) -> None:
    for properties in text_forms(document):
        properties["text"]["oneOf"][1]["maxItems"] = 200


def definitions(source: str) -> dict[str, str]:
    """Each class (its non-method body) and each method, by qualified name, as an AST dump."""
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            methods = [
                n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            ]
            for method in methods:
                found[f"{node.name}.{method.name}"] = ast.dump(method)
            shell = [*node.bases, *node.keywords, *(n for n in node.body if n not in methods)]
            found[node.name] = repr([ast.dump(n) for n in shell])
        elif not isinstance(node, ast.Import | ast.ImportFrom):
            found[ast.dump(node)] = ast.dump(node)
    return found


# What any schema change touches besides the code: the version, the hash, the record.
METADATA = {
    "pyproject.toml",
    "README.md",
    f"{PACKAGE}/__init__.py",
    f"{PACKAGE}/_transport.py",
    f"{PACKAGE}/schemas.json",
}


def changed(before: dict[str, str], after: dict[str, str]) -> dict[str, set[str]]:
    """For each Python file that differs, the definitions that differ (metadata files aside)."""
    out: dict[str, set[str]] = {}
    for path in sorted(set(before) | set(after)):
        if before.get(path) == after.get(path) or path in METADATA:
            continue
        old, new = definitions(before.get(path, "")), definitions(after.get(path, ""))
        out[path] = {name for name in set(old) | set(new) if old.get(name) != new.get(name)}
    return out


def test_an_optional_property_adds_one_field_and_one_keyword(
    tmp_path: Path, vendored_files: dict[str, str]
) -> None:
    source = DirectorySource(schema_copy(tmp_path, add_optional_property))
    files = generate_project(GENERATED, source)
    assert changed(vendored_files, files) == {
        f"{PACKAGE}/models/bge_base_en_v1_5.py": {"EmbedInput"},
        f"{PACKAGE}/client.py": {"BgeBaseEnV1_5.embed", "BgeBaseEnV1_5.embed_many"},
        f"{PACKAGE}/async_client.py": {"AsyncBgeBaseEnV1_5.embed", "AsyncBgeBaseEnV1_5.embed_many"},
    }
    models = files[f"{PACKAGE}/models/bge_base_en_v1_5.py"]
    assert "normalize: Annotated[" in models and "L2-normalise the vectors" in models
    assert "StrictBool | None" in models  # a non-boolean is refused before sending
    assert "normalize: bool | None = None" in files[f"{PACKAGE}/client.py"]
    assert '"normalize": normalize' in files[f"{PACKAGE}/async_client.py"]


def test_a_raised_max_items_changes_the_limit_and_the_split(
    tmp_path: Path, vendored_files: dict[str, str]
) -> None:
    files = generate_project(GENERATED, DirectorySource(schema_copy(tmp_path, raise_max_items)))
    assert changed(vendored_files, files) == {
        f"{PACKAGE}/models/bge_base_en_v1_5.py": {"TextBatch"},
        f"{PACKAGE}/client.py": {"BgeBaseEnV1_5.embed", "BgeBaseEnV1_5.embed_many"},
        f"{PACKAGE}/async_client.py": {"AsyncBgeBaseEnV1_5.embed", "AsyncBgeBaseEnV1_5.embed_many"},
    }
    assert "max_length=200" in files[f"{PACKAGE}/models/bge_base_en_v1_5.py"]
    assert "items[start : start + 200]" in files[f"{PACKAGE}/client.py"]


def test_check_catches_the_stale_tree_and_passes_once_regenerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schemas = schema_copy(tmp_path, add_optional_property)
    output = tmp_path / "generated"
    shutil.copytree(GENERATED, output, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    args = ["generate", "--schemas", str(schemas), "--output", str(output)]
    assert main([*args, "--check"]) == 1
    captured = capsys.readouterr()
    client = f"generated/{PACKAGE}/client.py"
    assert f"--- a/{client}\n+++ b/{client}\n" in captured.out
    assert "+        normalize: bool | None = None," in captured.out
    assert "stale" in captured.err
    assert main(args) == 0
    capsys.readouterr()
    assert main([*args, "--check"]) == 0
    assert capsys.readouterr().out == ""


def test_check_reports_missing_and_extra_files(
    tmp_path: Path, vendored_files: dict[str, str]
) -> None:
    output = tmp_path / "generated"
    write_tree(vendored_files, output)
    assert drift(vendored_files, output) == ""
    (output / PACKAGE / "py.typed").unlink()
    old_model = output / PACKAGE / "models" / "old_model.py"
    old_model.write_text("# Generated by `embedcheck generate`\n")
    (output / "notes.txt").write_text("mine\n")  # not ours: neither reported nor removed
    diff = drift(vendored_files, output)
    assert f"--- /dev/null\n+++ b/generated/{PACKAGE}/py.typed\n" in diff
    assert f"--- a/generated/{PACKAGE}/models/old_model.py\n+++ /dev/null\n" in diff
    assert "notes.txt" not in diff
    report = write_tree(vendored_files, output)
    assert report.written == (f"{PACKAGE}/py.typed",)
    assert report.removed == (f"{PACKAGE}/models/old_model.py",)
    assert report.kept == ("notes.txt",)
    assert drift(vendored_files, output) == ""


def test_the_committed_tree_is_fresh(vendored_files: dict[str, str]) -> None:
    """The golden test: generated/ is exactly what the vendored schemas give."""
    assert drift(vendored_files, GENERATED) == ""
