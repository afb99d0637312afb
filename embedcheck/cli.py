"""The `embedcheck` command: parses arguments and dispatches; the work lives in the packages.

Each module in `embedcheck/commands/` adds one subcommand: it defines `GROUP` (None for a
top-level command, or the group it belongs to, e.g. "schemas"), `NAME`, `HELP`, `configure(parser)`
and `run(args) -> int`. Modules are found at start-up, so adding a command touches no other file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from embedcheck import commands
from embedcheck.errors import UsageError
from schemas.errors import SchemaError

EXIT_USAGE = 2
GROUP_HELP = {"schemas": "the vendored schemas: lint, diff, sync, openapi"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def command_modules() -> list[ModuleType]:
    names = sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    return [importlib.import_module(f"{commands.__name__}.{name}") for name in names]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="embedcheck", description="Check embedding APIs against their schemas.")
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict[str, argparse._SubParsersAction[_Parser]] = {}
    for module in command_modules():
        group: str | None = module.GROUP
        if group is None:
            target = top
        else:
            if group not in groups:
                group_parser = top.add_parser(group, help=GROUP_HELP.get(group, ""))
                groups[group] = group_parser.add_subparsers(
                    dest=f"{group}_command", required=True, metavar="COMMAND"
                )
            target = groups[group]
        sub = target.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        code: int = args.handler(args)
        return code
    except UsageError as exc:
        print(f"embedcheck: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SchemaError as exc:
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
