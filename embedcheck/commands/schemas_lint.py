"""`embedcheck schemas lint`: report oneOf variants that one instance satisfies at once."""

from __future__ import annotations

import argparse

from rich.console import Console

from embedcheck.schemas.lint import files_to_lint, lint_files


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "models",
        nargs="*",
        metavar="MODEL",
        help="model ids or slugs, or openai-embeddings / cloudflare-v4 (default: all)",
    )
    parser.add_argument(
        "--effective",
        action="store_true",
        help="lint the effective schemas (raw + overlays) instead of the raw files",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when anything is found")
    parser.add_argument(
        "--all",
        action="store_true",
        help="also list overlaps an overlay marks as rejected by design",
    )


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False, soft_wrap=True)
    files = files_to_lint(list(args.models))
    overlaps = lint_files(files, effective=args.effective)
    findings = [o for o in overlaps if not o.acknowledged]
    acknowledged = [o for o in overlaps if o.acknowledged]
    kind = "effective" if args.effective else "raw"
    for overlap in findings:
        console.print(f"ambiguous  {overlap.describe()}", markup=False)
    if args.all:
        for overlap in acknowledged:
            console.print(f"intended   {overlap.describe()}", markup=False)
    schemas_hit = len({(o.subject, o.role) for o in findings})
    if findings:
        console.print(
            f"{len(findings)} ambiguous oneOf pairs "
            f"in {schemas_hit} of {len(files)} {kind} schemas",
            markup=False,
        )
    else:
        console.print(f"no ambiguous oneOf variants in {len(files)} {kind} schemas", markup=False)
    if acknowledged and not args.all:
        console.print(
            f"{len(acknowledged)} overlaps are marked rejected-by-design by overlays "
            "(x-embedcheck-overlap); list them with --all",
            markup=False,
        )
    return 1 if args.strict and findings else 0
