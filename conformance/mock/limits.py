"""Texts over a model's `max_input_tokens` (counted by the mock's stand-in tokenizer).

Where the input schema has a truncation switch (`schemas.layout.truncation_switch`: bge-m3's
`truncate_inputs`, "error out or truncate"), it holds: false or absent (its default) is a 400,
true embeds the text cut at the limit. Where the schema is silent, the clean mock refuses too,
as OpenAI's API does ("maximum context length"): a reference earns no warning. The fault
`silent-truncation` cuts those texts instead, as every OpenAI-compatible server we ran did
(a warning for the suite's `long-input` check).
"""

from __future__ import annotations

from typing import Any

from embedcheck.conformance.mock.embeddings import count_tokens, first_tokens
from embedcheck.conformance.mock.errors import BAD_INPUT, ApiError
from embedcheck.schemas import ModelRecord
from embedcheck.schemas.layout import InputVariant, truncation_switch


def too_long(model: ModelRecord, index: int, tokens: int, hint: str) -> ApiError:
    message = (
        f"AiError: Bad input: text {index} has {tokens} tokens, more than {model.id}'s "
        f"{model.max_input_tokens}{hint}"
    )
    return ApiError(400, BAD_INPUT, message, openai_code="context_length_exceeded")


def fitted(
    model: ModelRecord,
    variant: InputVariant,
    body: Any,
    texts: list[str],
    faults: frozenset[str] = frozenset(),
) -> list[str]:
    """The texts the model embeds: each cut at the limit where the switch asks for it, else
    ApiError 400 (the faults: `truncate-ignored` cuts whatever the switch says,
    `silent-truncation` cuts where the schema has no switch)."""
    limit = model.max_input_tokens
    switch = truncation_switch(variant.schema)
    if switch is None:
        refuse = "silent-truncation" not in faults
    else:
        refuse = not switch.truncates(body) and "truncate-ignored" not in faults
    found = []
    for index, text in enumerate(texts):
        tokens = count_tokens(text)
        if tokens <= limit:
            found.append(text)
            continue
        if refuse:
            hint = f" ({switch.key}: true truncates it)" if switch is not None else ""
            raise too_long(model, index, tokens, hint)
        found.append(first_tokens(text, limit))
    return found


def refuse_long(model: ModelRecord, tokens: list[int]) -> None:
    """OpenAI's answer to an input over the model's context length: a 400."""
    for index, count in enumerate(tokens):
        if count > model.max_input_tokens:
            message = (
                f"This model's maximum context length is {model.max_input_tokens} tokens, "
                f"however input {index} has {count} tokens. Please reduce the length of the input."
            )
            raise ApiError(
                400, BAD_INPUT, message, param="input", openai_code="context_length_exceeded"
            )
