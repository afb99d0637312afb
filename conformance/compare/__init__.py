"""`embedcheck compare`: are two endpoints' embeddings interchangeable?

The same texts go to both sides; their vectors are compared text by text and as rankings, and
the differences are read for their likely cause before a verdict is given.

- `corpus`: the built-in corpus and retrieval set (package data), or a user's file
- `sides`: one side of the comparison: its request bodies and where its vectors sit in a reply
- `collect`: sends the texts to both sides over the suite's transport, several requests at once
- `measure`: per-text cosines and norms, their distribution, retrieval agreement
- `diagnose`: what the differences look like (pooling, truncation, normalisation, model, precision)
- `verdict`: thresholds and the verdict with the evidence that decided it
- `analysis`: measure, diagnose and decide, from two matrices of vectors (no I/O)
- `report`, `page`: compare.json and the terminal summary; compare.html with its histogram
- `job`: the whole command, the bundled mocks of the demo included
"""
