"""Schemas -> render model: which modules, classes and methods the generated package gets.

Methods are found by the keys the schema's branches require, never by titles: the input branch
requiring `text` gives `embed`, `contexts` gives `rank`/`embed_contexts`, `requests` gives the
batch queue; the output branches requiring `data`, `response` (+`shape`) and `request_id` are
what those methods return.
"""

from __future__ import annotations

import builtins
import copy
import keyword
from typing import Any

from embedcheck.generator.codegen import render_models
from embedcheck.generator.errors import GeneratorError
from embedcheck.generator.naming import pascal, snake, unique
from embedcheck.generator.prepare import ModuleSchema, OneOfClass, VariantKeys
from embedcheck.generator.render_model import (
    BatchMethods,
    Constant,
    ContextMethods,
    EmbedMethods,
    ModelClient,
    ModelsModule,
    OpenAIMethods,
    Option,
    Package,
    ParamType,
)
from embedcheck.generator.source import CLOUDFLARE, OPENAI, QUEUE, SchemaSource
from embedcheck.schemas import ModelRecord

JSON = Any

# Every class errors.py.jinja defines, re-exported by the package.
ERROR_NAMES = (
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchTimeoutError",
    "ConfigurationError",
    "ConflictError",
    "InputValidationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "ServerError",
    "UnprocessableEntityError",
)

CLOUDFLARE_MODULE = "cloudflare"
OPENAI_MODULE = "openai_embeddings"

# Names the method templates use inside method bodies: a keyword argument must not shadow them.
_TEMPLATE_NAMES = frozenset(
    {
        *("self", "body", "reply", "items", "parts", "part", "data", "shape", "start", "vector"),
        *("context", "contexts", "query", "text", "texts", "input", "model", "requests"),
        *("request_id", "timeout", "interval", "response", "value", "state", "deadline"),
        *("extra_headers", "max_wait", "options", "httpx", "chosen"),
        *("ordered", "item", "entry", "client", "_http", "Any", "Literal", "Sequence", "Mapping"),
        *("Self", CLOUDFLARE_MODULE, OPENAI_MODULE),
    }
)
_PY_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def build_package(source: SchemaSource, package_name: str) -> Package:
    """What the package `package_name` holds, from the schemas `source` gives."""
    records = sorted(source.models(), key=lambda record: record.slug)
    modules = {record.id: snake(record.slug) for record in records}
    reserved = _TEMPLATE_NAMES | set(modules.values())
    model_modules = []
    clients = []
    for record in records:
        schema = _model_module_schema(source, record)
        module = modules[record.id]
        clients.append(_model_client(record, module, schema, reserved))
        model_modules.append(
            ModelsModule(
                module=module,
                summary=f"Models for `{record.id}`: input, output and async-queue replies.",
                code=render_models(schema, "Input", package_name),
                one_ofs=tuple(sorted(schema.one_ofs)),
                constants=(Constant("MODEL_ID", record.id), Constant("DIMS", record.dims)),
            )
        )
    taken = {m.module for m in model_modules}
    if {CLOUDFLARE_MODULE, OPENAI_MODULE} & taken:
        raise GeneratorError(f"a model slug collides with {CLOUDFLARE_MODULE} or {OPENAI_MODULE}")
    cloudflare_roots = {"CloudflareSuccessEnvelope": "success", "CloudflareErrorEnvelope": "error"}
    cloudflare = _family_module(
        _family_schema(source, CLOUDFLARE, cloudflare_roots),
        CLOUDFLARE_MODULE,
        "CloudflareSuccessEnvelope",
        "The Cloudflare API v4 envelopes around every Workers AI reply.",
        package_name,
    )
    openai_roots = {
        "CreateEmbeddingRequest": "request",
        "CreateEmbeddingResponse": "response",
        "ErrorResponse": "error",
    }
    openai_schema = _family_schema(source, OPENAI, openai_roots)
    openai = _family_module(
        openai_schema,
        OPENAI_MODULE,
        "CreateEmbeddingRequest",
        "OpenAI-compatible embeddings: request, reply and error.",
        package_name,
    )
    return Package(
        model_modules=(*model_modules, cloudflare, openai),
        clients=tuple(clients),
        openai=_openai_methods(openai_schema),
        error_names=ERROR_NAMES,
    )


