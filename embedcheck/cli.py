"""The `embedcheck` command: parses arguments and dispatches; the work lives in the packages.

Each subcommand is a module in `embedcheck/commands/` with `configure(parser)` and
`run(args) -> int`, listed in COMMANDS below. Only the module of the command being run is
imported, so `embedcheck --help` and light commands do not pay for the mock server, the
generator or Hypothesis.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from embedcheck.errors import EmbedcheckError, UsageError
from embedcheck.schemas.location import ROOT_ENV, usable_root

EXIT_USAGE = 2


@dataclass(frozen=True)
class Command:
    group: str | None  # None: a top-level command
    name: str
    help: str

    @property
    def module(self) -> str:
        prefix = f"{self.group}_" if self.group else ""
        return f"embedcheck.commands.{prefix}{self.name}"


COMMANDS = (
    Command(
        None, "run", "check an embedding endpoint against the schemas (no target: the bundled mock)"
    ),
    Command(
        None,
        "mock",
        "run the reference mock server (Workers AI + OpenAI embeddings), optionally with faults",
    ),
    Command(None, "compare", "are two endpoints' embeddings interchangeable? (none: a mock demo)"),
    Command(
        None,
        "generate",
        "generate typed clients from the effective schemas (--check: exit 1 with a diff if stale)",
    ),
    Command(
        "schemas",
        "lint",
        "report oneOf variants one instance satisfies at once (raw schemas, or --effective)",
    ),
    Command(
        "schemas", "diff", "classify the changes between two schema files (or directories of them)"
    ),
    Command(
        "schemas",
        "sync",
        "fetch upstream schemas, print the classified diff, write the tree all together",
    ),
    Command(
        "schemas",
        "add",
        "bring a new model in: schemas (local files or upstream), facts, derived overlays",
    ),
    Command("schemas", "openapi", "write an OpenAPI 3.1 document built from the effective schemas"),
)
GROUP_HELP = {"schemas": "the vendored schemas: lint, diff, sync, add, openapi"}
GLOBAL_SCHEMAS_DIR = "--schemas-dir"
# These create or initialise a tree, so they check the directory themselves (--init).
WRITERS = {("schemas", "sync"), ("schemas", "add")}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _selected(argv: Sequence[str]) -> Command | None:
    """The command named on the command line, if any: its module is the only one imported."""
    words = [word for word in argv if not word.startswith("-")]
    for command in COMMANDS:
        if words[:2] == [command.group, command.name] or (
            command.group is None and words[:1] == [command.name]
        ):
            return command
    return None


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = _Parser(prog="embedcheck", description="Check embedding APIs against their schemas.")
    parser.add_argument(
        GLOBAL_SCHEMAS_DIR,
        metavar="DIR",
        help="use the schemas tree in DIR (a manifest.json, raw files, overlays/) for every "
        "command, and for the processes they start (sets $EMBEDCHECK_SCHEMAS_DIR)",
    )
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[_Parser]] = {}
    selected = _selected(argv)
    for command in COMMANDS:
        target = top
        if command.group is not None:
            if command.group not in groups:
                group_parser = top.add_parser(command.group, help=GROUP_HELP[command.group])
                groups[command.group] = group_parser.add_subparsers(
                    dest=f"{command.group}_command", required=True, metavar="COMMAND"
                )
            target = groups[command.group]
        sub = target.add_parser(command.name, help=command.help, description=command.help)
        if command == selected:
            module = importlib.import_module(command.module)
            module.configure(sub)
            sub.set_defaults(handler=module.run)
    return parser


def _global_schemas_dir(argv: list[str]) -> tuple[list[str], str | None]:
    """argv without the global `--schemas-dir DIR` (given before the command), and DIR."""
    rest, value = [], None
    index = 0
    while index < len(argv):
        word = argv[index]
        if not word.startswith("-"):
            rest.extend(argv[index:])  # the command: its own options follow
            break
        if word == GLOBAL_SCHEMAS_DIR:
            if index + 1 >= len(argv):
                raise UsageError(f"{GLOBAL_SCHEMAS_DIR} needs a directory")
            value, index = argv[index + 1], index + 2
            continue
        if word.startswith(GLOBAL_SCHEMAS_DIR + "="):
            value = word.split("=", 1)[1]
        else:
            rest.append(word)
        index += 1
    return rest, value


def _use_schemas_dir(value: str, command: Command | None) -> None:
    """Point this process and its children at the tree in `value`."""
    path = Path(value)
    if command is None or (command.group, command.name) not in WRITERS:
        path = usable_root(path, GLOBAL_SCHEMAS_DIR)  # sync/add check it, --init included
    os.environ[ROOT_ENV] = str(path.expanduser().resolve())


def main(argv: Sequence[str] | None = None) -> int:
    # Before numpy loads: the suite's matrices are small (at most maxItems x dims), so
    # OpenBLAS's thread pool costs more than it saves, and the worker processes already use
    # every core (default run on 2 busy cores: 12.0 s vs 16.8 s, then 9.9 vs 12.0 s).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    arguments = list(sys.argv[1:] if argv is None else argv)
    saved = os.environ.get(ROOT_ENV)
    try:
        arguments, schemas_dir = _global_schemas_dir(arguments)
        if schemas_dir is not None:
            _use_schemas_dir(schemas_dir, _selected(arguments))
        args = build_parser(arguments).parse_args(arguments)
        code: int = args.handler(args)
        return code
    except EmbedcheckError as exc:
        # Every layer's user mistake derives from this one root (embedcheck.errors).
        print(f"embedcheck: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("embedcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`embedcheck ... | head`): stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    finally:
        # main() may run inside a longer process (tests, the pytest plugin): leave it as found.
        if saved is None:
            os.environ.pop(ROOT_ENV, None)
        else:
            os.environ[ROOT_ENV] = saved
