"""`embedcheck generate`: write the typed clients in generated/, or check that they are fresh."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from embedcheck.errors import UsageError
from embedcheck.generator.output import DEFAULT_OUTPUT, drift, write_tree
from embedcheck.generator.source import DirectorySource, SchemaSource, VendoredSource


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory; exit 1 and print a unified diff when the tree is stale",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help="the generated package's directory (default: generated/ of this checkout)",
    )
    parser.add_argument(
        "--schemas",
        type=Path,
        default=None,
        metavar="DIR",
        help="read schemas from a tree laid out like schemas/ (default: the vendored ones)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=None,
        metavar="DIR",
        help="a directory of templates that override the built-in ones by file name",
    )


def run(args: argparse.Namespace) -> int:
    for option, path in (("--schemas", args.schemas), ("--templates", args.templates)):
        if path is not None and not path.is_dir():
            raise UsageError(f"{option} {path}: not a directory")
    if args.output.exists() and not args.output.is_dir():
        raise UsageError(f"--output {args.output}: not a directory")
    # Imported here: datamodel-code-generator and Jinja need not load for every other command.
    from embedcheck.generator.pipeline import generate_files

    source: SchemaSource = (
        VendoredSource() if args.schemas is None else DirectorySource(args.schemas)
    )
    files = generate_files(source, args.templates)
    if args.check:
        diff = drift(files, args.output)
        if diff:
            sys.stdout.write(diff)
            print(f"{args.output} is stale: run `embedcheck generate`", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({len(files)} files)", file=sys.stderr)
        return 0
    report = write_tree(files, args.output)
    print(
        f"{args.output}: {len(report.written)} written, {len(report.removed)} removed, "
        f"{len(files) - len(report.written)} unchanged",
        file=sys.stderr,
    )
    for relative in report.kept:
        print(f"note: {relative} is not generated; left in place", file=sys.stderr)
    return 0
