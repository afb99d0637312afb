"""`embedcheck generate`: write the generated client project, or check that it is fresh.

The project (pyproject.toml, README.md, the import package) goes to generated/ of a source
checkout, or wherever `--output` says; an installed embedcheck has no default, so nothing is
ever written into site-packages.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from embedcheck.errors import UsageError

GENERATE_EXTRA = "pip install 'embedcheck[generate]'"
# What `generate` needs beyond embedcheck's runtime: the [generate] extra.
_GENERATE_MODULES = {"datamodel_code_generator": "datamodel-code-generator", "ruff": "ruff"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory; exit 1 and print a unified diff when the tree is stale",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="DIR",
        help="the generated project's directory (default: generated/ of this checkout; "
        "required when embedcheck is installed)",
    )
    parser.add_argument(
        "--package-name",
        default=None,
        metavar="NAME",
        help="the import name of the generated package (default: workers_ai_embeddings; the "
        "distribution name is the same with dashes)",
    )
    parser.add_argument(
        "--schemas",
        type=Path,
        default=None,
        metavar="DIR",
        help="read schemas from a tree laid out like schemas/ (default: the schemas in use)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=None,
        metavar="DIR",
        help="a directory of templates that override the built-in ones by file name",
    )


def require_generate_extra() -> None:
    missing = [dist for module, dist in _GENERATE_MODULES.items() if not _importable(module)]
    if missing:
        raise UsageError(f"embedcheck generate needs {' and '.join(missing)}: {GENERATE_EXTRA}")


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _output(args: argparse.Namespace) -> Path:
    from embedcheck.generator.output import default_output

    output: Path | None = args.output or default_output()
    if output is None:
        raise UsageError(
            "embedcheck is installed, not run from a checkout: pass --output DIR "
            "(the generated project is never written into the installed package)"
        )
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output}: not a directory")
    return output


def run(args: argparse.Namespace) -> int:
    for option, path in (("--schemas", args.schemas), ("--templates", args.templates)):
        if path is not None and not path.is_dir():
            raise UsageError(f"{option} {path}: not a directory")
    output = _output(args)
    require_generate_extra()
    # Imported here: datamodel-code-generator and Jinja need not load for every other command.
    from embedcheck.generator.output import drift, write_tree
    from embedcheck.generator.pipeline import DEFAULT_PACKAGE, check_package_name, generate_project
    from embedcheck.generator.source import DirectorySource, SchemaSource, VendoredSource
    from embedcheck.generator.versioning import RECORD_FILE, record_version

    package_name = check_package_name(args.package_name or DEFAULT_PACKAGE)
    source: SchemaSource = (
        VendoredSource() if args.schemas is None else DirectorySource(args.schemas)
    )
    files = generate_project(output, source, args.templates, package_name=package_name)
    if args.check:
        diff = drift(files, output)
        if diff:
            sys.stdout.write(diff)
            print(f"{output} is stale: run `embedcheck generate`", file=sys.stderr)
            return 1
        print(f"{output} is up to date ({len(files)} files)", file=sys.stderr)
        return 0
    report = write_tree(files, output)
    version = record_version(files[f"{package_name}/{RECORD_FILE}"])
    print(
        f"{output}: {len(report.written)} written, {len(report.removed)} removed, "
        f"{len(files) - len(report.written)} unchanged; {package_name} {version}",
        file=sys.stderr,
    )
    for relative in report.kept:
        print(f"note: {relative} is not generated; left in place", file=sys.stderr)
    return 0
