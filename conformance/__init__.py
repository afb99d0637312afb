"""The conformance suite: Hypothesis-driven checks of an embedding endpoint against the schemas.

- `strategies`: request payloads per oneOf variant, valid by construction or with one mutation
- `scenarios`: what one example sends (one request, or several judged together)
- `checks`: the registry of named checks, each a small function raising `CheckFailed`
- `profiles`, `transport`, `ratelimit`: how requests reach a target, safely
- `runner`: Hypothesis, threads and shrinking; `results`: what a run found, as data
- `report_json`, `report_junit`, `report_html`, `terminal`, `curl`, `redact`: the outputs
- `command`: the `embedcheck run` job; `pytest_plugin`: the same checks inside pytest
- `mock`: the reference server with fault switches
"""
