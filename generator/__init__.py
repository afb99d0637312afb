"""Schemas -> typed Python clients (the `generated` package).

The flow, one module per step: `source` (where schemas come from) -> `prepare` (stable names,
shared classes, oneOf keys) -> `codegen` (datamodel-code-generator as a library) and `build`
(the render model of `render_model`) -> `render` (Jinja templates in `templates/`) ->
`formatting` (ruff) -> `output` (write the tree, or diff it for `--check`). `pipeline` runs it.
"""
