"""The generated project's version follows the schema diff against the last generation's
record; `generate --check` computes the same version; `--output` and `--package-name` write
the whole project elsewhere; outside a checkout there is no default output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from embedcheck.cli import main
from embedcheck.commands import generate as generate_command
from embedcheck.generator import output as output_module
from embedcheck.generator.versioning import SchemaRecord, next_version
from tests.generator.conftest import GENERATED, PACKAGE
from tests.generator.test_drift import schema_copy, text_forms

INPUT = {"type": "object", "properties": {"text": {"type": "array", "maxItems": 100}}}


def with_max_items(limit: int) -> dict[str, Any]:
    return {"type": "object", "properties": {"text": {"type": "array", "maxItems": limit}}}


@pytest.mark.parametrize(
    ("new", "version"),
    [
        (INPUT, "3.4.1"),  # unchanged: same version
        (with_max_items(200), "3.5.0"),  # requests it sent stay valid: minor
        ({**INPUT, "description": "texts"}, "3.5.0"),  # annotation only: minor
        (with_max_items(50), "4.0.0"),  # 51 texts are now refused: major
    ],
)
def test_the_diff_class_picks_the_bump(new: dict[str, Any], version: str) -> None:
    previous = SchemaRecord("3.4.1", {"@cf/x input": INPUT})
    assert next_version(previous, {"@cf/x input": new}).version == version


def test_a_removed_schema_is_breaking_and_a_new_one_is_not() -> None:
    previous = SchemaRecord("1.2.0", {"a input": INPUT})
    assert next_version(previous, {}).version == "2.0.0"
    assert next_version(previous, {"a input": INPUT, "b input": INPUT}).version == "1.3.0"
    assert next_version(None, {"a input": INPUT}).version == "1.0.0"


def record_of(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / PACKAGE / "schemas.json").read_text())
    return data


def test_generate_bumps_once_and_check_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    shutil.copytree(GENERATED, project, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    before = record_of(project)

    def lower_max_items(document: Any) -> None:
        for properties in text_forms(document):
            properties["text"]["oneOf"][1]["maxItems"] = 50

    schemas = schema_copy(tmp_path, lower_max_items)
    args = ["generate", "--schemas", str(schemas), "--output", str(project)]
    assert main([*args, "--check"]) == 1
    stale = capsys.readouterr().out
    major = int(before["version"].split(".")[0]) + 1
    assert f'+version = "{major}.0.0"' in stale
    assert main(args) == 0
    assert f"{PACKAGE} {major}.0.0" in capsys.readouterr().err
    after = record_of(project)
    assert after["version"] == f"{major}.0.0" and after["sha256"] != before["sha256"]
    assert after["sha256"] in (project / "pyproject.toml").read_text()
    assert main(args) == 0 and main([*args, "--check"]) == 0  # no second bump
    assert record_of(project)["version"] == f"{major}.0.0"


def test_output_and_package_name_write_the_whole_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine"
    assert main(["generate", "--output", str(out), "--package-name", "acme_embeddings"]) == 0
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"pyproject.toml", "README.md", "acme_embeddings/py.typed"} <= files
    assert "acme_embeddings/schemas.json" in files
    pyproject = (out / "pyproject.toml").read_text()
    assert 'name = "acme-embeddings"' in pyproject and 'version = "1.0.0"' in pyproject
    models = (out / "acme_embeddings/models/bge_m3.py").read_text()
    assert "from acme_embeddings._models import BaseModel" in models
    assert "workers_ai_embeddings" not in models


@pytest.mark.parametrize("name", ["Acme", "acme-embeddings", "_private", "class x"])
def test_a_bad_package_name_is_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "--output", str(tmp_path), "--package-name", name]) == 2
    err = capsys.readouterr().err
    assert "--package-name" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_outside_a_checkout_generate_needs_an_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(output_module, "checkout_root", lambda: None)
    assert main(["generate"]) == 2
    err = capsys.readouterr().err
    assert "pass --output DIR" in err and len(err.strip().splitlines()) == 1


def test_without_the_generate_extra_the_fix_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generate_command, "_importable", lambda module: module != "ruff")
    assert main(["generate", "--output", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == "embedcheck: error: embedcheck generate needs ruff: pip install 'embedcheck[generate]'"
    )
    assert not (tmp_path / "out").exists()
