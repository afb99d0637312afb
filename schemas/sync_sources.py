"""Where `schemas sync` fetches the current upstream schemas from.

- The docs site (no credentials) serves the four split files per model,
  `{docs_base}/{slug}/{sync,batch}-{input,output}.json`; they are kept byte-for-byte.
- The model-schema API (`GET {api_base}/accounts/{account_id}/ai/models/schema?model=ID`,
  bearer token) returns the full `input` and `output` schemas inside a v4 envelope. There are
  no standalone upstream bytes, so embedcheck serialises them with `jsonfile.dump_json`
  (the manifest note says so) and re-derives the split files with `embedcheck.schemas.split`.

Every source fetches everything before anything is written; a failure is a FetchError.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as MetaSchemaError

from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.manifest import ModelRecord, SchemaFile
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.store import CURRENT
from embedcheck.schemas.sync_http import FetchError, JsonGetter, envelope_errors

DOCS_BASE_URL = "https://developers.cloudflare.com/workers-ai/models"
API_BASE_URL = "https://api.cloudflare.com/client/v4"
USER_AGENT = "embedcheck-schemas-sync"

DOCS_NOTE = "served by the docs site; fetched by embedcheck schemas sync"
API_NOTE = (
    "result.{role} of the model-schema API reply, serialised by embedcheck "
    "(schemas.jsonfile.dump_json): the API serves it inside an envelope, not as a file"
)
SPLIT_NOTE = "docs-site split rule (schemas/split.py)"

# A reply that is a JSON object but none of these is an error page or some other document.
_SCHEMA_KEYWORDS = ("type", "properties", "oneOf", "anyOf", "allOf", "$ref")
_ACCOUNT_ID = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Fetched:
    """One schema file as upstream has it now, with the provenance it will be recorded with."""

    path: str  # relative to the schemas root, as in the manifest
    subject: str
    role: str
    content: bytes
    origin: str
    source_url: str
    derived_from: str = ""
    note: str = DOCS_NOTE
    # True when embedcheck serialised the bytes (no standalone upstream file): compared with
    # the vendored copy by value, so a re-serialisation alone never rewrites a file.
    by_value: bool = False


def model_file(model: ModelRecord, role: str) -> str:
    """Where a model's schema file lives under the schemas root (the seed_import layout)."""
    return f"workers-ai/{model.slug}/{role}.json"


def require_schema(value: Any, where: str) -> dict[str, Any]:
    """`value` if it is a JSON Schema object (Draft 2020-12) that describes something."""
    if not isinstance(value, dict):
        raise FetchError(f"{where}: expected a JSON Schema object, got a JSON {_kind(value)}")
    if not any(key in value for key in _SCHEMA_KEYWORDS):
        keys = ", ".join(sorted(value)[:5]) or "none"
        raise FetchError(f"{where}: not a JSON Schema (no type/properties/oneOf; keys: {keys})")
    try:
        Draft202012Validator.check_schema(value)
    except MetaSchemaError as exc:
        path = "/" + "/".join(str(p) for p in exc.path)
        raise FetchError(f"{where}: not a valid JSON Schema at {path}: {exc.message}") from None
    return value


_JSON_KINDS = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number"}


def _kind(value: Any) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    if value is None:
        return "null"
    return _JSON_KINDS.get(type(value), "number")


class Source(Protocol):
    """Fetches every file of the given models; `secret` is masked in every message."""

    @property
    def label(self) -> str: ...

    @property
    def secret(self) -> str | None: ...

    def fetch(self, getter: JsonGetter, models: list[ModelRecord]) -> list[Fetched]: ...


@dataclass(frozen=True)
class DocsSite:
    base_url: str = DOCS_BASE_URL
    label: ClassVar[str] = "the docs site"

    @property
    def secret(self) -> str | None:
        return None

    def url(self, model: ModelRecord, role: str) -> str:
        return f"{self.base_url.rstrip('/')}/{model.slug}/{role}.json"

    def fetch(self, getter: JsonGetter, models: list[ModelRecord]) -> list[Fetched]:
        fetched = []
        for model in models:
            for role in SPLIT_ROLES:
                url = self.url(model, role)
                body, value = getter.get(url, shown_url=url)
                require_schema(value, url)
                fetched.append(
                    Fetched(model_file(model, role), model.id, role, body, "upstream", url)
                )
        return fetched


