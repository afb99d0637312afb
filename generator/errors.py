"""Errors the generator reports as one line (the CLI exits 2 on them)."""

from embedcheck.schemas.errors import SchemaError


class GeneratorError(SchemaError):
    """A schema the generator cannot turn into code, or an output it cannot write."""
