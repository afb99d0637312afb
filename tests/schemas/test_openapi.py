"""The exported OpenAPI documents are valid and loadable by Schemathesis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis.core.result import Ok

from embedcheck.cli import main
from embedcheck.schemas import effective_schema, models
from embedcheck.schemas.openapi import PROFILES, Profile, build_openapi


@pytest.mark.parametrize("profile", PROFILES)
def test_document_is_valid_openapi_3_1_and_schemathesis_loads_it(profile: Profile) -> None:
    document = build_openapi(profile)
    validate(document)  # raises on an invalid document
    loaded = schemathesis.openapi.from_dict(document)
    labels = []
    for result in loaded.get_all_operations():
        assert isinstance(result, Ok), result
        labels.append(result.ok().label)
    if profile == "workers-ai":
        assert labels == [f"POST /accounts/{{account_id}}/ai/run/{m.id}" for m in models()]
    else:
        assert labels == ["POST /embeddings"]


def test_bodies_are_the_effective_schemas() -> None:
    components = build_openapi("workers-ai")["components"]["schemas"]
    assert components["baai_bge_m3_input"] == effective_schema("bge-m3", "input")
    assert components["baai_bge_m3_output"] == effective_schema("bge-m3", "output")
    result = components["baai_bge_m3_envelope"]["properties"]["result"]
    assert result == {"$ref": "#/components/schemas/baai_bge_m3_output"}


def test_cli_writes_the_document(tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    assert main(["schemas", "openapi", "--profile", "openai", "-o", str(target)]) == 0
    assert json.loads(target.read_text())["paths"].keys() == {"/embeddings"}


def test_cli_unwritable_output_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schemas", "openapi", "-o", str(tmp_path / "missing" / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write" in err
