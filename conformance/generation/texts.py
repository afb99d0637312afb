"""Texts and corpora: what the suite embeds, valid by construction for a text's bounds.

Texts stay short in tokens (at most ~100 words, fewer when the model's `max_input_tokens` is
small). Boundaries get explicit weight: 1 character, long, non-ASCII, emoji, whitespace-only,
and malformed Unicode (`MALFORMED`: lone surrogates, noncharacters, NUL, bidi controls), which
a server may refuse (4xx) or embed (2xx), never answer with a 5xx; a lone surrogate is no
Unicode text at all, so no check demands that it be accepted (`Payload.unicode_text`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache

from hypothesis import strategies as st

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


# Code points real servers stumble on (two answered a lone surrogate with HTTP 500): lone high
# and low surrogates (JSON "\ud800": valid syntax, no character), noncharacters, NUL, bidi
# overrides and isolates, a byte-order mark inside a text.
LONE_SURROGATES = ("a\ud800b", "\udc00", "x\udbff")
MALFORMED = (
    *LONE_SURROGATES,
    "a\ufffeb",
    "\ufdd0",
    "end\uffff",
    "a\x00b",
    "\x00",
    "\u202eevil\u202c",
    "\u2067isolate\u2069",
    "mid\ufeffbom",
)
# Drawn texts (as fragments) hold the valid ones only: a lone surrogate costs every schema
# check of its payload the slow validator (jsonschema-rs cannot take it in), and the boundary
# cases already send one to every variant of every model on every run.
DRAWN_MALFORMED = tuple(m for m in MALFORMED if m not in LONE_SURROGATES)


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
    *DRAWN_MALFORMED,
)
PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
# Code points drawn one by one, beyond ASCII: a fixed sample (Hypothesis keeps the shrinking
# order), every category the schemas' strings may hold, the BMP and beyond.
WIDE_ALPHABET = "".join(
    dict.fromkeys("".join(SINGLE_CHARACTERS) + "\u0301\u0308\u00a0\u2003" + "ĀăĦŋƒǅȘɐʃ")
)


@dataclass(frozen=True)
class TextBounds:
    """What a text may be: its length in characters (the schema's minLength/maxLength), and
    how many words a long one may have (from the model's `max_input_tokens`)."""

    min_length: int = 1
    max_length: int | None = None
    long_words: int = 90

    def fit(self, text: str) -> str:
        """`text` padded or cut to the bounds."""
        if len(text) < self.min_length:
            text += "x" * (self.min_length - len(text))
        if self.max_length is not None and len(text) > self.max_length:
            text = text[: self.max_length]
        return text

    @property
    def plain(self) -> bool:
        """Every kind of text already fits: no map needed (one span less per draw)."""
        return self.min_length <= 1 and self.max_length is None


ANY_TEXT = TextBounds()


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
def texts(bounds: TextBounds = ANY_TEXT) -> st.SearchStrategy[str]:
    """Valid texts within `bounds`, boundaries included.

    Most kinds are made of whole pieces (a word, a fragment, a character: one draw each);
    two are drawn character by character, ASCII and beyond. A draw costs Hypothesis tens of
    microseconds, and texts are most of what a run draws."""
    fragments = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6)
    longest = max(bounds.long_words, 2)
    kinds = st.one_of(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=min(12, longest)).map(" ".join),
        st.builds(_joined, fragments, st.booleans()),
        st.text(alphabet=PRINTABLE, min_size=1, max_size=24),
        st.sampled_from(SINGLE_CHARACTERS),
        st.builds(
            long_text, st.integers(longest * 2 // 3, longest), st.integers(0, len(WORDS) - 1)
        ),
        st.text(alphabet=WIDE_ALPHABET, min_size=1, max_size=10),
        st.sampled_from(NON_ASCII),
        st.text(alphabet=WHITESPACE, min_size=1, max_size=6),
    )
    return kinds if bounds.plain else kinds.map(bounds.fit)


@cache
def batch_texts(
    bounds: TextBounds, max_items: int, min_items: int = 1
) -> st.SearchStrategy[list[str]]:
    """A batch: `min_items` to `max_items` texts. Three items in four are one whole text from
    a fixed pool (one draw), the fourth is drawn like a single text: batches are about how many
    texts come back and in which order, and a long batch drawn character by character cost more
    than the requests it made."""
    pool = st.sampled_from(tuple(dict.fromkeys(bounds.fit(t) for t in text_pool(bounds))))
    item = st.one_of(pool, pool, pool, texts(bounds))
    return st.lists(item, min_size=max(min_items, 1), max_size=max(max_items, min_items, 1))


@cache
def text_pool(bounds: TextBounds = ANY_TEXT) -> tuple[str, ...]:
    """Whole texts of every kind `texts` makes, for batch items."""
    pieces = (*CORPUS, *FRAGMENTS, *SINGLE_CHARACTERS)  # FRAGMENTS holds WORDS and NON_ASCII
    mixed = tuple(
        f"{WORDS[i % len(WORDS)]} {FRAGMENTS[(7 * i) % len(FRAGMENTS)]}" for i in range(40)
    )
    long = long_text(min(70, bounds.long_words), 3)
    return tuple(dict.fromkeys((*pieces, *mixed, long, " ", "\t\n", "\u3000")))


def boundary_texts(bounds: TextBounds = ANY_TEXT) -> list[str]:
    """Each kind of edge once: the shortest, a long one, non-ASCII, emoji, whitespace only."""
    long = long_text(min(80, bounds.long_words), 0)
    # Malformed Unicode twice: the valid code points (noncharacters, NUL, bidi) in one text,
    # a lone surrogate in another (a refusal of it must not hide how the others fare).
    odd = " ".join(m for m in MALFORMED if m not in LONE_SURROGATES)
    edges = ("a", long, NON_ASCII[0], "🎉 " + EMOJI[6], "  \t ", odd, LONE_SURROGATES[0])
    found = [bounds.fit(t) for t in edges]
    if bounds.max_length is not None:
        found.append(bounds.fit("m" * bounds.max_length))  # the longest allowed
    return list(dict.fromkeys(found))
