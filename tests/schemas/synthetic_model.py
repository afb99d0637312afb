"""A model of our own making, unlike the bge models on purpose: other dims, a list limit of 32,
a new input enum (`encoding`) and a new boolean (`normalize`), and an async batch variant."""

from __future__ import annotations

from typing import Any

MODEL_ID = "@cf/acme/embed-x"
SLUG = "embed-x"
DIMS = 256
MAX_ITEMS = 32
MAX_INPUT_TOKENS = 2048
ENCODINGS = ["float", "int8", "binary"]


def _text() -> dict[str, Any]:
    return {
        "oneOf": [
            {"type": "string", "minLength": 1, "description": "The text to embed"},
            {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "maxItems": MAX_ITEMS,
                "description": "Batch of texts",
            },
        ]
    }


def _options() -> dict[str, Any]:
    return {
        "encoding": {"type": "string", "enum": list(ENCODINGS), "default": "float"},
        "normalize": {"type": "boolean", "default": True, "description": "L2-normalise"},
    }


def input_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "oneOf": [
            {
                "title": "Acme Embed Input",
                "properties": {"text": _text(), **_options()},
                "required": ["text"],
            },
            {
                "properties": {
                    "requests": {
                        "type": "array",
                        "description": "Batch of embedding requests for the async queue",
                        "items": {
                            "type": "object",
                            "properties": {"text": _text(), **_options()},
                            "required": ["text"],
                        },
                    }
                },
                "required": ["requests"],
            },
        ],
    }


def output_schema() -> dict[str, Any]:
    return {
        "oneOf": [
            {
                "type": "object",
                "contentType": "application/json",
                "properties": {
                    "shape": {"type": "array", "items": {"type": "number"}},
                    "data": {
                        "type": "array",
                        "items": {"type": "array", "items": {"type": "number"}},
                    },
                    "encoding": {"type": "string", "enum": list(ENCODINGS)},
                },
            },
            {
                "type": "object",
                "contentType": "application/json",
                "title": "Async response",
                "properties": {"request_id": {"type": "string"}},
            },
        ]
    }