def _family_schema(source: SchemaSource, subject: str, roots: dict[str, str]) -> ModuleSchema:
    schema = ModuleSchema()
    for name, role in roots.items():
        schema.add_root(
            name, source.schema(subject, role), keep_titles=source.authored(subject, role)
        )
    return schema


def _family_module(
    schema: ModuleSchema, module: str, root: str, summary: str, package_name: str
) -> ModelsModule:
    return ModelsModule(
        module=module,
        summary=summary,
        code=render_models(schema, root, package_name),
        one_ofs=tuple(sorted(schema.one_ofs)),
        constants=(),
    )


def _model_module_schema(source: SchemaSource, record: ModelRecord) -> ModuleSchema:
    schema = ModuleSchema()
    for name, role in (("Input", "input"), ("Output", "output")):
        schema.add_root(
            name, source.schema(record.id, role), keep_titles=source.authored(record.id, role)
        )
    queue_titles = source.authored(QUEUE, "result")
    pending = source.schema(QUEUE, "pending")
    result = _typed_queue_result(source.schema(QUEUE, "result"))
    schema.add_root(
        "QueuePollRequest", source.schema(QUEUE, "poll-request"), keep_titles=queue_titles
    )
    schema.add_root("QueuePending", pending, keep_titles=queue_titles)
    schema.add_root("QueueResult", result, keep_titles=queue_titles)
    # A poll answers pending or done: a oneOf of the two, told apart by their required keys.
    reply = {
        "type": "object",
        "oneOf": [{**pending, "title": "QueuePending"}, {**result, "title": "QueueResult"}],
    }
    schema.add_root("QueueReply", reply, keep_titles=True)
    return schema


def _typed_queue_result(result: JSON) -> JSON:
    """The queue's result schema with each response's `result` typed as the model's Output."""
    out = copy.deepcopy(result)
    try:
        item = out["properties"]["responses"]["items"]["properties"]
    except (KeyError, TypeError):
        raise GeneratorError("queue result schema has no properties.responses.items") from None
    item["result"] = {"$ref": "#/$defs/Output"}
    return out


def _model_client(
    record: ModelRecord, module: str, schema: ModuleSchema, reserved: frozenset[str]
) -> ModelClient:
    inputs = _one_of(schema, "Input", record.id)
    outputs = _one_of(schema, "Output", record.id)
    embed_in = _requiring(inputs, "text")
    contexts_in = _requiring(inputs, "contexts")
    batch_in = _requiring(inputs, "requests")
    embedding_out = _requiring(outputs, "data")
    queued_out = _requiring(outputs, "request_id")
    scores_out = next(
        (v for v in outputs.variants if "response" in v.required and "shape" not in v.required),
        None,
    )
    context_vectors_out = next(
        (v for v in outputs.variants if {"response", "shape"} <= set(v.required)), None
    )
    embed = None
    if embed_in and embedding_out:
        embed = _embed_methods(schema, embed_in, embedding_out, reserved)
    contexts = None
    if contexts_in and scores_out and context_vectors_out:
        contexts = _context_methods(schema, contexts_in, scores_out, context_vectors_out, reserved)
    batch = None
    if batch_in and queued_out:
        batch = _batch_methods(schema, batch_in, queued_out)
    return ModelClient(
        id=record.id,
        slug=record.slug,
        attr=snake(record.slug),
        class_name=pascal(record.slug),
        module=module,
        dims=record.dims,
        input_class="Input",
        output_class="Output",
        embed=embed,
        contexts=contexts,
        batch=batch,
    )


def _one_of(schema: ModuleSchema, name: str, subject: str) -> OneOfClass:
    found = schema.one_ofs.get(name)
    if found is None:
        raise GeneratorError(
            f"{subject}: the {name.lower()} schema has no oneOf of object branches"
        )
    if name == "Output" and not all(v.required for v in found.variants):
        raise GeneratorError(
            f"{subject}: output branches declare no required keys, so replies cannot be told "
            "apart; an overlay must add them"
        )
    return found


def _requiring(one_of: OneOfClass, key: str) -> VariantKeys | None:
    return next((v for v in one_of.variants if key in v.required), None)


def _properties(schema: ModuleSchema, variant: VariantKeys) -> dict[str, JSON]:
    properties = schema.defs[variant.label].get("properties", {})
    return properties if isinstance(properties, dict) else {}


def _field(key: str, where: str) -> str:
    """A key the templates use as a Python attribute: it must be one as it stands."""
    if not key.isidentifier() or keyword.iskeyword(key):
        raise GeneratorError(f"{where}: key {key!r} is not usable as a Python attribute")
    return key


