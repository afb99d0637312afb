"""`embedcheck schemas add MODEL_ID`: bring a new model into a schemas tree -- its schemas
(from local files or from upstream), its facts, the overlays its ambiguities need -- checked
as `schemas lint --effective --strict` would before anything is written."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from embedcheck.commands.schemas_sync import (
    add_source_options,
    add_tree_options,
    check_timeout,
    source_of,
)
from embedcheck.errors import UsageError
from embedcheck.schemas.add import plan_add, slug_of, split_files, write_add
from embedcheck.schemas.gate import decode
from embedcheck.schemas.jsonfile import read_json
from embedcheck.schemas.location import writable_root
from embedcheck.schemas.manifest import ModelRecord
from embedcheck.schemas.sync import derive_full_files
from embedcheck.schemas.sync_http import FetchError, mask
from embedcheck.schemas.sync_sources import Fetched, fetch_all, model_file, require_schema

LOCAL_NOTE = "added by embedcheck schemas add from a local file"


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {number}")
    return number


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "model_id", metavar="MODEL_ID", help="the model name, e.g. @cf/acme/embed-x"
    )
    parser.add_argument("--dims", type=_positive, required=True, help="vector length")
    parser.add_argument(
        "--max-input-tokens",
        type=_positive,
        required=True,
        metavar="N",
        help="tokens one input may hold",
    )
    parser.add_argument(
        "--context-window", type=_positive, metavar="N", help="the model record's context window"
    )
    parser.add_argument("--notes", default="", help="a note kept in the manifest record")
    parser.add_argument(
        "--provider",
        default="workers-ai",
        choices=("workers-ai",),
        help="the API profile that serves the model (workers-ai)",
    )
    parser.add_argument(
        "--input", type=Path, metavar="FILE", help="the full input schema (with --output)"
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="the full output schema (with --input)"
    )
    parser.add_argument(
        "--source-url",
        metavar="URL",
        help="where the local files were published (recorded as provenance; default: file://)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be written; write nothing"
    )
    add_source_options(parser)
    add_tree_options(parser)


def _local_files(args: argparse.Namespace, record: ModelRecord) -> list[Fetched]:
    files = []
    for role, path in (("input", args.input), ("output", args.output)):
        read_json(path)  # one-line error for a missing or broken file
        content = path.read_bytes()
        try:
            require_schema(decode(content), str(path))
        except FetchError as exc:
            raise UsageError(str(exc)) from None
        url = args.source_url or path.resolve().as_uri()
        files.append(
            Fetched(
                model_file(record, role), record.id, role, content, "upstream", url, note=LOCAL_NOTE
            )
        )
    return files


def _upstream_files(args: argparse.Namespace, record: ModelRecord, root: Path) -> list[Fetched]:
    """As `schemas sync` fetches them: the API's full schemas with the split files derived,
    or the docs site's split files with the full schemas derived (full files first)."""
    fetched = fetch_all(source_of(args), [record], args.timeout)
    if not any(f.role == "input" for f in fetched):
        derived, _ = derive_full_files(root, fetched)
        fetched = derived + fetched
    return sorted(fetched, key=lambda f: f.role not in ("input", "output"))


def run(args: argparse.Namespace) -> int:
    if (args.input is None) != (args.output is None):
        raise UsageError("--input and --output go together (or neither: fetch from --source)")
    check_timeout(args)
    record = ModelRecord(
        id=args.model_id.strip(),
        provider=args.provider,
        slug=slug_of(args.model_id.strip()),
        dims=args.dims,
        max_input_tokens=args.max_input_tokens,
        context_window=args.context_window,
        notes=args.notes,
    )
    root = writable_root(args.schemas_dir, init=args.init, command="add")
    if args.input:
        full = _local_files(args, record)
        files = full + split_files(record, full)
    else:
        files = _upstream_files(args, record, root)
    today = datetime.now(UTC).date().isoformat()
    plan = plan_add(root, record, files, today=today)
    secret = None if args.input else source_of(args).secret
    for entry in plan.files:
        print(mask(f"{entry.path}: {entry.origin} ({entry.source_url})", secret))
    for path in plan.overlays:
        print(f"{path}: overlay derived (review it)")
    for problem in plan.problems:
        print(mask(f"error: {problem}", secret))
    if plan.problems:
        print(f"{len(plan.problems)} problems above: nothing written")
        return 1
    checked = len(plan.files)
    print(f"lint --effective --strict: no ambiguous oneOf variants in {checked} schemas")
    if args.dry_run:
        print(f"dry run: would write {len(plan.writes())} files into {root}, nothing written")
        return 0
    written = write_add(plan)
    print(f"added {record.id} ({record.dims} dims): wrote {len(written)} files into {root}")
    return 0
