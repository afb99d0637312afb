"""Request payloads per `oneOf` variant of the effective input schemas, valid or invalid on purpose.

Positive payloads are valid by construction: every limit (minLength, maxItems, enum) is read
from the schema, and boundaries get explicit weight (1 and `maxItems` items, 1 character, long,
non-ASCII, emoji, whitespace-only). Negative payloads start from a valid one and carry exactly
one named mutation (empty string, one item too many, wrong type, unknown enum value, missing
required key, two variants at once). `claim_problem` re-validates either kind right before it is
sent, shrunk or not: a payload that is not what it claims is never sent.

Texts stay short enough in tokens (at most ~100) for every model's 512-token limit, and use
printable characters only: the suite asserts what the schemas promise, not how a tokenizer copes
with control characters.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import cache
from typing import Any

from hypothesis import strategies as st

from embedcheck.schemas import effective_schema
from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.validators import NAME, OVERLAP, compiled

OPENAI = "openai-embeddings"
OPENAI_REQUEST = (OPENAI, "request")

WORDS = (
    "cloud",
    "orange",
    "llama",
    "story",
    "river",
    "mountain",
    "quick",
    "brown",
    "fox",
    "jumps",
    "lazy",
    "dog",
    "vector",
    "search",
    "passage",
    "query",
    "weather",
    "sunny",
    "ocean",
    "forest",
    "music",
    "bread",
    "window",
    "garden",
    "silver",
    "planet",
    "engine",
    "winter",
    "coffee",
    "paper",
)
# Plainly different sentences: relations between vectors (order, batch invariance, distinctness)
# are judged on these, because odd inputs (emoji, lone symbols) may map to the same tokens.
CORPUS = (
    "This is a story about an orange cloud",
    "This is a story about a llama",
    "The weather is sunny and warm today",
    "Quantum computers factor large numbers",
    "She baked fresh bread every morning",
    "The river flows into the northern sea",
    "Stock markets fell sharply on Monday",
    "A recipe for spicy tomato soup",
    "The violin concerto was performed beautifully",
    "Volcanic eruptions can change the climate",
    "How do I reset my router password",
    "Penguins live in the southern hemisphere",
)
# Characters outside the BMP (emoji, ZWJ sequences, mathematical letters).
EMOJI = ("😀", "🎉", "👍🏽", "🚀", "🦙", "🌍", "👨‍👩‍👧", "🏳️‍🌈", "\U0001d518\U0001d52b", "🀄")
NON_ASCII = (
    "Grüße aus Köln",
    "日本語のテキスト",
    "Ελληνικά κείμενα",
    "naïve café",
    "مرحبا بالعالم",
)
WHITESPACE = " \t\n\u00a0\u2003\u3000"
NOT_POOLING = ("max", "median", "CLS", "Mean", "none", "last-token")
NOT_ENCODING = ("base85", "int8", "FLOAT", "binary", "ubinary", "hex")
TOKEN_ID_LIMIT = 30_000  # inside every BGE vocabulary (English 30522, bge-m3 250002)
MAX_CONTEXTS = 16
MAX_QUEUED = 4


@dataclass(frozen=True)
class Payload:
    """One request body and everything the checks may expect of the reply."""

    body: Any
    schema: tuple[str, str]  # (subject, role) of the schema the claim is made against
    variant: str  # the branch it fits ("EmbedInput/TextBatch"), or was mutated from
    valid: bool = True
    mutation: str = ""  # the one violation an invalid payload carries
    field: str = ""  # JSON pointer of the violation
    texts: tuple[str, ...] = ()  # inputs whose vectors come back, in order
    expects: str = ""  # the output variant a valid payload must get ('' = any)
    pooling: str = ""  # pooling asked for explicitly ('' = not asked)
    count: int = 0  # vectors, or scores, the reply must hold
    queue: bool = False  # submitted to the async queue
    items: tuple[Payload, ...] = ()  # a queued batch: what each request expects
    auth: str = ""  # '' = the target's credentials, 'none' = no credentials, 'wrong' = bad ones

    def describe(self) -> str:
        if self.valid:
            return f"valid {self.variant}"
        return f"invalid {self.variant}: {self.mutation} at {self.field or '/'}"


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def claim_problem(payload: Payload) -> str:
    """'' when the payload is what it claims to be, else why it must not be sent."""
    schema = compiled(*payload.schema)
    if not payload.valid:
        if schema.is_valid(payload.body):
            return f"{payload.describe()} is in fact valid"
        return ""
    problem = schema.problem(payload.body)
    if problem:
        return f"{payload.describe()} is in fact invalid: {problem}"
    if schema.variants:
        fits = schema.matching(payload.body)
        if fits != [payload.variant.split("/")[0]]:
            return f"{payload.describe()} fits {fits or 'no variant'}"
    return ""


# --- what the schemas allow ---------------------------------------------------------------


@dataclass(frozen=True)
class InputLimits:
    """The limits of one model's input schema, read from the effective schema."""

    subject: str
    text_min: int
    max_items: int
    pooling: tuple[str, ...]  # enum of `pooling`; () when the model takes none
    pooling_default: str
    truncate: bool  # takes `truncate_inputs`
    query_min: int | None  # None: no QueryContextsInput variant
    context_min: int
    batch: bool
    batch_item_variants: tuple[str, ...]  # named variants of a queued item, () = plain object
    overlap_reject: bool  # inputs that fit two variants are invalid

    @property
    def schema(self) -> tuple[str, str]:
        return (self.subject, "input")


