"""`embedcheck schemas openapi`: write an OpenAPI 3.1 document built from the effective schemas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from embedcheck.errors import UsageError
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.openapi import PROFILES, build_openapi


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=PROFILES, default="workers-ai")
    parser.add_argument("--server-url", help="the servers[0].url to put in the document")
    parser.add_argument("-o", "--output", type=Path, help="write to FILE instead of stdout")


def run(args: argparse.Namespace) -> int:
    text = dump_json(build_openapi(args.profile, args.server_url))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {args.output} ({args.profile} profile)", file=sys.stderr)
    return 0
