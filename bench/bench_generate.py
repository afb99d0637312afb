"""Benchmark: generation time, and the generated clients' per-call overhead.

    .venv/bin/python bench/bench_generate.py [--quick]

1. `generate` (schemas -> formatted files -> written tree) and `generate --check` (schemas ->
   files -> diff against generated/): in this process (first run, then warm) and as the CLI
   in a fresh process (interpreter start and every command module's imports included).
2. Per call, side by side in one run, against the mock server in-process (ASGI transport, one
   event loop, no sockets, so the client's own work is what differs):
   - Workers AI route: the generated AsyncClient's `embed` against a raw httpx POST of the same
     body whose JSON reply is decoded;
   - OpenAI route: the generated AsyncOpenAIClient against the same raw httpx POST and against
     the official `openai` SDK (AsyncOpenAI over its own ASGI transport).
   Calls are interleaved round-robin so drift hits every contender alike; medians are reported.
Goals: <= 1.15x raw httpx; faster than the openai SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import httpx2  # noqa: E402
import openai  # noqa: E402
from workers_ai_embeddings import AsyncClient, AsyncOpenAIClient  # noqa: E402

from embedcheck.conformance.mock import MockConfig, create_app  # noqa: E402
from embedcheck.generator.output import drift, write_tree  # noqa: E402
from embedcheck.generator.pipeline import generate_files, generate_project  # noqa: E402

MODEL = "@cf/baai/bge-small-en-v1.5"
TEXT = "The quick brown fox jumps over the lazy dog."
TOKEN = "bench-token"
Call = Callable[[], Awaitable[Any]]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cli(*args: str) -> None:
    command = [sys.executable, "-m", "embedcheck", "generate", *args]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)


def bench_generation(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "generated"
        full = [timed(lambda: write_tree(generate_files(), out)) for _ in range(runs)]
        committed = ROOT / "generated"
        check = [timed(lambda: drift(generate_project(committed), committed)) for _ in range(runs)]
        cli_full = timed(lambda: cli("--output", str(out)))
        cli_check = timed(lambda: cli("--check"))
    warm = statistics.median(full[1:] or full)
    print(f"in-process  generate: first {full[0]:.2f} s, then median {warm:.2f} s ({runs} runs)")
    print(f"in-process  generate --check: median {statistics.median(check):.2f} s")
    print(f"CLI process `embedcheck generate`: {cli_full:.2f} s; `--check`: {cli_check:.2f} s")


async def race(contenders: dict[str, Call], rounds: int, warmup: int) -> dict[str, float]:
    """Median seconds per call of each contender, interleaved round-robin."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for round_ in range(warmup + rounds):
        for name, call in contenders.items():
            start = time.perf_counter()
            await call()
            if round_ >= warmup:
                samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, medians: dict[str, float], baseline: str) -> None:
    print(title)
    for name, seconds in medians.items():
        ratio = seconds / medians[baseline]
        print(f"  {name:<28} {seconds * 1e6:8.0f} us/call   {ratio:5.2f}x {baseline}")


async def bench_clients(rounds: int, warmup: int) -> None:
    app = create_app(MockConfig(api_token=TOKEN))
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
    raw = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    ours = AsyncClient(
        "acct",
        TOKEN,
        base_url="http://mock/client/v4",
        http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
    )
    sdk = openai.AsyncOpenAI(
        api_key=TOKEN,
        base_url="http://mock/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app)),
        max_retries=0,
    )
    ours_openai = AsyncOpenAIClient(
        TOKEN,
        base_url="http://mock/v1",
        http_client=httpx.AsyncClient(transport=httpx.ASGITransport(app=app)),
    )
    run_body = json.dumps({"text": [TEXT]}).encode()
    openai_body = json.dumps({"input": [TEXT], "model": MODEL, "encoding_format": "float"}).encode()
    run_url = f"http://mock/client/v4/accounts/acct/ai/run/{MODEL}"

    async def raw_run() -> Any:
        response = await raw.post(run_url, content=run_body, headers=headers)
        return response.json()["result"]["data"]

    async def raw_openai() -> Any:
        response = await raw.post("http://mock/v1/embeddings", content=openai_body, headers=headers)
        return [item["embedding"] for item in response.json()["data"]]

    async def ours_run() -> Any:
        return (await ours.bge_small_en_v1_5.embed([TEXT])).data

    async def ours_run_unvalidated() -> Any:
        ours.validate = False
        try:
            return (await ours.bge_small_en_v1_5.embed([TEXT])).data
        finally:
            ours.validate = True

    async def ours_openai_call() -> Any:
        return await ours_openai.embed([TEXT], model=MODEL, encoding_format="float")

    async def sdk_call() -> Any:
        reply = await sdk.embeddings.create(input=[TEXT], model=MODEL, encoding_format="float")
        return [item.embedding for item in reply.data]

    assert len((await ours_run())[0]) == len((await raw_run())[0]) == 384
    assert await ours_openai_call() == await raw_openai() == await sdk_call()
    workers = await race(
        {
            "raw httpx POST": raw_run,
            "generated AsyncClient": ours_run,
            "  (validate=False)": ours_run_unvalidated,
        },
        rounds,
        warmup,
    )
    openai_route = await race(
        {
            "raw httpx POST": raw_openai,
            "generated AsyncOpenAIClient": ours_openai_call,
            "openai SDK AsyncOpenAI": sdk_call,
        },
        rounds,
        warmup,
    )
    report(f"Workers AI route, {MODEL}, 1 text, {rounds} calls each", workers, "raw httpx POST")
    report(f"OpenAI route, {MODEL}, 1 text, {rounds} calls each", openai_route, "raw httpx POST")
    sdk_ratio = openai_route["generated AsyncOpenAIClient"] / openai_route["openai SDK AsyncOpenAI"]
    print(f"  generated vs openai SDK: {sdk_ratio:.2f}x (below 1 is faster)")
    await ours.close()
    await ours_openai.close()
    await raw.aclose()
    await sdk.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny budget (smoke run)")
    args = parser.parse_args()
    bench_generation(runs=2 if args.quick else 5)
    rounds, warmup = (30, 5) if args.quick else (600, 50)
    asyncio.run(bench_clients(rounds, warmup))


if __name__ == "__main__":
    main()
