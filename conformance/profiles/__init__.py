"""How to talk to each kind of endpoint: URLs, credentials, and where the model output sits.

- `workers-ai`: Cloudflare REST, `{base}/accounts/{id}/ai/run/{model}`, bearer token, replies
  wrapped in the v4 envelope (`result`).
- `openai`: `{base}/embeddings`, bearer key, the reply is the output.
- `worker`: a user's own Worker (or any server) taking the model's raw input JSON at `--url`
  (`{model}` in the URL is replaced by the model id) and answering the raw output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embedcheck.conformance.http.transport import Request
from embedcheck.conformance.profiles.kinds import KINDS, Profile
from embedcheck.schemas import ModelRecord
from embedcheck.schemas import model as model_record
from embedcheck.schemas.errors import UnknownModelError

PROFILES = tuple(KINDS)
WRONG_TOKEN = "embedcheck-wrong-token"  # sent by the auth check; never a real credential


@dataclass(frozen=True)
class ModelSpec:
    name: str  # as sent on the wire
    record: ModelRecord | None  # the vendored model record, when the model is one we know
    dims: int | None  # from --dims or the record
    max_input_tokens: int | None = None  # from --max-input-tokens or the record

    @property
    def label(self) -> str:
        return self.record.slug if self.record else self.name


def model_spec(
    name: str,
    *,
    dims: int | None = None,
    known_only: bool = True,
    max_input_tokens: int | None = None,
) -> ModelSpec:
    """A model by id or slug; an unknown name is a usage error unless `known_only` is off."""
    try:
        record: ModelRecord | None = model_record(name)
    except UnknownModelError:
        if known_only:
            raise
        record = _gateway_record(name)
    wire = record.id if record and known_only else name
    if record is not None:
        dims = dims if dims is not None else record.dims
        max_input_tokens = max_input_tokens or record.max_input_tokens
    return ModelSpec(wire, record, dims, max_input_tokens)


def _gateway_record(name: str) -> ModelRecord | None:
    """OpenAI-style gateways name Workers AI models without `@cf/` (`baai/bge-m3`)."""
    try:
        return model_record(f"@cf/{name}")
    except UnknownModelError:
        return None


@dataclass(frozen=True)
class Target:
    profile: str
    base_url: str  # workers-ai: up to /client/v4; openai: up to /v1; worker: the URL
    models: tuple[ModelSpec, ...]
    token: str | None = None
    account_id: str | None = None
    mock: bool = False  # the bundled mock (its port changes from run to run)

    @property
    def kind(self) -> Profile:
        return KINDS[self.profile]

    @property
    def identity(self) -> str:
        """What stays the same from run to run: the URL, or the mock's profile."""
        return f"bundled mock {self.profile}" if self.mock else f"{self.profile} {self.base_url}"

    def url(self, model: ModelSpec, *, queue: bool = False) -> str:
        kind = self.kind
        base = self.base_url.rstrip("/") if kind.model_path else self.base_url
        path = kind.model_path.replace("{account}", self.account_id or "")
        url = (base + path).replace("{model}", model.name)
        return url + kind.queue_query if queue else url

    def request(
        self, model: ModelSpec, body: Any, *, queue: bool = False, auth: str = "", label: str = ""
    ) -> Request:
        """A POST of `body`; `auth` '' sends the target's token, 'none' none, 'wrong' a bad one."""
        token = {"": self.token, "none": None, "wrong": WRONG_TOKEN}[auth]
        headers: list[tuple[str, str]] = [("accept", "application/json")]
        if token is not None:
            headers.append(("authorization", f"Bearer {token}"))
        return Request("POST", self.url(model, queue=queue), tuple(headers), body, label)

    def output(self, body: Any) -> Any:
        """The model output inside a successful reply body (None when there is none)."""
        if self.kind.enveloped:
            return body.get("result") if isinstance(body, dict) else None
        return body

    @property
    def secret_env(self) -> str:
        return self.kind.secret_env


MOCK_ACCOUNT = "embedcheck-mock"


def mock_target(
    profile: str, base_url: str, models: tuple[ModelSpec, ...], token: str | None
) -> Target:
    """Where the bundled mock serves `profile`, relative to its base URL."""
    kind = KINDS[profile]
    account = MOCK_ACCOUNT if kind.needs_account else None
    url = base_url.rstrip("/") + kind.mock_prefix
    return Target(profile, url, models, token, account, mock=True)
