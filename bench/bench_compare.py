"""`embedcheck compare` next to a plain async httpx loop sending the same requests: throughput.

    .venv/bin/python bench/bench_compare.py [--texts 1000] [--rounds 3] [--quick]

Two mock processes (`bench/mock_host.py`, uvicorn with httptools and uvloop, each in its own
process): side A is the first one's Workers AI route, side B the second one's OpenAI route,
the same model on both (bge-base-en-v1.5, so the verdict is interchangeable and nothing but
the corpus is sent: no pooling probe). The corpus is a file of `--texts` distinct lines
(`--corpus FILE`), cut from the built-in corpus's texts (20 languages and scripts, code,
numbers, long texts), each numbered.

- **(a) embedcheck compare**, as users run it: the CLI in a subprocess with its defaults
  (`--workers 8` requests in flight over both sides), once per batch size: 32 texts a request
  (the default) and 1 (every text its own request: the client's cost per request at its
  largest). Its exit status must be 0 and the mocks' own counts must equal the requests its
  report says it sent.
- **(b) the plain loop**: one `httpx.AsyncClient`, 8 requests in flight, replaying the very
  requests the mocks received from (a) in an untimed first run (method, path, credentials and
  body; `bench/raw_load.py`), A's and B's interleaved: the same work for the servers, with
  nothing parsed or judged.

Requests/s is taken over the time spent comparing: compare's own `seconds` (compare.json: from
reading the corpus to the verdict, so sending, parsing the vectors, measuring and diagnosing;
interpreter start-up and the writing of the reports outside, as the loop's start-up is), the
loop's from its first request out to its last reply in. The wall time from process start to
exit is shown too. (a) and (b) take turns, round after round; each figure is the best round.
CPU is the client's (user + system: the subprocess's for (a), this process's for (b)).
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine, raw_load  # noqa: E402
from bench.compare_schemathesis import emit, progress, table  # noqa: E402
from bench.mock_host import MockHost  # noqa: E402
from embedcheck.conformance.compare.corpus import builtin  # noqa: E402

MODEL = "@cf/baai/bge-base-en-v1.5"
ACCOUNT = raw_load.ACCOUNT
WORKERS = 8  # compare's default --workers; the loop keeps as many requests in flight
GOAL = 0.7  # of the plain loop's requests/s
EMBEDCHECK = ROOT / ".venv" / "bin" / "embedcheck"


def write_corpus(path: Path, count: int) -> None:
    """`count` distinct lines: the built-in texts in turn, each numbered, newlines folded."""
    texts = [t.text.replace("\r", " ").replace("\n", " ") for t in builtin().texts]
    lines = [f"{i + 1}. {texts[i % len(texts)]}" for i in range(count)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class CompareRun:
    seconds: float  # compare's own time (compare.json)
    wall: float  # process start to exit
    cpu: float  # the subprocess's user + system
    requests: int  # as the mocks counted them
    texts: int  # distinct texts sent to each side

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_compare(a: MockHost, b: MockHost, token: str, corpus: Path, batch: int) -> CompareRun:
    report = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    before = a.requests_to() + b.requests_to()
    command = [
        str(EMBEDCHECK),
        "compare",
        f"workers-ai={a.base_url()}/client/v4",
        f"openai={b.base_url()}/v1",
        "--model",
        MODEL,
        "--account-id",
        ACCOUNT,
        "--api-token",
        token,
        "--api-key",
        token,
        "--corpus",
        str(corpus),
        "--batch-size",
        str(batch),
        "--workers",
        str(WORKERS),
        "--report-dir",
        str(report),
    ]
    cpu_before = machine.cpu_seconds()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu = machine.cpu_seconds() - cpu_before
    if done.returncode != 0:
        raise SystemExit(f"compare exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    data = json.loads((report / "compare.json").read_text(encoding="utf-8"))
    reached = a.requests_to() + b.requests_to() - before
    said = data["sides"]["A"]["requests"] + data["sides"]["B"]["requests"]
    if reached != said or data["verdict"] != "interchangeable":
        raise SystemExit(
            f"compare said {said} requests, the mocks saw {reached}: {data['verdict']}"
        )
    return CompareRun(data["seconds"], wall, cpu, reached, data["corpus"]["sent"])


def recorded(a: MockHost, b: MockHost, token: str, corpus: Path, batch: int) -> list[raw_load.Sent]:
    """What the mocks received from one (untimed) compare run, A's and B's interleaved, each
    request aimed at its own mock (an absolute URL: httpx leaves it as it is)."""
    a.record()
    b.record()
    run_compare(a, b, token, corpus, batch)
    sides = []
    for host in (a, b):
        sides.append(
            [
                raw_load.Sent(s.method, host.base_url() + s.target, s.headers, s.body)
                for s in map(raw_load.Sent.from_json, host.recorded())
            ]
        )
    mixed = [s for pair in zip(*sides, strict=True) for s in pair]
    if len(mixed) != sum(map(len, sides)):
        raise SystemExit("the two sides received different numbers of requests")
    return mixed


@dataclass(frozen=True)
class LoopRun:
    seconds: float
    cpu: float
    requests: int
    failed: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_loop(requests: list[raw_load.Sent]) -> LoopRun:
    cpu_before = time.process_time()
    result = raw_load.replay("http://127.0.0.1", requests, concurrency=WORKERS)
    cpu = time.process_time() - cpu_before
    if result.failed:
        raise SystemExit(f"the plain loop got failures: {dict(result.statuses)}")
    return LoopRun(result.wall, cpu, result.requests, result.failed)


@dataclass(frozen=True)
class Row:
    batch: int
    compare: CompareRun
    loop: LoopRun

    @property
    def ratio(self) -> float:
        return self.compare.rate / self.loop.rate


def measure(a: MockHost, b: MockHost, token: str, corpus: Path, batch: int, rounds: int) -> Row:
    replayed = recorded(a, b, token, corpus, batch)
    compares, loops = [], []
    for i in range(rounds):
        progress(f"batch {batch}: round {i + 1}/{rounds}")
        compares.append(run_compare(a, b, token, corpus, batch))
        loops.append(run_loop(replayed))
    return Row(batch, min(compares, key=lambda r: r.seconds), min(loops, key=lambda r: r.seconds))


def report(rows: list[Row], texts: int, rounds: int) -> list[str]:
    lines = [
        f"### embedcheck compare vs a plain httpx loop ({texts} texts, {WORKERS} in flight, "
        f"best of {rounds})",
        "",
        *machine.describe(),
        "",
    ]
    body = []
    for row in rows:
        c, loop = row.compare, row.loop
        body.append(
            [
                f"{row.batch}",
                f"(a) embedcheck compare: {c.texts} texts to each side",
                f"{c.requests}",
                f"{c.seconds:.2f} (wall {c.wall:.2f})",
                f"{c.rate:.0f}",
                f"{c.cpu / c.requests * 1000:.2f} (process, start-up included)",
            ]
        )
        body.append(
            [
                f"{row.batch}",
                "(b) plain httpx async loop, the same requests",
                f"{loop.requests}",
                f"{loop.seconds:.2f}",
                f"{loop.rate:.0f}",
                f"{loop.cpu / loop.requests * 1000:.2f}",
            ]
        )
    lines += table(
        ["texts/request", "client", "requests", "seconds", "requests/s", "client CPU ms/request"],
        body,
    )
    lines += [
        "",
        *table(
            ["texts/request", "a/b requests/s", f"goal ≥ {GOAL}x", "a/b, a's start-up included"],
            [
                [
                    f"{r.batch}",
                    f"{r.ratio:.2f}x",
                    "met" if r.ratio >= GOAL else "NOT met",
                    f"{r.loop.seconds / r.compare.wall:.2f}x",
                ]
                for r in rows
            ],
        ),
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000, help="lines of the corpus (1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; best is shown (3)")
    parser.add_argument("--batches", default="32,1", help="texts per request, each measured")
    parser.add_argument("--quick", action="store_true", help="smoke run: 60 texts, one round")
    args = parser.parse_args()
    texts, rounds = (60, 1) if args.quick else (args.texts, args.rounds)
    token = secrets.token_hex(18)  # never starts with '-', which argparse reads as an option
    with tempfile.TemporaryDirectory() as directory, MockHost(token) as a, MockHost(token) as b:
        corpus = Path(directory) / "corpus.txt"
        write_corpus(corpus, texts)
        rows = [
            measure(a, b, token, corpus, int(batch), rounds) for batch in args.batches.split(",")
        ]
    emit([*report(rows, texts, rounds), "", f"- load average at the end: {machine.load_average()}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
