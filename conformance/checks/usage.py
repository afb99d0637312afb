"""`usage` counts that billing and quotas can rest on: tokens, not characters, and consistent.

The `usage` scenario sends English sentences in one batch, each alone, and the first one
repeated. A tokenizer (WordPiece, SentencePiece, BPE) gives English text about one token per
word; special tokens add a few per text. Judged on `prompt_tokens`, the count that is billed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from embedcheck.conformance.checks.base import (
    CheckContext,
    CheckFailed,
    CheckInconclusive,
    check,
    short,
    successes,
)
from embedcheck.conformance.http.transport import Exchange
from embedcheck.conformance.vocabulary import Outcome, Payload

# English runs at 4 to 5 characters per token; a count above half the characters is no
# tokenizer's (a character count is 1.0, a byte count more).
MAX_TOKENS_PER_CHARACTER = 0.5
# A batch may count its special tokens once, or each text its own: 2 per text of slack, or a
# tenth of the sum, whichever is more.
BATCH_SLACK_PER_TEXT = 2
BATCH_SLACK_SHARE = 0.1


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Counted:
    payload: Payload
    exchange: Exchange
    prompt: int
    total: int

    @property
    def characters(self) -> int:
        return sum(len(t) for t in self.payload.texts)

    @property
    def usage(self) -> dict[str, int]:
        return {"prompt_tokens": self.prompt, "total_tokens": self.total}


def _counted(ctx: CheckContext, outcome: Outcome) -> list[Counted]:
    """Replies whose usage carries integer counts (anything else is openai-usage's finding)."""
    found = []
    for payload, exchange, output in successes(ctx, outcome):
        usage = output.get("usage") if isinstance(output, dict) else None
        fields = usage if isinstance(usage, dict) else {}
        prompt, total = _count(fields.get("prompt_tokens")), _count(fields.get("total_tokens"))
        if prompt is not None and total is not None:
            found.append(Counted(payload, exchange, prompt, total))
    return found


def _judge_one(c: Counted) -> None:
    texts = f"{len(c.payload.texts)} text(s), {c.characters} characters"
    if c.prompt < 1 or c.total < 1:
        raise CheckFailed(
            f"usage {short(c.usage)} for {texts}",
            expected="positive counts",
            actual=c.usage,
            exchange=c.exchange,
        )
    if c.total < c.prompt:
        raise CheckFailed(
            f"total_tokens {c.total} below prompt_tokens {c.prompt}",
            expected=f"total_tokens >= {c.prompt}",
            actual=c.usage,
            exchange=c.exchange,
        )
    ceiling = int(MAX_TOKENS_PER_CHARACTER * c.characters)
    if c.prompt > ceiling:
        raise CheckFailed(
            f"prompt_tokens {c.prompt} for {texts} of English: characters are counted, not tokens",
            expected=f"prompt_tokens <= {ceiling} ({MAX_TOKENS_PER_CHARACTER} per character)",
            actual=c.usage,
            exchange=c.exchange,
        )


def _repeats(long: str, short_text: str) -> int:
    """k when `long` is `short_text` repeated k >= 2 times (joined by spaces), else 0."""
    times = (len(long) + 1) // (len(short_text) + 1)
    return times if times >= 2 and long == " ".join([short_text] * times) else 0


def _judge_growth(singles: dict[str, Counted]) -> bool:
    judged = False
    for text, longer in singles.items():
        for base_text, base in singles.items():
            times = _repeats(text, base_text)
            if not times:
                continue
            judged = True
            if longer.prompt <= base.prompt:
                raise CheckFailed(
                    f"prompt_tokens {longer.prompt} for a text repeated {times} times, "
                    f"{base.prompt} for it once",
                    expected=f"more than {base.prompt}",
                    actual=longer.prompt,
                    exchange=longer.exchange,
                )
    return judged


def _judge_batch(batch: Counted, singles: dict[str, Counted]) -> bool:
    parts = [singles.get(t) for t in batch.payload.texts]
    if len(parts) < 2 or any(p is None for p in parts):
        return False
    alone = [p.prompt for p in parts if p is not None]
    total = sum(alone)
    slack = max(BATCH_SLACK_PER_TEXT * len(alone), round(BATCH_SLACK_SHARE * total))
    if abs(batch.prompt - total) > slack:
        raise CheckFailed(
            f"prompt_tokens {batch.prompt} for a batch of {len(alone)} texts counted "
            f"{short(alone)} alone (sum {total})",
            expected=f"{total} ± {slack}",
            actual=batch.prompt,
            exchange=batch.exchange,
        )
    return True


@check(
    "usage-plausible",
    "usage counts tokens: positive, total >= prompt, growing with the text, a batch about the "
    "sum of its texts, well below the character count",
    profiles=("openai",),
    scenarios=("usage",),
    after=("openai-usage",),
)
def usage_plausible(ctx: CheckContext, outcome: Outcome) -> bool:
    counted = _counted(ctx, outcome)
    if not counted:
        raise CheckInconclusive("no reply of the usage scenario carried integer usage counts")
    for c in counted:
        _judge_one(c)
    singles = {c.payload.texts[0]: c for c in counted if isinstance(c.payload.body["input"], str)}
    batches = [c for c in counted if isinstance(c.payload.body["input"], list)]
    _judge_growth(singles)
    for batch in batches:
        _judge_batch(batch, singles)
    return True
