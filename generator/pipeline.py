"""Schemas in, the generated package's files out (path -> text), in memory."""

from __future__ import annotations

from pathlib import Path

from embedcheck.generator.build import build_package
from embedcheck.generator.formatting import format_python
from embedcheck.generator.render import render_files
from embedcheck.generator.source import SchemaSource, VendoredSource


def generate_files(
    source: SchemaSource | None = None, user_templates: Path | None = None
) -> dict[str, str]:
    package = build_package(source or VendoredSource())
    return format_python(render_files(package, user_templates))