def _variant(schema: dict[str, Any], name: str) -> dict[str, Any] | None:
    for branch in schema.get("oneOf", []):
        if branch.get(NAME) == name:
            found: dict[str, Any] = branch
            return found
    return None


def _text_branches(text: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    single = next((b for b in text.get("oneOf", []) if b.get("type") == "string"), None)
    batch = next((b for b in text.get("oneOf", []) if b.get("type") == "array"), None)
    if single is None or batch is None:
        raise SchemaError("the EmbedInput `text` is not a oneOf of a string and an array")
    return single, batch


@cache
def input_limits(subject: str) -> InputLimits:
    schema = effective_schema(subject, "input")
    embed = _variant(schema, "EmbedInput")
    if embed is None:
        raise SchemaError(f"{subject}: the input schema has no EmbedInput variant")
    props = embed.get("properties", {})
    single, batch = _text_branches(props.get("text", {}))
    pooling = props.get("pooling", {})
    query_contexts = _variant(schema, "QueryContextsInput")
    qc_props = query_contexts.get("properties", {}) if query_contexts else {}
    context_text = qc_props.get("contexts", {}).get("items", {}).get("properties", {})
    batch_input = _variant(schema, "BatchInput")
    item = (
        batch_input.get("properties", {}).get("requests", {}).get("items", {})
        if batch_input
        else {}
    )
    return InputLimits(
        subject=subject,
        text_min=max(int(single.get("minLength", 0)), int(batch["items"].get("minLength", 0))),
        max_items=int(batch.get("maxItems", 100)),
        pooling=tuple(pooling.get("enum", ())),
        pooling_default=str(pooling.get("default", "")),
        truncate="truncate_inputs" in props,
        query_min=int(qc_props["query"].get("minLength", 0)) if "query" in qc_props else None,
        context_min=int(context_text.get("text", {}).get("minLength", 0)),
        batch=batch_input is not None,
        batch_item_variants=tuple(b.get(NAME, "") for b in item.get("oneOf", [])),
        overlap_reject=schema.get(OVERLAP) == "reject",
    )


@dataclass(frozen=True)
class OpenAILimits:
    max_items: int
    text_min: int
    encodings: tuple[str, ...]


@cache
def openai_limits() -> OpenAILimits:
    props = effective_schema(OPENAI, "request")["properties"]
    branches = {b.get("title"): b for b in props["input"]["oneOf"]}
    return OpenAILimits(
        max_items=int(branches["texts"]["maxItems"]),
        text_min=int(branches["text"].get("minLength", 0)),
        encodings=tuple(props["encoding_format"]["enum"]),
    )


# --- texts ----------------------------------------------------------------------------------


# One character from each corner of Unicode a tokenizer meets: Latin, Latin-1, Greek, Cyrillic,
# Hebrew and Arabic (right to left), Devanagari, Thai, CJK, kana, Hangul, digits of other
# scripts, currency and math symbols, punctuation, and characters outside the BMP (emoji,
# mathematical letters, a historic script). Picked, not drawn per code point: one draw each,
# and no Unicode category tables to build.
SINGLE_CHARACTERS = (
    *"aZ7?!@#~ßéñøÆ©°±µ¿ΩλЖяשׁאبمिक्षไทย中文字あアー한글٣७€£¥∑√∞≠→•…—«»",
    *("😀", "🦙", "🚀", "\U0001d518", "\U00013000", "🀄"),  # math fraktur U, a hieroglyph
)
# Fragments texts are assembled from, one draw each: words, numbers, punctuation runs, other
# scripts, emoji (with skin tones and ZWJ sequences), combining marks, odd spaces.
FRAGMENTS = (
    *WORDS,
    "42",
    "3.14159",
    "-7",
    "1e10",
    "...",
    "?!",
    "(a)",
    '"quoted"',
    "it's",
    "#tag",
    "@user",
    "C++",
    "a/b",
    "x=1;",
    "<b>bold</b>",
    "{json}",
    "\\n",
    *NON_ASCII,
    *EMOJI,
    "e\u0301",  # e + combining acute
    "Z\u0351\u0352\u0353",  # stacked combining marks
    "\u200bzero\u200bwidth",
    "\u202eRTL override",
    "ﬁ ligature",
    "\uff46\uff55\uff4c\uff4c",  # fullwidth "full"
    "\u00a0",
    "\u3000",
)
PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
# Code points drawn one by one, beyond ASCII: a fixed sample (Hypothesis keeps the shrinking
# order), every category the schemas' strings may hold, the BMP and beyond.
WIDE_ALPHABET = "".join(
    dict.fromkeys("".join(SINGLE_CHARACTERS) + "\u0301\u0308\u00a0\u2003" + "ĀăĦŋƒǅȘɐʃ")
)


def _padded(minimum: int) -> Any:
    return lambda text: text if len(text) >= minimum else text + "x" * (minimum - len(text))


def word_run(count: int, start: int) -> list[str]:
    """`count` words of WORDS from `start` on. Long texts and over-long batches are about their
    length: drawn as two choices rather than one per word, which made them the costliest draws
    of a run."""
    return [WORDS[(start + i) % len(WORDS)] for i in range(count)]


def long_text(count: int, start: int) -> str:
    return " ".join(word_run(count, start))


def _joined(parts: list[str], spaced: bool) -> str:
    return (" " if spaced else "").join(parts)


@cache
def texts(minimum: int = 1) -> st.SearchStrategy[str]:
    """Valid texts of at least `minimum` characters, boundaries included.

    Most kinds are made of whole pieces (a word, a fragment, a character: one draw each);
    two are drawn character by character, ASCII and beyond. A draw costs Hypothesis tens of
    microseconds, and texts are most of what a run draws."""
    fragments = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6)
    kinds = st.one_of(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
        st.builds(_joined, fragments, st.booleans()),
        st.text(alphabet=PRINTABLE, min_size=1, max_size=24),
        st.sampled_from(SINGLE_CHARACTERS),
        st.builds(long_text, st.integers(60, 90), st.integers(0, len(WORDS) - 1)),
        st.text(alphabet=WIDE_ALPHABET, min_size=1, max_size=10),
        st.sampled_from(NON_ASCII),
        st.text(alphabet=WHITESPACE, min_size=1, max_size=6),
    )
    # Every schema here says minLength 1, which all kinds meet: no map (one span less a draw).
    return kinds if minimum <= 1 else kinds.map(_padded(minimum))


