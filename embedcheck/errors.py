"""Errors raised by command modules for mistakes a user made calling them."""


class UsageError(Exception):
    """One line on stderr, exit 2: a bad argument, an unreachable target, a missing file."""
