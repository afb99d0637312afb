"""What `env.AI.run(model, input)` returns for each input branch of the four BGE models.

Decisions where the schema leaves room (documented in the package docstring too):
- bge-m3 has no `pooling` input, so its replies carry no `pooling` key (it is optional there).
- A bge-m3 context without `text` (`{"contexts": [{}]}` is valid) embeds as the empty string.
- bge-m3 query scores come in context order, `id` = the context's index, score = cosine.
- A batch item that is not an object (`{"requests": [5]}` is valid for the English models,
  whose items declare no type) gets `success: false` in the job result; the batch still runs.
"""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.mock.config import MockConfig
from embedcheck.conformance.mock.embeddings import (
    DEFAULT_POOLING,
    M3_POOLING,
    Embedder,
    count_tokens,
    scores,
)
from embedcheck.conformance.mock.errors import BAD_INPUT, TOO_LARGE, ApiError
from embedcheck.conformance.mock.validation import ModelValidators
from embedcheck.schemas import ModelRecord

Output = dict[str, Any]
# bge-m3 names the query+contexts branch this way at the top level and inside `requests`.
QUERY_BRANCHES = ("QueryContextsInput", "QueryContextsRequest")


def texts_of(value: Any) -> list[str]:
    """The `text` of an embed input as a list: one string, or the batch as sent."""
    return [value] if isinstance(value, str) else list(value)


def too_many_texts(count: int, limit: int) -> ApiError:
    message = f"Request is too large: {count} texts to embed (this server embeds at most {limit})"
    return ApiError(413, TOO_LARGE, message, openai_code="request_too_large")


class Runner:
    def __init__(self, config: MockConfig, embedder: Embedder) -> None:
        self.config = config
        self.embedder = embedder

    def check_budget(self, count: int) -> None:
        if count > self.config.max_texts:
            raise too_many_texts(count, self.config.max_texts)

    def matrix(self, model: ModelRecord, texts: list[str], pooling: str) -> tuple[Any, list[int]]:
        """A batch's vectors, ready to serialise, and the `shape` to report for them."""
        data: Any
        if self.embedder.exact:
            data = self.embedder.matrix_text(model, texts, pooling)
            n, dims = len(texts), model.dims
        else:
            data = self.embedder.embed(model, texts, pooling)
            n, dims = data.shape
        return data, [dims, n] if self.config.has("shape-mismatch") else [n, dims]

    def embed_output(self, model: ModelRecord, body: dict[str, Any]) -> Output:
        """EmbedInput: `{"shape", "data"}`, plus the `pooling` echo for the English models."""
        texts = texts_of(body["text"])
        self.check_budget(len(texts))
        pooling = body.get("pooling", DEFAULT_POOLING) if model.pooling else M3_POOLING
        data, shape = self.matrix(model, texts, pooling)
        output: Output = {"shape": shape, "data": data}
        if model.pooling and not self.config.has("pooling-not-echoed"):
            output["pooling"] = pooling
        return output

    def query_contexts_output(self, model: ModelRecord, body: dict[str, Any]) -> Output:
        """QueryContextsInput: scores per context with a query, the contexts' vectors without."""
        contexts = body["contexts"]
        self.check_budget(len(contexts))
        texts = [c.get("text", "") for c in contexts]
        if "query" not in body:
            data, shape = self.matrix(model, texts, M3_POOLING)
            return {"response": data, "shape": shape}
        rows = self.embedder.embed(model, texts, M3_POOLING)
        query = self.embedder.vector(model, body["query"], M3_POOLING)
        offset = 1 if self.config.has("m3-ids-out-of-range") else 0
        ranked = scores(query, rows).tolist()
        return {"response": [{"id": i + offset, "score": s} for i, s in enumerate(ranked)]}

    def run(self, model: ModelRecord, branch: str, body: dict[str, Any]) -> Output:
        if branch in QUERY_BRANCHES:
            return self.query_contexts_output(model, body)
        return self.embed_output(model, body)

    def batch_texts(self, items: list[Any], validators: ModelValidators) -> int:
        """How many texts the batch items ask to embed (what the budget counts)."""
        routed = item_branches(items, validators)
        return sum(len(item_texts(item, branch)) for item, branch in routed)

    def batch_result(
        self, items: list[Any], model: ModelRecord, validators: ModelValidators
    ) -> Output:
        """The finished job: one response per item, `id` = its index, listed last item first
        (Workers AI may return them out of order, so clients must map by `id`)."""
        responses: list[Output] = []
        tokens = 0
        for index, (item, branch) in enumerate(item_branches(items, validators)):
            if branch is None:
                message = f"AiError: Bad input: request {index} is not an object with `text`"
                error = {"errors": [{"code": BAD_INPUT, "message": message}]}
                responses.append(
                    {"id": index, "result": error, "success": False, "external_reference": None}
                )
                continue
            reference = item.get("external_reference")
            responses.append(
                {
                    "id": index,
                    "result": self.run(model, branch, item),
                    "success": True,
                    "external_reference": reference if isinstance(reference, str) else None,
                }
            )
            tokens += sum(count_tokens(t) for t in item_texts(item, branch))
        usage = {"prompt_tokens": tokens, "completion_tokens": 0, "total_tokens": tokens}
        return {"responses": responses[::-1], "usage": usage}


def item_branches(items: list[Any], validators: ModelValidators) -> list[tuple[Any, str | None]]:
    """Each batch item with the branch it validated through (None: not an object)."""
    routed: list[tuple[Any, str | None]] = []
    for item in items:
        if not isinstance(item, dict):
            routed.append((item, None))
        else:
            routed.append((item, validators.item.route(item) if validators.item else "EmbedInput"))
    return routed


def item_texts(item: Any, branch: str | None) -> list[str]:
    """The texts a validated input embeds, by the branch it validated through."""
    if branch is None:
        return []
    if branch in QUERY_BRANCHES:
        query = [item["query"]] if "query" in item else []
        return [c.get("text", "") for c in item["contexts"]] + query
    return texts_of(item["text"])