def _embed_methods(
    schema: ModuleSchema, variant: VariantKeys, output: VariantKeys, reserved: frozenset[str]
) -> EmbedMethods:
    properties = _properties(schema, variant)
    return EmbedMethods(
        text_key="text",
        chunk_size=_max_items(schema, properties.get("text")),
        options=_options(schema, properties, {"text"}, reserved),
        output_class=output.label,
        data_field=_field("data", output.label),
        shape_field=_field("shape", output.label),
    )


def _context_methods(
    schema: ModuleSchema,
    variant: VariantKeys,
    scores: VariantKeys,
    vectors: VariantKeys,
    reserved: frozenset[str],
) -> ContextMethods:
    properties = _properties(schema, variant)
    items = schema.schema_of(schema.schema_of(properties.get("contexts", {})).get("items", {}))
    item_keys = list(items.get("properties", {})) if isinstance(items, dict) else []
    if "text" not in item_keys:
        raise GeneratorError(f"{variant.label}: contexts items have no `text` property")
    return ContextMethods(
        query_key="query",
        contexts_key="contexts",
        text_key="text",
        options=_options(schema, properties, {"query", "contexts"}, reserved),
        scores_class=scores.label,
        embeddings_class=vectors.label,
    )


def _batch_methods(schema: ModuleSchema, variant: VariantKeys, queued: VariantKeys) -> BatchMethods:
    requests = schema.schema_of(_properties(schema, variant).get("requests", {}))
    items = requests.get("items", {}) if isinstance(requests, dict) else {}
    ref = items.get("$ref", "") if isinstance(items, dict) else ""
    item_class = ref.removeprefix("#/$defs/") if ref.startswith("#/$defs/") else None
    classes: tuple[str, ...] = ()
    if item_class is not None:
        # A oneOf is the union of its branches: callers pass a branch's model.
        branches = schema.one_ofs.get(item_class)
        classes = tuple(b.label for b in branches.variants) if branches else (item_class,)
    return BatchMethods(requests_key="requests", item_classes=classes, queued_class=queued.label)


def _max_items(schema: ModuleSchema, text: JSON) -> int | None:
    """maxItems of the list form of the text property (directly, or a oneOf branch)."""
    node = schema.schema_of(text)
    if not isinstance(node, dict):
        return None
    candidates = [node, *(schema.schema_of(b) for b in node.get("oneOf", []))]
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("type") == "array":
            limit = candidate.get("maxItems")
            return limit if isinstance(limit, int) and limit > 0 else None
    return None


def _options(
    schema: ModuleSchema, properties: dict[str, JSON], exclude: set[str], reserved: frozenset[str]
) -> tuple[Option, ...]:
    """Keyword options for the properties not in `exclude`, named clear of `reserved` names."""
    taken: set[str] = set(reserved) | set(dir(builtins))
    options = []
    for key, node in properties.items():
        if key in exclude:
            continue
        param = unique(snake(key, fallback="option"), taken)
        taken.add(param)
        options.append(Option(key=key, param=param, type=_param_type(schema.schema_of(node))))
    return tuple(options)


def _param_type(node: JSON) -> ParamType:
    if not isinstance(node, dict):
        return ParamType("any")
    values = node.get("enum", [node["const"]] if "const" in node else None)
    if isinstance(values, list) and values and all(_is_literal(v) for v in values):
        return ParamType("literal", tuple(values))
    declared = node.get("type")
    return ParamType(_PY_TYPES.get(declared, "any") if isinstance(declared, str) else "any")


def _is_literal(value: JSON) -> bool:
    return isinstance(value, str | int | bool) and not isinstance(value, float)


def _openai_methods(schema: ModuleSchema) -> OpenAIMethods:
    request = schema.defs["CreateEmbeddingRequest"].get("properties", {})
    for key in ("input", "model"):
        if key not in request:
            raise GeneratorError(f"openai-embeddings request has no {key!r} property")
    return OpenAIMethods(
        module=OPENAI_MODULE,
        request_class="CreateEmbeddingRequest",
        response_class="CreateEmbeddingResponse",
        input_key="input",
        model_key="model",
        options=_options(schema, request, {"input", "model"}, _TEMPLATE_NAMES),
        data_field="data",
        index_field="index",
        embedding_field="embedding",
    )
