"""`embedcheck compare`: are two endpoints' embeddings interchangeable? (parse and dispatch)"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console

from embedcheck.commands import credentials, network_options
from embedcheck.commands.argtypes import cosine, positive_float, positive_int
from embedcheck.conformance.compare.collect import DEFAULT_BATCH, SendOptions
from embedcheck.conformance.compare.job import (
    MOCK_SWITCHES,
    CompareConfig,
    SideConfig,
    compare,
    parse_side,
)
from embedcheck.conformance.compare.report import summary
from embedcheck.conformance.compare.sides import POOLINGS
from embedcheck.conformance.compare.thresholds import Thresholds
from embedcheck.conformance.http.transport import DEFAULT_TIMEOUT
from embedcheck.errors import UsageError

EPILOG = """examples:
  embedcheck compare                                   # demo: two bundled mocks
  embedcheck compare --mock-b bfloat16                 # demo: the second mock rounds to bf16
  embedcheck compare workers-ai=https://api.cloudflare.com/client/v4 \\
      openai=https://gateway.example/v1 --model @cf/baai/bge-m3 --model-b baai/bge-m3 \\
      --account-id ID --api-token TOKEN --api-key-b KEY

Each side is PROFILE=BASE_URL (workers-ai: .../client/v4; openai: .../v1; worker: the URL,
{model} filled in). Options ending in -b apply to side B; without them B takes A's.
Secrets may come from CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, OPENAI_API_KEY and (worker)
EMBEDCHECK_TOKEN; the demo's mocks never get them, nor go through a proxy.
exit status: 0 interchangeable (within the thresholds), 1 not (or not judged: a side failed
mid-way), 2 usage error or a side unreachable.
"""


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a share is between 0 and 1, got {text}")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument(
        "sides", nargs="*", metavar="PROFILE=BASE_URL", help="side A and side B (none: the demo)"
    )
    sides = parser.add_argument_group("what each side is asked")
    sides.add_argument("--model", help="model id or name on side A (and B, without --model-b)")
    sides.add_argument("--model-b", help="model name on side B, if it differs")
    sides.add_argument("--pooling", choices=POOLINGS, help="pooling asked of side A (and B)")
    sides.add_argument("--pooling-b", choices=POOLINGS, help="pooling asked of side B")
    credentials.add_arguments(sides)
    credentials.add_arguments(sides, "b")
    sides.add_argument(
        "--mock-b",
        action="append",
        default=[],
        choices=sorted(MOCK_SWITCHES),
        help="demo only: switch the second mock to differ so (repeatable)",
    )
    texts = parser.add_argument_group("texts and sending")
    texts.add_argument(
        "--corpus", type=Path, help="a UTF-8 file, one text a line (default: built-in)"
    )
    texts.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH,
        help=f"texts per request ({DEFAULT_BATCH})",
    )
    texts.add_argument(
        "--workers", type=positive_int, default=8, help="requests in flight at once (8)"
    )
    texts.add_argument("--rate-limit", type=positive_float, metavar="R", help="requests/second")
    texts.add_argument(
        "--timeout", type=positive_float, default=DEFAULT_TIMEOUT, help="seconds per request"
    )
    texts.add_argument("--retries", type=int, default=2, help="retries on 429/503 (2)")
    defaults = Thresholds()
    verdict = parser.add_argument_group("thresholds of the verdict")
    verdict.add_argument(
        "--interchangeable-cosine",
        type=cosine,
        default=defaults.interchangeable,
        help=f"every text at least this: interchangeable ({defaults.interchangeable})",
    )
    verdict.add_argument(
        "--same-model-cosine",
        type=cosine,
        default=defaults.same_model,
        help=f"every text at least this: same model, lower precision ({defaults.same_model})",
    )
    verdict.add_argument(
        "--min-top-k-overlap",
        type=_share,
        default=defaults.top_k_overlap,
        help=f"share of A's top k a mixed index must keep ({defaults.top_k_overlap})",
    )
    verdict.add_argument(
        "--top-k", type=positive_int, default=defaults.top_k, help=f"k ({defaults.top_k})"
    )
    verdict.add_argument(
        "--norm-tolerance",
        type=positive_float,
        default=defaults.norm_tolerance,
        help=f"relative norm difference allowed ({defaults.norm_tolerance})",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=Path("embedcheck-compare"),
        help="where compare.json and compare.html go (embedcheck-compare)",
    )
    network_options.add_arguments(parser)


def _sides(args: argparse.Namespace) -> tuple[SideConfig | None, SideConfig | None]:
    if not args.sides:
        return None, None
    if len(args.sides) != 2:
        raise UsageError(
            f"give two sides (PROFILE=BASE_URL PROFILE=BASE_URL) or none, got {len(args.sides)}"
        )
    if not args.model:
        raise UsageError("--model is needed when sides are given (and --model-b if B's differs)")
    (profile_a, url_a), (profile_b, url_b) = (parse_side(s) for s in args.sides)
    secrets_a = credentials.pick(profile_a, args, os.environ)
    secrets_b = credentials.pick(profile_b, args, os.environ, "b")
    a = SideConfig(
        profile_a, url_a, args.model, args.pooling or "", secrets_a.token, secrets_a.account_id
    )
    b = SideConfig(
        profile_b,
        url_b,
        args.model_b or args.model,
        args.pooling_b or args.pooling or "",
        secrets_b.token,
        secrets_b.account_id,
    )
    return a, b


def _config(args: argparse.Namespace) -> CompareConfig:
    a, b = _sides(args)
    options = SendOptions(
        batch_size=args.batch_size,
        workers=args.workers,
        rate_limit=args.rate_limit,
        timeout=args.timeout,
        retries=max(0, args.retries),
        network=network_options.from_args(args),
    )
    thresholds = Thresholds(
        interchangeable=args.interchangeable_cosine,
        same_model=args.same_model_cosine,
        top_k_overlap=args.min_top_k_overlap,
        norm_tolerance=args.norm_tolerance,
        top_k=args.top_k,
    )
    demo: dict[str, object] = {}
    if a is None:
        if args.model:
            demo["demo_model"] = args.model
        demo["demo_model_b"] = args.model_b or ""
        demo["demo_pooling"] = (args.pooling or "", args.pooling_b or args.pooling or "")
    return CompareConfig(
        a=a,
        b=b,
        mock_b=tuple(args.mock_b),
        corpus=args.corpus,
        send=options,
        thresholds=thresholds,
        report_dir=args.report_dir,
        **demo,  # type: ignore[arg-type]
    )


def run(args: argparse.Namespace) -> int:
    comparison = compare(_config(args))  # a ConfigError is a user mistake: cli.main prints it
    summary(Console(), comparison.to_data(), comparison.reports)
    return comparison.exit_code
