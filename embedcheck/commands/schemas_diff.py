"""`embedcheck schemas diff OLD NEW`: classify schema changes as breaking for clients, for
servers, or compatible (the rules are in `embedcheck.schemas.diff`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from embedcheck.errors import UsageError
from embedcheck.schemas.diff_files import (
    DirectionUnknownError,
    diff_paths,
    format_paths_diff,
    paths_diff_as_json,
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "old", metavar="OLD", type=Path, help="the earlier schema file or directory"
    )
    parser.add_argument("new", metavar="NEW", type=Path, help="the later schema file or directory")
    parser.add_argument(
        "--direction",
        choices=("request", "response"),
        help="what the schemas describe (default: guessed from each file name, "
        "input/request or output/response)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", dest="output_format")
    parser.add_argument(
        "--fail-on",
        choices=("client", "server", "any"),
        help="exit 1 when a change breaks clients, servers, or either",
    )


def run(args: argparse.Namespace) -> int:
    try:
        result = diff_paths(args.old, args.new, args.direction)
    except DirectionUnknownError as exc:
        raise UsageError(f"{exc}; pass --direction request or --direction response") from None
    if args.output_format == "json":
        print(json.dumps(paths_diff_as_json(result), indent=2, ensure_ascii=False))
    else:
        print(format_paths_diff(result))
    return 1 if args.fail_on and result.breaks(args.fail_on) else 0
