"""The one Jinja environment, and the table of files the generated package consists of."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from datamodel_code_generator.python_literal import stable_repr
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
)

from embedcheck.generator.errors import GeneratorError
from embedcheck.generator.render_model import Package, Project


@dataclass(frozen=True)
class FileTemplate:
    path: str  # relative to the project root, forward slashes
    template: str
    context: tuple[tuple[str, Any], ...] = ()


def python_literal(value: object) -> str:
    """A Python literal for a JSON scalar: any string a schema holds stays data, never code.

    Strings are escaped the same way whichever Python (and Unicode database) runs the generator.
    """
    if isinstance(value, str):
        return stable_repr(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return repr(value)
    raise GeneratorError(f"cannot write {value!r} as a Python literal")


@cache
def environment(user_templates: Path | None = None) -> Environment:
    """Our templates, overridable file by file from `user_templates`."""
    loaders: list[BaseLoader] = [PackageLoader("embedcheck.generator", "templates")]
    if user_templates is not None:
        loaders.insert(0, FileSystemLoader(str(user_templates)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        autoescape=False,  # the output is Python, not HTML
    )
    env.filters["pyrepr"] = python_literal
    return env


def file_table(package: Package, project: Project) -> list[FileTemplate]:
    """Every file of the generated project: its packaging, then the import package."""
    modules = [
        ("__init__.py", "package_init.py.jinja"),
        ("_http.py", "http.py.jinja"),
        ("_models.py", "models.py.jinja"),
        ("_oneof.py", "oneof.py.jinja"),
        ("_transport.py", "transport.py.jinja"),
        ("async_client.py", "async_client.py.jinja"),
        ("client.py", "client.py.jinja"),
        ("errors.py", "errors.py.jinja"),
        ("models/__init__.py", "models_init.py.jinja"),
        ("openai_client.py", "openai_client.py.jinja"),
        ("py.typed", "py.typed.jinja"),
    ]
    files = [
        FileTemplate("pyproject.toml", "pyproject.toml.jinja"),
        FileTemplate("README.md", "README.md.jinja"),
        *(FileTemplate(f"{project.name}/{path}", template) for path, template in modules),
        *(
            FileTemplate(
                f"{project.name}/models/{m.module}.py", "model_module.py.jinja", (("module", m),)
            )
            for m in package.model_modules
        ),
    ]
    return sorted(files, key=lambda f: f.path)


def render_files(
    package: Package, project: Project, user_templates: Path | None = None
) -> dict[str, str]:
    env = environment(user_templates)
    return {
        f.path: env.get_template(f.template).render(
            package=package, project=project, **dict(f.context)
        )
        for f in file_table(package, project)
    }
