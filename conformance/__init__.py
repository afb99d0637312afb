"""The conformance suite: Hypothesis-driven checks of an embedding endpoint against the schemas.

- `job`: the `embedcheck run` job (targets, the run, the reports); `verdict`: exit statuses
- `engine`: the plan, one unit (boundaries then Hypothesis), worker processes, the breaker
- `http`: the transport (one exchange, failures as data), connections, proxies, rate limits
- `generation`: texts, limits, mutations, payloads per variant, scenarios
- `vocabulary`: what is sent and what came back (the checks depend on it, not on generation)
- `profiles`: workers-ai, openai, worker; `checks`: the registry of small named checks
- `reports`: the result model, its typed data, the json/junit/html/terminal views
- `compare`: `embedcheck compare`; `pytest_plugin`: the same checks inside pytest
- `mock`: the reference server with fault switches (imports only embedcheck.schemas)
"""
