"""The texts both sides embed: the built-in corpus (package data) or a file, one text a line.

The retrieval set (one query per topic, four documents each, some in other languages) is always
the built-in one: its rankings are compared between the sides whatever corpus is used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from embedcheck.conformance.errors import ConfigError

DATA = Path(__file__).resolve().parent / "data" / "corpus.json"
# An estimate of tokens, no tokenizer at hand: words, punctuation marks, and each CJK or
# Hangul character on its own (BERT vocabularies split them so).
_TOKENS = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+|[^\w\s]")


def estimated_tokens(text: str) -> int:
    return len(_TOKENS.findall(text))


@dataclass(frozen=True)
class Text:
    text: str
    kind: str  # short, sentence, multilingual, code, numbers, near-duplicate, long, file

    @property
    def tokens(self) -> int:
        return estimated_tokens(self.text)


@dataclass(frozen=True)
class Corpus:
    texts: tuple[Text, ...]
    queries: tuple[str, ...]
    documents: tuple[str, ...]
    source: str  # "built-in" or the file's path

    def all_texts(self) -> list[str]:
        """Every distinct string to embed, corpus first, then queries and documents."""
        return list(dict.fromkeys([t.text for t in self.texts] + [*self.queries, *self.documents]))


@cache
def _data() -> Corpus:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    texts = tuple(Text(item["text"], item["kind"]) for item in raw["texts"])
    retrieval = raw["retrieval"]
    return Corpus(texts, tuple(retrieval["queries"]), tuple(retrieval["documents"]), "built-in")


def builtin() -> Corpus:
    return _data()


def from_file(path: Path) -> Corpus:
    """One text a line (blank lines skipped); ConfigError naming the problem and the fix."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"--corpus {path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"--corpus {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"--corpus {path}: cannot read it ({exc.strerror or exc})") from None
    lines = [line.rstrip("\r") for line in content.split("\n")]
    texts = tuple(Text(line, "file") for line in lines if line.strip())
    if not texts:
        raise ConfigError(f"--corpus {path}: no texts in it (one text a line)")
    base = builtin()
    return Corpus(texts, base.queries, base.documents, str(path))
