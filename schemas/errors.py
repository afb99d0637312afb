"""Errors a user can cause: the CLI prints them as one line and exits 2."""

from embedcheck.errors import EmbedcheckError


class SchemaError(EmbedcheckError):
    """A schema file, model name or manifest entry that cannot be used as asked."""


class UnknownModelError(SchemaError):
    """A model name that is not in the manifest."""


class SchemaFileError(SchemaError):
    """A schema file that is missing, unreadable or not valid JSON."""
