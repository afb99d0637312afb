"""Property: whatever extra properties a schema grows (awkward names, hostile descriptions), the
generated package imports, keeps the schema's text as data, and sends each new key when asked.

Each example runs a full generation (~1-2 s), so examples are few.
"""

from __future__ import annotations

import builtins
import copy
import importlib
import inspect
import itertools
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from embedcheck.generator.output import write_tree
from embedcheck.generator.pipeline import generate_files
from embedcheck.generator.source import TransformedSource, VendoredSource
from embedcheck.schemas.location import PACKAGED_ROOT
from embedcheck.schemas.manifest import read_manifest

SENTINEL = "EMBEDCHECK_SCHEMA_TEXT_RAN"
HOSTILE = [
    '"""',
    "'''",
    f'"""\nimport builtins; builtins.{SENTINEL} = 1\n"""',
    f"'); import builtins; builtins.{SENTINEL} = 1; ('",
    f"\\\n__import__('builtins').{SENTINEL} = 1",
    "{{ 7 * 7 }} {% raw %} {# comment #}",
    "line one\nline two\r\n\ttabbed \\n not a newline",
    "nul \x00 and bell \x07 and emoji 🧪 and rtl \u202e",
]
AWKWARD_KEYS = [
    "class", "from", "x-y", "é", "日本語", "1st", "self", "model_config", "root", "__init__",
    "validate", "def", "text_", "pooling2", "Upper Case", "a.b", "None", "await", 'say "hi"',
    "back\\slash", "{{ key }}", "ª", "e\u0301", "ﬁle",
]  # fmt: skip
# where the extra properties go: every model with a pooling choice (the bge English ones)
ENGLISH = tuple(m.id for m in read_manifest(PACKAGED_ROOT).models if m.pooling)
SAMPLE = {"string": "v", "integer": 3, "number": 1.5, "boolean": True}
_names = itertools.count()


@st.composite
def extra_property(draw: st.DrawFn) -> tuple[str, dict[str, Any], Any]:
    """(key, schema, a value the schema accepts)."""
    key = draw(st.sampled_from(AWKWARD_KEYS) | st.text(min_size=1, max_size=8))
    description = draw(st.sampled_from(HOSTILE) | st.text(max_size=30))
    kind = draw(st.sampled_from([*SAMPLE, "enum"]))
    if kind == "enum":
        values = draw(
            st.lists(
                st.sampled_from(HOSTILE) | st.text(max_size=6), min_size=1, max_size=3, unique=True
            )
        )
        return key, {"type": "string", "enum": values, "description": description}, values[0]
    return key, {"type": kind, "description": description}, SAMPLE[kind]


@st.composite
def variations(draw: st.DrawFn) -> dict[str, tuple[dict[str, Any], Any]]:
    extras = draw(st.lists(extra_property(), min_size=1, max_size=3, unique_by=lambda e: e[0]))
    reserved = {"text", "pooling"}
    return {key: (schema, value) for key, schema, value in extras if key not in reserved}


def with_extras(extras: dict[str, tuple[dict[str, Any], Any]]) -> TransformedSource:
    def transform(subject: str, role: str, schema: Any) -> Any:
        if subject not in ENGLISH or role != "input":
            return schema
        out = copy.deepcopy(schema)
        direct = out["oneOf"][0]["properties"]
        queued = out["oneOf"][1]["properties"]["requests"]["items"]["properties"]
        for properties in (direct, queued):
            properties.update({key: prop for key, (prop, _) in extras.items()})
        out["oneOf"][0]["title"] = "Renamed Upstream Title"  # titles never name classes
        return out

    return TransformedSource(VendoredSource(), transform)


@contextmanager
def imported(source: TransformedSource) -> Iterator[ModuleType]:
    """The project generated from `source` under a fresh import name, imported."""
    name = f"embedcheck_property_pkg_{next(_names)}"
    files = generate_files(source, package_name=name)
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(files, Path(tmp))
        sys.path.insert(0, tmp)
        try:
            yield importlib.import_module(name)
        finally:
            sys.path.remove(tmp)
            for module in [m for m in sys.modules if m.split(".")[0] == name]:
                del sys.modules[module]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variations())
def test_generated_package_imports_and_keeps_schema_text_as_data(
    extras: dict[str, tuple[dict[str, Any], Any]],
) -> None:
    with imported(with_extras(extras)) as package:
        assert not hasattr(builtins, SENTINEL)
        models = importlib.import_module(f"{package.__name__}.models.bge_base_en_v1_5")
        assert models.EmbedInput.__name__ == "EmbedInput"
        fields = {info.alias or name: info for name, info in models.EmbedInput.model_fields.items()}
        for key, (schema, value) in extras.items():
            assert fields[key].description == schema["description"]  # verbatim, not evaluated
            assert TypeAdapter(models.Input).validate_python({"text": "a", key: value})
        sent: list[Any] = []

        def record(request: httpx.Request) -> httpx.Response:
            sent.append(json.loads(request.content))
            body = {
                "success": True,
                "errors": [],
                "messages": [],
                "result": {"shape": [1, 1], "data": [[1.0]]},
            }
            return httpx.Response(200, json=body)

        http = httpx.Client(transport=httpx.MockTransport(record))
        client = package.Client("acct", "token", base_url="http://x.test", http_client=http)
        embed = client.bge_base_en_v1_5.embed
        fixed = ("text", "pooling", "timeout", "extra_headers")
        params = [p for p in inspect.signature(embed).parameters if p not in fixed]
        assert len(params) == len(extras)
        for param, (key, (_, value)) in zip(params, extras.items(), strict=True):
            embed("a", **{param: value})
            assert sent[-1] == {"text": "a", key: value}
        assert not hasattr(builtins, SENTINEL)
