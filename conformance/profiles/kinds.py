"""What each kind of endpoint needs from the user: where it lives by default, which option and
environment variable carry its secret, and what to tell a user whose settings reach nothing.

The job and the preflight ask these objects instead of comparing profile names.
"""

from __future__ import annotations

from dataclasses import dataclass

CLOUDFLARE_API = "https://api.cloudflare.com/client/v4"  # the cloudflare SDK's default base URL


@dataclass(frozen=True)
class Profile:
    name: str
    url_option: str  # the option naming the target
    url_shape: str  # what that URL looks like, for hints
    token_option: str  # the option carrying the secret
    secret_env: str  # the environment variable carrying the secret
    default_base_url: str | None = None  # used when credentials come without a URL
    needs_account: bool = False
    # The server names its own models (any name, dimensions from --dims), not only the
    # manifest's.
    open_models: bool = False
    # Speaks the OpenAI embeddings API ({model, input} in, data[].embedding out, one schema for
    # every model) rather than each model's own input/output schemas.
    openai_dialect: bool = False
    error_schema: tuple[str, str] | None = None  # (subject, role) of its 4xx body, if it has one
    # Where a model's requests go, after the base URL ({account}, {model} filled in); "": the
    # URL the user gave is the whole URL ({model} in it filled in).
    model_path: str = ""
    queue_query: str = ""  # appended to ask for a queued (async batch) run, if it has them
    enveloped: bool = False  # the model output sits in a v4 envelope's `result`
    mock_prefix: str = ""  # where the bundled mock serves it, after the mock's root URL
    # The API documents an error for a model that does not exist (so serving one breaks the
    # contract); "" where it is silent.
    unknown_model_error: str = ""

    @property
    def token_dest(self) -> str:
        """The argparse attribute of `token_option`."""
        return self.token_option.removeprefix("--").replace("-", "_")

    @property
    def auth_hint(self) -> str:
        return f"check {self.token_option} / {self.secret_env}"

    @property
    def route_hint(self) -> str:
        return f"check {self.url_option}: it should look like {self.url_shape}"


WORKERS_AI = Profile(
    "workers-ai",
    url_option="--base-url",
    url_shape=f"{CLOUDFLARE_API} (ending in /client/v4)",
    token_option="--api-token",
    secret_env="CLOUDFLARE_API_TOKEN",
    default_base_url=CLOUDFLARE_API,
    needs_account=True,
    error_schema=("cloudflare-v4", "error"),
    model_path="/accounts/{account}/ai/run/{model}",
    queue_query="?queueRequest=true",
    enveloped=True,
    mock_prefix="/client/v4",
    unknown_model_error="Cloudflare documents errors for it: code 5007/400 and 3042/404",
)
OPENAI = Profile(
    "openai",
    url_option="--base-url",
    url_shape="http://host:port/v1 (ending in /v1, before /embeddings)",
    token_option="--api-key",
    secret_env="OPENAI_API_KEY",
    open_models=True,
    openai_dialect=True,
    error_schema=("openai-embeddings", "error"),
    model_path="/embeddings",
    mock_prefix="/v1",
)
WORKER = Profile(
    "worker",
    url_option="--url",
    url_shape="http://host:port/path, with {model} where the model id goes",
    token_option="--api-token",
    secret_env="EMBEDCHECK_TOKEN",
    mock_prefix="/run/{model}",
)
KINDS: dict[str, Profile] = {p.name: p for p in (WORKERS_AI, OPENAI, WORKER)}