@cache
def batch_texts(minimum: int, max_items: int) -> st.SearchStrategy[list[str]]:
    """A batch: 1 to `max_items` texts. Three items in four are one whole text from a fixed
    pool (one draw), the fourth is drawn like a single text: batches are about how many texts
    come back and in which order, and a long batch drawn character by character cost more
    than the requests it made."""
    pool = st.sampled_from(tuple(_padded(max(minimum, 1))(t) for t in text_pool()))
    item = st.one_of(pool, pool, pool, texts(minimum))
    return st.lists(item, min_size=1, max_size=max_items)


@cache
def text_pool() -> tuple[str, ...]:
    """Whole texts of every kind `texts` makes, for batch items."""
    pieces = (*CORPUS, *FRAGMENTS, *SINGLE_CHARACTERS)  # FRAGMENTS holds WORDS and NON_ASCII
    mixed = tuple(
        f"{WORDS[i % len(WORDS)]} {FRAGMENTS[(7 * i) % len(FRAGMENTS)]}" for i in range(40)
    )
    return tuple(dict.fromkeys((*pieces, *mixed, long_text(70, 3), " ", "\t\n", "\u3000")))


def _boundary_texts(minimum: int) -> list[str]:
    pad = _padded(max(minimum, 1))
    long = " ".join(WORDS[i % len(WORDS)] for i in range(80))
    return [pad(t) for t in ("a", long, NON_ASCII[0], "🎉 " + EMOJI[6], "  \t ")]


