"""What `env.AI.run(model, input)` returns for each input variant, as the schemas lay it out.

The variant a body validated through says what it is for (`schemas.layout`: texts, contexts
with or without a query, a batch), and the output variant answering it says which keys the
reply has. Decisions where the schema leaves room (documented in the package docstring too):
- Settings that change the vectors are the input enums the answering output also declares
  (`pooling`); an omitted one means the schema's `default`, and the reply names the one used
  when the output schema lets it (a value the output's enum lacks is left unnamed).
  Every other optional property is accepted and changes nothing. A model with no such setting
  (bge-m3) names none in its replies.
- A context without its text (`{"contexts": [{}]}` is valid for bge-m3) embeds as "".
- Query scores come in context order, the score's integer key = the context's index, its
  number = cosine.
- A batch item that is not an object (`{"requests": [5]}` is valid for the English models,
  whose items declare no type) gets `success: false` in the job result; the batch still runs.
"""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.mock.config import MockConfig
from embedcheck.conformance.mock.embeddings import Embedder, count_tokens, scores
from embedcheck.conformance.mock.errors import BAD_INPUT, TOO_LARGE, ApiError
from embedcheck.conformance.mock.limits import fitted
from embedcheck.conformance.mock.validation import ModelValidators
from embedcheck.schemas import ModelRecord
from embedcheck.schemas.layout import CONTEXTS, InputVariant, ModelLayout, OutputVariant

Output = dict[str, Any]


def texts_of(value: Any) -> list[str]:
    """The texts of a texts property as a list: one string, or the batch as sent."""
    return [value] if isinstance(value, str) else list(value)


def too_many_texts(count: int, limit: int) -> ApiError:
    message = f"Request is too large: {count} texts to embed (this server embeds at most {limit})"
    return ApiError(413, TOO_LARGE, message, openai_code="request_too_large")


def vector_settings(layout: ModelLayout, variant: InputVariant, body: Any) -> dict[str, Any]:
    """The settings that shape this input's vectors: the ones asked for, else the defaults."""
    asked = body if isinstance(body, dict) else {}
    return {
        key: asked.get(key, schema.get("default")) for key, schema in layout.echoed(variant).items()
    }


def setting_key(settings: dict[str, Any]) -> str:
    """What, besides the model and the text, seeds a vector."""
    return "\x1f".join(str(value) for value in settings.values())


def _answer(layout: ModelLayout, variant: InputVariant, scored: bool = False) -> OutputVariant:
    answer = layout.answer(variant, scored)
    if answer is None:
        raise ApiError(400, BAD_INPUT, f"AiError: this mock cannot answer {variant.name}")
    return answer


def _nameable(layout: ModelLayout, variant: InputVariant, key: str, value: Any) -> bool:
    """Whether a reply names setting `key` = `value`. A value the input's enum lists but the
    output's lacks (upstream widened one before the other) is left unnamed, so the reply still
    fits its schema; one the input refuses (only reached with `accept-unknown-pooling`) is
    echoed, as that buggy server does."""
    if layout.nameable(variant, key, value):
        return True
    answer = layout.answer(variant)
    allowed = variant.settings.get(key, {}).get("enum", [])
    declared = answer is not None and key in answer.properties
    return declared and value is not None and value not in allowed


