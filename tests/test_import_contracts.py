"""The arrows between packages, checked on the source: who may import whom.

One distribution, one import namespace: everything is imported as `embedcheck.<part>`. The
top-level folders `schemas/`, `generator/` and `conformance/` are the same files seen through
`embedcheck/<part>` links, so importing them by their bare folder name would load a second copy
of each module (two `ModelRecord` classes, two registries) and, once installed, fail outright.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("embedcheck", "schemas", "generator", "conformance", "tests", "bench")
BARE_NAMES = {"schemas", "generator", "conformance"}

# (importer package, forbidden package): an importer module may not import the forbidden one.
FORBIDDEN = [
    ("embedcheck.schemas", "embedcheck.generator"),
    ("embedcheck.schemas", "embedcheck.conformance"),
    ("embedcheck.schemas", "embedcheck.cli"),
    ("embedcheck.schemas", "embedcheck.commands"),
    ("embedcheck.generator", "embedcheck.conformance"),
    ("embedcheck.conformance", "embedcheck.generator"),
    ("embedcheck.conformance", "embedcheck.commands"),
    # Checks judge what was sent and what came back (conformance.vocabulary), never how it
    # was generated.
    ("embedcheck.conformance.checks", "embedcheck.conformance.generation"),
]
# The mock is a product of its own: it may import the schemas layer and itself, nothing more.
MOCK = "embedcheck.conformance.mock"
MOCK_MAY_IMPORT = ("embedcheck.schemas", MOCK)


def _module_name(path: Path) -> str:
    """The import name of a source file, as `embedcheck.<part>...` for the linked folders."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] in BARE_NAMES:
        parts.insert(0, "embedcheck")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> Iterator[Path]:
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if ".venv" in path.parts:
                continue
            # embedcheck/<part> are links to the top-level folders: read each file once.
            if folder == "embedcheck" and path.relative_to(ROOT / folder).parts[0] in BARE_NAMES:
                continue
            yield path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, imported module) for every absolute import in the file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_sources_are_found() -> None:
    names = {_module_name(path) for path in _sources()}
    assert {"embedcheck.cli", "embedcheck.schemas.manifest", "embedcheck.conformance.job"} <= names
    assert len(names) > 100


def test_nothing_imports_a_bare_folder_name() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: import {module}"
        for path in _sources()
        for line, module in _imports(path)
        if module.split(".")[0] in BARE_NAMES
    ]
    assert offenders == [], "import these as embedcheck.<part>:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    ("importer", "forbidden"), FORBIDDEN, ids=[f"{a} x {b}" for a, b in FORBIDDEN]
)
def test_forbidden_arrow(importer: str, forbidden: str) -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: import {module}"
        for path in _sources()
        if _within(_module_name(path), importer)
        for line, module in _imports(path)
        if _within(module, forbidden)
    ]
    assert offenders == [], f"{importer} must not import {forbidden}:\n" + "\n".join(offenders)


def test_mock_imports_only_the_schemas_layer() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: import {module}"
        for path in _sources()
        if _within(_module_name(path), MOCK)
        for line, module in _imports(path)
        if module.startswith("embedcheck") and not any(_within(module, p) for p in MOCK_MAY_IMPORT)
    ]
    assert offenders == [], f"{MOCK} may import only {MOCK_MAY_IMPORT}:\n" + "\n".join(offenders)


def test_the_error_root_is_a_leaf() -> None:
    """`embedcheck.errors` holds the one root every layer's user errors derive from, so every
    layer (schemas included) may import it; it imports nothing of ours, so no arrow bends."""
    path = ROOT / "embedcheck" / "errors.py"
    imported = [module for _, module in _imports(path) if module.startswith("embedcheck")]
    assert imported == []
