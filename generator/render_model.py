"""The plain data the templates format: what the generated package holds, decided up front.

Templates loop and branch over these objects and do nothing else; tests inspect them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParamType:
    """A keyword argument's type: str, int, float, bool, literal (of `literals`) or any."""

    kind: str
    literals: tuple[str | int | float | bool, ...] = ()


@dataclass(frozen=True)
class Option:
    """An optional body key offered as a keyword argument, sent only when given."""

    key: str  # the JSON key, any string
    param: str  # the Python identifier standing for it
    type: ParamType


@dataclass(frozen=True)
class EmbedMethods:
    """`embed` and `embed_many`, from the input branch that requires the text key."""

    text_key: str
    chunk_size: int | None  # maxItems of the text list: embed_many splits by it
    options: tuple[Option, ...]
    output_class: str
    data_field: str
    shape_field: str


@dataclass(frozen=True)
class ContextMethods:
    """bge-m3's `rank(query, contexts)` and `embed_contexts(contexts)`."""

    query_key: str
    contexts_key: str
    text_key: str  # the key of a context's text
    options: tuple[Option, ...]
    scores_class: str
    embeddings_class: str


@dataclass(frozen=True)
class BatchMethods:
    """`submit_batch`, `poll` and `wait` over the async queue."""

    requests_key: str
    item_classes: tuple[str, ...]  # model classes a caller may pass as queued requests
    queued_class: str  # the output branch that carries the request id


@dataclass(frozen=True)
class ModelClient:
    id: str
    slug: str
    attr: str  # attribute on the client, `bge_m3`
    class_name: str  # resource class, `BgeM3`
    module: str  # models module, `bge_m3`
    dims: int
    input_class: str
    output_class: str
    embed: EmbedMethods | None
    contexts: ContextMethods | None
    batch: BatchMethods | None


@dataclass(frozen=True)
class OpenAIMethods:
    module: str
    request_class: str
    response_class: str
    input_key: str
    model_key: str
    options: tuple[Option, ...]
    data_field: str
    index_field: str
    embedding_field: str


@dataclass(frozen=True)
class Constant:
    name: str
    value: str | int


@dataclass(frozen=True)
class ModelsModule:
    module: str
    summary: str
    code: str  # datamodel-code-generator's classes
    one_ofs: tuple[str, ...]  # classes with oneOf semantics
    constants: tuple[Constant, ...]


@dataclass(frozen=True)
class Project:
    """The generated distribution: its import and distribution names, version, schemas hash."""

    name: str  # the import name, `workers_ai_embeddings`
    distribution: str  # the name pip knows, `workers-ai-embeddings`
    version: str
    schemas_sha256: str


@dataclass(frozen=True)
class Package:
    model_modules: tuple[ModelsModule, ...]
    clients: tuple[ModelClient, ...]
    openai: OpenAIMethods
    error_names: tuple[str, ...]

    @property
    def exports(self) -> tuple[str, ...]:
        clients = [c.class_name for c in self.clients] + [
            f"Async{c.class_name}" for c in self.clients
        ]
        names = ["AsyncClient", "AsyncOpenAIClient", "BaseModel", "Client", "OpenAIClient"]
        names += ["models"]
        return tuple(sorted([*clients, *names, *self.error_names]))