class Runner:
    def __init__(self, config: MockConfig, embedder: Embedder) -> None:
        self.config = config
        self.embedder = embedder

    def check_budget(self, count: int) -> None:
        if count > self.config.max_texts:
            raise too_many_texts(count, self.config.max_texts)

    def seed(self, layout: ModelLayout, variant: InputVariant, body: Any) -> str:
        """The setting key a body's vectors are made with (`pooling-ignored`: the defaults)."""
        asked = {} if self.config.has("pooling-ignored") else body
        return setting_key(vector_settings(layout, variant, asked))

    def matrix(self, model: ModelRecord, texts: list[str], setting: str) -> tuple[Any, list[int]]:
        """A batch's vectors, ready to serialise, and the `shape` to report for them."""
        data: Any
        if self.embedder.exact:
            data = self.embedder.matrix_text(model, texts, setting)
            n, dims = len(texts), model.dims
        else:
            data = self.embedder.embed(model, texts, setting)
            n, dims = data.shape
        return data, [dims, n] if self.config.has("shape-mismatch") else [n, dims]

    def vectors_output(
        self,
        model: ModelRecord,
        layout: ModelLayout,
        variant: InputVariant,
        body: dict[str, Any],
        texts: list[str],
    ) -> Output:
        """The vectors of `texts` under the answer's keys, with the settings named."""
        answer = _answer(layout, variant)
        data, shape = self.matrix(model, texts, self.seed(layout, variant, body))
        output: Output = {answer.list: data}
        if answer.shape:
            output[answer.shape] = shape
        if not self.config.has("pooling-not-echoed"):
            named = vector_settings(layout, variant, body)
            output.update({k: v for k, v in named.items() if _nameable(layout, variant, k, v)})
        return output

    def embed_output(
        self, model: ModelRecord, layout: ModelLayout, variant: InputVariant, body: dict[str, Any]
    ) -> Output:
        texts = texts_of(body[variant.texts])
        self.check_budget(len(texts))
        texts = fitted(model, variant, body, texts, self.config.faults)
        return self.vectors_output(model, layout, variant, body, texts)

    def query_contexts_output(
        self, model: ModelRecord, layout: ModelLayout, variant: InputVariant, body: dict[str, Any]
    ) -> Output:
        """Scores per context with a query, the contexts' vectors without."""
        contexts = body[variant.texts]
        self.check_budget(len(contexts))
        texts = fitted(
            model,
            variant,
            body,
            [c.get(variant.context_text, "") for c in contexts],
            self.config.faults,
        )
        if not variant.query or variant.query not in body:
            return self.vectors_output(model, layout, variant, body, texts)
        answer = _answer(layout, variant, scored=True)
        setting = self.seed(layout, variant, body)
        rows = self.embedder.embed(model, texts, setting)
        query = self.embedder.vector(model, body[variant.query], setting)
        offset = 1 if self.config.has("m3-ids-out-of-range") else 0
        ranked = scores(query, rows).tolist()
        ids = answer.score_id or "id"
        found = [{ids: i + offset, answer.score: s} for i, s in enumerate(ranked)]
        return {answer.list: found}

    def run(
        self, model: ModelRecord, layout: ModelLayout, variant: InputVariant, body: dict[str, Any]
    ) -> Output:
        if variant.kind == CONTEXTS:
            return self.query_contexts_output(model, layout, variant, body)
        return self.embed_output(model, layout, variant, body)

    def batch_texts(self, items: list[Any], validators: ModelValidators) -> int:
        """How many texts the batch items ask to embed (what the budget counts)."""
        routed = item_variants(items, validators)
        return sum(len(item_texts(item, variant)) for item, variant in routed)

    def batch_result(
        self, items: list[Any], model: ModelRecord, validators: ModelValidators
    ) -> Output:
        """The finished job: one response per item, `id` = its index, listed last item first
        (Workers AI may return them out of order, so clients must map by `id`)."""
        responses: list[Output] = []
        tokens = 0
        layout = validators.layout
        for index, (item, variant) in enumerate(item_variants(items, validators)):
            if variant is None:
                message = f"AiError: Bad input: request {index} is not an object with `text`"
                error = {"errors": [{"code": BAD_INPUT, "message": message}]}
                responses.append(
                    {"id": index, "result": error, "success": False, "external_reference": None}
                )
                continue
            reference = item.get("external_reference")
            try:
                output: Any = self.run(model, layout, variant, item)
            except ApiError as refusal:  # this request's own refusal (a too long text)
                output = {"errors": [{"code": refusal.code, "message": refusal.message}]}
            responses.append(
                {
                    "id": index,
                    "result": output,
                    "success": "errors" not in output,
                    "external_reference": reference if isinstance(reference, str) else None,
                }
            )
            tokens += sum(count_tokens(t) for t in item_texts(item, variant))
        usage = {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens}
        return {"responses": responses[::-1], "usage": usage}


def item_variants(
    items: list[Any], validators: ModelValidators
) -> list[tuple[Any, InputVariant | None]]:
    """Each batch item with the variant it validated through (None: not an object)."""
    return [
        (item, validators.request_variant(item) if isinstance(item, dict) else None)
        for item in items
    ]


def item_texts(item: Any, variant: InputVariant | None) -> list[str]:
    """The texts a validated input embeds, by the variant it validated through."""
    if variant is None:
        return []
    if variant.kind == CONTEXTS:
        query = [item[variant.query]] if variant.query and variant.query in item else []
        return [c.get(variant.context_text, "") for c in item[variant.texts]] + query
    return texts_of(item[variant.texts])
