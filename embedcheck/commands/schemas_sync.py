"""`embedcheck schemas sync`: fetch the current upstream schemas, print the classified diff
against the vendored copies, and write every file downstream reads, with its new provenance,
all together -- or nothing, when an overlay no longer applies or lint finds a new ambiguity."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path

from embedcheck.errors import UsageError
from embedcheck.schemas.location import writable_root
from embedcheck.schemas.sync import models_to_sync, plan_sync, report_lines, write_sync
from embedcheck.schemas.sync_http import mask
from embedcheck.schemas.sync_sources import (
    API_BASE_URL,
    DOCS_BASE_URL,
    DocsSite,
    ModelSchemaApi,
    Source,
    fetch_all,
)

ACCOUNT_ENV = "CLOUDFLARE_ACCOUNT_ID"
TOKEN_ENV = "CLOUDFLARE_API_TOKEN"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        action="append",
        metavar="MODEL",
        help="a Workers AI model id or slug; repeatable (default: all Workers AI models)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch, diff and print every file that would be written; write nothing",
    )
    parser.add_argument("--verbose", action="store_true", help="list unchanged files too")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write even when an overlay no longer applies or lint finds a new ambiguity",
    )
    add_source_options(parser)
    add_tree_options(parser)


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """Where upstream is and how to reach it, shared by `schemas sync` and `schemas add`."""
    parser.add_argument(
        "--source",
        choices=("docs", "api"),
        default="docs",
        help="docs: the docs site's split files, no credentials (default); api: the "
        "model-schema API, full input/output schemas, needs an account id and a token",
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="seconds per request (30)"
    )
    parser.add_argument(
        "--docs-base-url",
        default=DOCS_BASE_URL,
        metavar="URL",
        help=f"where the docs site serves <slug>/<role>.json (default: {DOCS_BASE_URL})",
    )
    parser.add_argument(
        "--api-base-url",
        default=API_BASE_URL,
        metavar="URL",
        help=f"the Cloudflare v4 API root (default: {API_BASE_URL})",
    )
    parser.add_argument(
        "--account-id", metavar="ID", help=f"Cloudflare account id (default: ${ACCOUNT_ENV})"
    )
    parser.add_argument(
        "--api-token",
        metavar="TOKEN",
        help=f"API token (default: ${TOKEN_ENV}; prefer the variable: flags show in `ps`)",
    )


def add_tree_options(parser: argparse.ArgumentParser) -> None:
    """--schemas-dir and --init, shared by `schemas sync` and `schemas add`."""
    parser.add_argument(
        "--schemas-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the schemas tree to write to (default: $EMBEDCHECK_SCHEMAS_DIR, else this "
        "checkout's schemas/; required when embedcheck is installed)",
    )
    parser.add_argument(
        "--init",
        action="store_true",
        help="start --schemas-dir as a copy of the packaged schemas when it is empty or absent",
    )


def _http_url(value: str, flag: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise UsageError(f"{flag} must be an http:// or https:// URL, got {value!r}")
    return value


def source_of(args: argparse.Namespace) -> Source:
    docs_base = _http_url(args.docs_base_url, "--docs-base-url")
    if args.source == "docs":
        return DocsSite(docs_base)
    account = (args.account_id or os.environ.get(ACCOUNT_ENV, "")).strip()
    token = (args.api_token or os.environ.get(TOKEN_ENV, "")).strip()
    missing = [
        f"{flag} or ${env}"
        for flag, env, value in (
            ("--account-id", ACCOUNT_ENV, account),
            ("--api-token", TOKEN_ENV, token),
        )
        if not value
    ]
    if missing:
        raise UsageError(f"--source api needs {' and '.join(missing)}")
    return ModelSchemaApi(account, token, _http_url(args.api_base_url, "--api-base-url"), docs_base)


def check_timeout(args: argparse.Namespace) -> None:
    if not args.timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {args.timeout}")


def run(args: argparse.Namespace) -> int:
    check_timeout(args)
    source = source_of(args)
    root = writable_root(args.schemas_dir, init=args.init, command="sync")
    models = models_to_sync(root, args.model or [])
    fetched = fetch_all(source, models, args.timeout)
    today = datetime.now(UTC).date().isoformat()
    plan = plan_sync(root, fetched, today=today, source_label=source.label)
    if not args.dry_run and (args.force or not plan.blocked):
        write_sync(plan)
    report = report_lines(plan, dry_run=args.dry_run, force=args.force, verbose=args.verbose)
    for line in report:
        # a server could echo the token inside a schema; it never reaches the terminal
        print(mask(line, source.secret))
    return 1 if plan.blocked else 0
