"""Documentation of the batch formats; bodies are decoded by ``headway.backend.codec``."""

from __future__ import annotations

from typing import Any

from headway.backend.codec import BATCH_MEDIA_TYPE, JSON_MEDIA_TYPE

_COLUMN = {"type": "array", "items": {"anyOf": [{"type": "number"}, {"type": "string"}]}}

JSON_BATCH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["seq"],
    "additionalProperties": False,
    "properties": {
        "seq": {"type": "integer", "minimum": 0, "description": "Per-run batch number."},
        "time": {"type": "number", "description": "Client wall time (heartbeat)."},
        "metrics": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["steps", "times", "values"],
                "properties": {
                    "steps": {"type": "array", "items": {"type": "integer"}},
                    "times": _COLUMN,
                    "values": _COLUMN,
                },
            },
        },
        "summary": {"type": "object"},
        "config": {"type": "object"},
        "console": {
            "type": "array",
            "items": {"type": "array", "description": "[time, stream, text]"},
        },
    },
}

LOG_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A batch, binary (docs/server.md) or JSON, optionally gzip-encoded.",
        "content": {
            BATCH_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            JSON_MEDIA_TYPE: {"schema": JSON_BATCH_SCHEMA},
        },
    }
}

FILE_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
