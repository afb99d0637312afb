"""`--account-id`, `--api-token` and `--api-key`: the credential options of every command that
talks to an endpoint (`run`; `compare` once per side, side B's with a `-b` suffix), and how an
endpoint's profile picks its secret from them and from the environment."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

from embedcheck.conformance.profiles.kinds import KINDS, OPENAI, WORKERS_AI

ACCOUNT_ENV = "CLOUDFLARE_ACCOUNT_ID"
FIELDS = ("account_id", "api_token", "api_key")


def add_arguments(group: argparse._ArgumentGroup, suffix: str = "") -> None:
    """The three options, `suffix` ("b") naming a second side's (which fall back on the first's)."""
    end, whose = (f"-{suffix}", f"side {suffix.upper()}'s ") if suffix else ("", "")
    group.add_argument(f"--account-id{end}", help=f"{whose}Cloudflare account id [{ACCOUNT_ENV}]")
    group.add_argument(
        f"--api-token{end}", help=f"{whose}Cloudflare API token [{WORKERS_AI.secret_env}]"
    )
    group.add_argument(
        f"--api-key{end}", help=f"{whose}OpenAI-compatible API key [{OPENAI.secret_env}]"
    )


@dataclass(frozen=True)
class Credentials:
    token: str | None
    account_id: str | None


def pick(
    profile: str, args: argparse.Namespace, env: Mapping[str, str], suffix: str = ""
) -> Credentials:
    """What an endpoint of `profile` is sent: its own option's secret first (`--api-key` for
    openai, `--api-token` otherwise), then the other option, then the profile's environment
    variable; the account id where the profile needs one. With `suffix`, the side's options
    first and the unsuffixed ones in their place. `env` is {} where no environment secret may
    go (the bundled mock)."""
    given = {name: getattr(args, f"{name}_{suffix}", None) if suffix else None for name in FIELDS}
    chosen = {name: given[name] or getattr(args, name) for name in FIELDS}
    kind = KINDS[profile]
    token = chosen[kind.token_dest] or chosen["api_token"] or chosen["api_key"]
    token = token or env.get(kind.secret_env)
    account_id = chosen["account_id"]
    account = account_id or (env.get(ACCOUNT_ENV) if kind.needs_account else None)
    return Credentials(token, account)