# --- Workers AI model inputs -----------------------------------------------------------------


def embed_payload(
    lim: InputLimits,
    text: str | list[str],
    pooling: str = "",
    truncate: bool | None = None,
    *,
    key: str = "text",
) -> Payload:
    """A valid EmbedInput (or, with `key`, any body shaped like one)."""
    body: dict[str, Any] = {key: text}
    if pooling:
        body["pooling"] = pooling
    if truncate is not None:
        body["truncate_inputs"] = truncate
    batch = isinstance(text, list)
    items: tuple[str, ...] = tuple(text) if isinstance(text, list) else (text,)
    return Payload(
        body=body,
        schema=lim.schema,
        variant="EmbedInput/TextBatch" if batch else "EmbedInput/Text",
        texts=items,
        expects="EmbeddingOutput",
        pooling=pooling,
        count=len(items),
    )


def contexts_payload(
    lim: InputLimits, contexts: list[str], query: str | None, truncate: bool | None = None
) -> Payload:
    body: dict[str, Any] = {"contexts": [{"text": t} for t in contexts]}
    if query is not None:
        body["query"] = query
    if truncate is not None:
        body["truncate_inputs"] = truncate
    return Payload(
        body=body,
        schema=lim.schema,
        variant="QueryContextsInput",
        texts=tuple(contexts),
        expects="QueryScoresOutput" if query is not None else "ContextEmbeddingsOutput",
        count=len(contexts),
    )


def batch_payload(lim: InputLimits, items: list[Payload]) -> Payload:
    """A BatchInput for the async queue; `items` say what each queued request expects."""
    return Payload(
        body={"requests": [item.body for item in items]},
        schema=lim.schema,
        variant="BatchInput",
        expects="AsyncResponse",
        count=len(items),
        queue=True,
        items=tuple(items),
    )