@dataclass(frozen=True)
class ModelSchemaApi:
    account_id: str
    token: str = field(repr=False)
    base_url: str = API_BASE_URL
    docs_base_url: str = DOCS_BASE_URL  # the split files' recorded source
    label: ClassVar[str] = "the model-schema API"

    def __post_init__(self) -> None:
        if not _ACCOUNT_ID.fullmatch(self.account_id):
            raise FetchError("the account id may hold only letters, digits, '-' and '_'")

    @property
    def secret(self) -> str | None:
        return self.token

    def endpoint(self, account_id: str) -> str:
        return f"{self.base_url.rstrip('/')}/accounts/{account_id}/ai/models/schema"

    def recorded_url(self, model: ModelRecord) -> str:
        """The manifest's source URL: the account id stays a placeholder, it is the user's."""
        return f"{self.endpoint('{account_id}')}?model={model.id}"

    def fetch(self, getter: JsonGetter, models: list[ModelRecord]) -> list[Fetched]:
        fetched = []
        for model in models:
            shown = f"{self.endpoint(self.account_id)}?model={model.id}"
            _, reply = getter.get(
                self.endpoint(self.account_id),
                shown_url=shown,
                params={"model": model.id},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            fetched.extend(self._files(model, self._unwrap(reply, shown, getter)))
        return fetched

    def _files(self, model: ModelRecord, full: dict[str, dict[str, Any]]) -> list[Fetched]:
        """The full schemas as served, and the split files derived from them."""
        files = [
            Fetched(
                model_file(model, role),
                model.id,
                role,
                dump_json(full[role]).encode("utf-8"),
                "upstream",
                self.recorded_url(model),
                note=API_NOTE.format(role=role),
                by_value=True,
            )
            for role in ("input", "output")
        ]
        docs = DocsSite(self.docs_base_url)
        derived = {**split_input(full["input"]), **split_output(full["output"])}
        for role, schema in sorted(derived.items()):
            source_role = "input" if role.endswith("input") else "output"
            files.append(
                Fetched(
                    model_file(model, role),
                    model.id,
                    role,
                    dump_json(schema).encode("utf-8"),
                    "derived",
                    docs.url(model, role),
                    derived_from=model_file(model, source_role),
                    note=SPLIT_NOTE,
                    by_value=True,
                )
            )
        return files

    @staticmethod
    def _unwrap(reply: Any, shown: str, getter: JsonGetter) -> dict[str, dict[str, Any]]:
        """`result.input` and `result.output` of a successful v4 envelope."""
        if not isinstance(reply, dict) or "success" not in reply:
            raise getter.fail(f"{shown}: expected a Cloudflare v4 envelope, got {_kind(reply)}")
        if reply["success"] is not True:
            errors = envelope_errors(reply) or "no errors listed"
            raise getter.fail(f"{shown}: the API answered success: false ({errors})")
        result = reply.get("result")
        if not isinstance(result, dict):
            raise getter.fail(f"{shown}: the envelope's result is not an object")
        try:
            return {
                role: require_schema(result.get(role), f"{shown}: result.{role}")
                for role in ("input", "output")
            }
        except FetchError as exc:
            raise getter.fail(str(exc)) from None


def fetch_all(source: Source, models: list[ModelRecord], timeout: float) -> list[Fetched]:
    """Every file of `models` from `source`; raises FetchError at the first failure."""
    with httpx.Client(
        timeout=timeout, follow_redirects=True, headers={"User-Agent": USER_AGENT}
    ) as client:
        return source.fetch(JsonGetter(client, secret=source.secret), models)


def manifest_entry(item: Fetched, content: bytes, today: str) -> SchemaFile:
    """The manifest record of a fetched file: its provenance and the hash of `content`."""
    return SchemaFile(
        path=item.path,
        subject=item.subject,
        role=item.role,
        version=CURRENT,
        origin=item.origin,
        source_url=item.source_url,
        retrieved=today,
        sha256=hashlib.sha256(content).hexdigest(),
        derived_from=item.derived_from,
        note=item.note,
    )
