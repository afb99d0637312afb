"""Argument types shared by the commands that send requests (`run`, `compare`): a bad value is
argparse's one-line usage error naming it, never a traceback."""

from __future__ import annotations

import argparse


def _number(text: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(text)
    except ValueError:
        name = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {name}, got {text!r}") from None


def positive_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(_number(text, float))
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def cosine(text: str) -> float:
    value = float(_number(text, float))
    if not -1 <= value <= 1:
        raise argparse.ArgumentTypeError(f"a cosine is between -1 and 1, got {text}")
    return value