def _optional(values: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(values) if len(values) > 1 else st.just(values[0])


def _truncate(lim: InputLimits) -> st.SearchStrategy[bool | None]:
    return _optional((None, False, True) if lim.truncate else (None,))


def _pooling(lim: InputLimits) -> st.SearchStrategy[str]:
    return _optional(("", *lim.pooling))


def _text_field(lim: InputLimits) -> st.SearchStrategy[str | list[str]]:
    return texts(lim.text_min) | batch_texts(lim.text_min, lim.max_items)


def embed_payloads(lim: InputLimits) -> st.SearchStrategy[Payload]:
    return st.builds(
        lambda t, p, tr: embed_payload(lim, t, p, tr),
        _text_field(lim),
        _pooling(lim),
        _truncate(lim),
    )


def contexts_payloads(lim: InputLimits) -> st.SearchStrategy[Payload]:
    query_min = lim.query_min if lim.query_min is not None else 1
    return st.builds(
        lambda c, q, tr: contexts_payload(lim, c, q, tr),
        st.lists(texts(lim.context_min), min_size=1, max_size=MAX_CONTEXTS),
        st.none() | texts(query_min),
        _truncate(lim),
    )


def batch_payloads(lim: InputLimits) -> st.SearchStrategy[Payload]:
    item = st.builds(
        lambda t, p: embed_payload(lim, t, p), _text_field(lim).map(_short), _pooling(lim)
    )
    if "QueryContextsRequest" in lim.batch_item_variants:
        item = item | contexts_payloads(lim)
    return st.lists(item, min_size=1, max_size=MAX_QUEUED).map(lambda xs: batch_payload(lim, xs))


def _short(text: str | list[str]) -> str | list[str]:
    return text[:8] if isinstance(text, list) else text  # queued jobs stay small


def embed_boundaries(lim: InputLimits) -> list[Payload]:
    """Each limit at its edge, sent on every run whatever Hypothesis draws."""
    edge = _boundary_texts(lim.text_min)
    many = [f"{WORDS[i % len(WORDS)]} {i}" for i in range(lim.max_items)]
    cases = [embed_payload(lim, t) for t in edge]
    cases += [embed_payload(lim, [edge[0]]), embed_payload(lim, many), embed_payload(lim, edge)]
    cases += [embed_payload(lim, CORPUS[0], p) for p in lim.pooling]
    if lim.truncate:
        cases.append(embed_payload(lim, [CORPUS[1]], truncate=True))
    return cases


def contexts_boundaries(lim: InputLimits) -> list[Payload]:
    edge = _boundary_texts(lim.context_min)
    return [
        contexts_payload(lim, [CORPUS[0]], CORPUS[1]),
        contexts_payload(lim, list(CORPUS), None),
        contexts_payload(lim, edge, "a"),
        contexts_payload(lim, edge, None, truncate=True),
    ]


def batch_boundaries(lim: InputLimits) -> list[Payload]:
    items = [embed_payload(lim, CORPUS[0]), embed_payload(lim, list(CORPUS[1:4]))]
    if "QueryContextsRequest" in lim.batch_item_variants:
        items.append(contexts_payload(lim, list(CORPUS[4:7]), CORPUS[7]))
    return [batch_payload(lim, items)]


# --- negative payloads: one mutation each ------------------------------------------------------


def invalid(schema: tuple[str, str], body: Any, variant: str, mutation: str, where: str) -> Payload:
    """A payload carrying one violation of the schema `(subject, role)`."""
    return Payload(
        body=body,
        schema=schema,
        variant=variant,
        valid=False,
        mutation=mutation,
        field=where,
    )


def _with_empty(items: list[str], at: int) -> tuple[list[str], int]:
    index = min(at, len(items))
    return [*items[:index], "", *items[index:]], index


WRONG_TYPES: st.SearchStrategy[Any] = st.one_of(
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.floats(-10, 10, allow_nan=False),
    st.dictionaries(st.sampled_from(WORDS), st.sampled_from(WORDS), max_size=2),
    st.lists(st.integers(0, 9), min_size=1, max_size=3),
)


def _bad(schema: tuple[str, str], variant: str, mutation: str, where: str) -> Any:
    """Body -> the invalid Payload carrying that one mutation (for `.map`)."""
    return lambda body: invalid(schema, body, variant, mutation, where)


def invalid_payloads(lim: InputLimits) -> st.SearchStrategy[Payload]:
    text = texts(lim.text_min)
    embed = lim.schema

    def empty_in_batch(items: list[str], at: int) -> Payload:
        body, index = _with_empty(items, at)
        return invalid(
            embed, {"text": body}, "EmbedInput/TextBatch", "empty-string", f"/text/{index}"
        )

    # Constant payloads are built here, not mapped per draw: a map is one more span per draw.
    options: list[st.SearchStrategy[Payload]] = [
        st.just(invalid(embed, {"text": ""}, "EmbedInput/Text", "empty-string", "/text")),
        st.builds(empty_in_batch, st.lists(text, max_size=4), st.integers(0, 4)),
        st.builds(word_run, st.just(lim.max_items + 1), st.integers(0, len(WORDS) - 1))
        .map(lambda xs: {"text": xs})
        .map(_bad(embed, "EmbedInput/TextBatch", "too-many-items", "/text")),
        WRONG_TYPES.map(lambda v: invalid(embed, {"text": v}, "EmbedInput", "wrong-type", "/text")),
        st.sampled_from(
            [
                invalid(embed, body, "EmbedInput", "wrong-type", "/")
                for body in ([{"text": "a"}], "text", 5, None)
            ]
        ),
        st.fixed_dictionaries({}, optional=_optional_keys(lim)).map(
            _bad(embed, "EmbedInput", "missing-required", "/text")
        ),
    ]
    if lim.pooling:
        not_pooling = st.sampled_from([p for p in NOT_POOLING if p not in lim.pooling])
        wrong = st.integers(0, 3) | st.booleans() | st.lists(st.sampled_from(lim.pooling))
        options += [
            st.builds(lambda t, p: {"text": t, "pooling": p}, text, not_pooling).map(
                _bad(embed, "EmbedInput", "unknown-enum", "/pooling")
            ),
            st.builds(lambda t, v: {"text": t, "pooling": v}, text, wrong).map(
                _bad(embed, "EmbedInput", "wrong-type", "/pooling")
            ),
        ]
    if lim.truncate:
        not_bool = st.sampled_from(("yes", "true", 1, 0, None))
        options.append(
            st.builds(lambda t, v: {"text": t, "truncate_inputs": v}, text, not_bool).map(
                _bad(embed, "EmbedInput", "wrong-type", "/truncate_inputs")
            )
        )
    if lim.query_min is not None:
        options += _invalid_query_contexts(lim)
    if lim.overlap_reject and lim.batch:
        options.append(
            st.builds(lambda t, u: {"text": t, "requests": [{"text": u}]}, text, text).map(
                _bad(embed, "EmbedInput+BatchInput", "two-variants", "/")
            )
        )
    return st.one_of(options)


def _optional_keys(lim: InputLimits) -> dict[str, st.SearchStrategy[Any]]:
    keys: dict[str, st.SearchStrategy[Any]] = {}
    if lim.pooling:
        keys["pooling"] = st.sampled_from(lim.pooling)
    if lim.truncate:
        keys["truncate_inputs"] = st.booleans()
    if lim.query_min is not None:
        keys["query"] = texts(lim.query_min)
    return keys


def _invalid_query_contexts(lim: InputLimits) -> list[st.SearchStrategy[Payload]]:
    text = texts(lim.context_min)
    contexts = st.lists(text.map(lambda t: {"text": t}), min_size=1, max_size=4)
    schema, variant = lim.schema, "QueryContextsInput"

    def empty_context(items: list[dict[str, str]], at: int) -> Payload:
        index = min(at, len(items))
        body = {"contexts": [*items[:index], {"text": ""}, *items[index:]]}
        return invalid(schema, body, variant, "empty-string", f"/contexts/{index}/text")

    def number_context(items: list[dict[str, Any]]) -> Payload:
        body = {"contexts": [*items, {"text": 7}]}
        return invalid(schema, body, variant, "wrong-type", f"/contexts/{len(items)}/text")

    not_list = st.sampled_from(("a context", 5, {"text": "a"}, True))
    not_text = st.sampled_from((5, ["a"], False, {"q": "a"}))
    options = [
        contexts.map(lambda c: {"query": "", "contexts": c}).map(
            _bad(schema, variant, "empty-string", "/query")
        ),
        st.builds(empty_context, contexts, st.integers(0, 4)),
        st.builds(lambda v, q: {"query": q, "contexts": v}, not_list, text).map(
            _bad(schema, variant, "wrong-type", "/contexts")
        ),
        st.builds(lambda v, c: {"query": v, "contexts": c}, not_text, contexts).map(
            _bad(schema, variant, "wrong-type", "/query")
        ),
        contexts.map(number_context),
    ]
    if lim.overlap_reject:
        options.append(
            st.builds(lambda t, c: {"text": t, "contexts": c}, texts(lim.text_min), contexts).map(
                _bad(schema, "EmbedInput+QueryContextsInput", "two-variants", "/")
            )
        )
    return options


def invalid_boundaries(lim: InputLimits) -> list[Payload]:
    """One payload per mutation kind, sent on every run."""
    many = [WORDS[i % len(WORDS)] for i in range(lim.max_items + 1)]
    cases = [
        invalid(lim.schema, {"text": ""}, "EmbedInput/Text", "empty-string", "/text"),
        invalid(lim.schema, {"text": ["a", ""]}, "EmbedInput/TextBatch", "empty-string", "/text/1"),
        invalid(lim.schema, {"text": many}, "EmbedInput/TextBatch", "too-many-items", "/text"),
        invalid(lim.schema, {"text": 42}, "EmbedInput", "wrong-type", "/text"),
        invalid(lim.schema, {}, "EmbedInput", "missing-required", "/text"),
    ]
    if lim.pooling:
        cases.append(
            invalid(
                lim.schema,
                {"text": "a", "pooling": "max"},
                "EmbedInput",
                "unknown-enum",
                "/pooling",
            )
        )
    if lim.overlap_reject and lim.batch:
        body = {"text": "a", "requests": [{"text": "b"}]}
        cases.append(invalid(lim.schema, body, "EmbedInput+BatchInput", "two-variants", "/"))
    if lim.query_min is not None:
        variant = "QueryContextsInput"
        cases += [
            invalid(
                lim.schema,
                {"query": "", "contexts": [{"text": "a"}]},
                variant,
                "empty-string",
                "/query",
            ),
            invalid(
                lim.schema,
                {"contexts": [{"text": ""}]},
                variant,
                "empty-string",
                "/contexts/0/text",
            ),
            invalid(lim.schema, {"query": "a"}, variant, "missing-required", "/contexts"),
        ]
    return cases


# --- OpenAI /v1/embeddings -------------------------------------------------------------------


def openai_payload(model: str, value: Any, kind: str, encoding: str = "") -> Payload:
    body: dict[str, Any] = {"model": model, "input": value}
    if encoding:
        body["encoding_format"] = encoding
    many = kind in ("texts", "token_batches")
    count = len(value) if many else 1
    shown = tuple(str(v) for v in value) if many else (str(value),)
    return Payload(body=body, schema=OPENAI_REQUEST, variant=kind, texts=shown, count=count)


def openai_payloads(model: str) -> st.SearchStrategy[Payload]:
    lim = openai_limits()
    one = texts(lim.text_min)
    token = st.integers(0, TOKEN_ID_LIMIT - 1)
    tokens = st.lists(token, min_size=1, max_size=16)
    inputs = st.one_of(
        one.map(lambda v: (v, "text")),
        st.lists(one, min_size=1, max_size=16).map(lambda v: (v, "texts")),
        tokens.map(lambda v: (v, "tokens")),
        st.lists(tokens, min_size=1, max_size=4).map(lambda v: (v, "token_batches")),
    )
    return st.builds(
        lambda pair, enc: openai_payload(model, pair[0], pair[1], enc),
        inputs,
        _optional(("", *lim.encodings)),
    )


def openai_boundaries(model: str) -> list[Payload]:
    lim = openai_limits()
    edge = _boundary_texts(lim.text_min)
    cases = [openai_payload(model, t, "text") for t in edge]
    cases += [
        openai_payload(model, list(CORPUS[:3]), "texts"),
        openai_payload(model, [101, 2023, 2003], "tokens"),
        openai_payload(model, [[101, 2023], [7592]], "token_batches"),
    ]
    cases += [openai_payload(model, CORPUS[0], "text", e) for e in lim.encodings]
    return cases


def openai_invalid_payloads(model: str) -> st.SearchStrategy[Payload]:
    lim = openai_limits()
    one = texts(lim.text_min)

    def bad(mutation: str, where: str) -> Any:
        return _bad(OPENAI_REQUEST, "CreateEmbeddingRequest", mutation, where)

    return st.one_of(
        st.just({"model": model, "input": ""}).map(bad("empty-string", "/input")),
        st.lists(one, max_size=3)
        .map(lambda xs: {"model": model, "input": [*xs, ""]})
        .map(bad("empty-string", "/input")),
        st.just({"model": model, "input": ["a"] * (lim.max_items + 1)}).map(
            bad("too-many-items", "/input")
        ),
        st.just({"model": model, "input": []}).map(bad("too-few-items", "/input")),
        st.sampled_from((5, True, None, {"text": "a"}, [1.5], ["a", 1], [[]]))
        .map(lambda v: {"model": model, "input": v})
        .map(bad("wrong-type", "/input")),
        st.sampled_from((5, None, ["m"]))
        .map(lambda v: {"model": v, "input": "a"})
        .map(bad("wrong-type", "/model")),
        st.builds(
            lambda t, e: {"model": model, "input": t, "encoding_format": e},
            one,
            st.sampled_from([e for e in NOT_ENCODING if e not in lim.encodings]),
        ).map(bad("unknown-enum", "/encoding_format")),
        one.map(lambda t: {"input": t}).map(bad("missing-required", "/model")),
        st.just({"model": model}).map(bad("missing-required", "/input")),
        st.sampled_from((0, -1))
        .map(lambda d: {"model": model, "input": "a", "dimensions": d})
        .map(bad("below-minimum", "/dimensions")),
    )


def openai_invalid_boundaries(model: str) -> list[Payload]:
    lim = openai_limits()

    def bad(body: Any, mutation: str, where: str) -> Payload:
        return invalid(OPENAI_REQUEST, body, "CreateEmbeddingRequest", mutation, where)

    return [
        bad({"model": model, "input": ""}, "empty-string", "/input"),
        bad({"model": model, "input": ["a"] * (lim.max_items + 1)}, "too-many-items", "/input"),
        bad({"model": model, "input": []}, "too-few-items", "/input"),
        bad({"model": model, "input": 42}, "wrong-type", "/input"),
        bad(
            {"model": model, "input": "a", "encoding_format": "base85"},
            "unknown-enum",
            "/encoding_format",
        ),
        bad({"model": model}, "missing-required", "/input"),
    ]
