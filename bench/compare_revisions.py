"""Two versions of embedcheck side by side: a git revision and the working tree, one run.

    .venv/bin/python bench/compare_revisions.py [REV] [--rounds N] [--max-examples N] [--quick]

REV (default HEAD) is checked out into a temporary git worktree; both versions then run
`embedcheck run --profile workers-ai --max-examples N --seed 1` against one mock process
(bench/mock_host.py) in alternating rounds, so that drift on a shared machine hits both, with
this environment's installed packages. Printed per version: embedcheck's own run time in each
round (from planning its units to the last result, as its report says), and the medians of
run time, wall time (process start to exit), the tool's CPU and the mock's CPU.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import embedcheck_tool, machine  # noqa: E402
from bench.machine import table  # noqa: E402
from bench.mock_host import MockHost  # noqa: E402


@contextmanager
def worktree(revision: str, directory: Path) -> Iterator[Path]:
    """`revision` checked out at `directory` (a git worktree, removed afterwards)."""
    git = ["git", "-C", str(ROOT)]
    subprocess.run(
        [*git, "worktree", "add", "--detach", str(directory), revision],
        check=True,
        capture_output=True,
    )
    try:
        yield directory
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(directory)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", nargs="?", default="HEAD", help="git revision (HEAD)")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each version")
    parser.add_argument("--max-examples", type=int, default=100, help="per scenario and model")
    parser.add_argument("--workers", type=int, default=4, help="requests in flight")
    parser.add_argument("--quick", action="store_true", help="a tiny budget (CI smoke run)")
    args = parser.parse_args()
    rounds, examples = (1, 2) if args.quick else (args.rounds, args.max_examples)
    token = f"bench-{secrets.token_urlsafe(18)}"
    figures: dict[str, list[tuple[float, float, float, float]]] = {}
    print("## embedcheck, two versions side by side\n")
    print("\n".join(machine.describe()) + "\n")
    with (
        tempfile.TemporaryDirectory() as scratch,
        worktree(args.revision, Path(scratch) / "old") as old,
        MockHost(token) as host,
    ):
        versions = {args.revision: old, "working tree": ROOT}
        for number in range(rounds):
            for name, source in versions.items():
                cpu, mock_cpu = machine.cpu_seconds(), host.cpu_seconds()
                done = embedcheck_tool.run_cli(
                    host.base_url(None),
                    token,
                    Path(scratch),
                    max_examples=examples,
                    seed=1,
                    workers=args.workers,
                    source=source,
                )
                if done.exit_code != 0:
                    raise SystemExit(f"compare_revisions: {name} failed on the clean mock")
                spent = (
                    done.running_time,
                    done.wall,
                    machine.cpu_seconds() - cpu,
                    host.cpu_seconds() - mock_cpu,
                )
                figures.setdefault(name, []).append(spent)
                print(f"round {number + 1}, {name}: run {done.running_time:.2f} s", file=sys.stderr)

    def median(name: str, column: int) -> float:
        return statistics.median(f[column] for f in figures[name])

    print(
        f"### `embedcheck run --profile workers-ai --max-examples {examples} --seed 1`, "
        f"{rounds} alternating rounds\n"
    )
    rows = [
        (
            name,
            " ".join(f"{f[0]:.2f}" for f in runs),
            *(f"{median(name, column):.2f}" for column in range(4)),
        )
        for name, runs in figures.items()
    ]
    header = ("version", "run s, each round", "median run s", "median wall s")
    print("\n".join(table((*header, "median tool CPU s", "median mock CPU s"), rows)))
    old_name, new_name = list(figures)
    print(
        f"\nrun time, {old_name} / working tree: {median(old_name, 0) / median(new_name, 0):.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
