"""Write the server's OpenAPI schema, from which the web UI's typed client is generated.

    .venv/bin/python scripts/export_openapi.py web/src/api/openapi.json

The schema does not depend on the data, so the app is built on a throwaway store.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from headway.backend.local import LocalBackend
from headway.server.app import create_app
from headway.settings import Settings


def openapi_schema() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        backend = LocalBackend(Settings.from_env(env={}, dir=folder), migrate=True)
        try:
            schema = create_app(backend.settings, backend).openapi()
        finally:
            backend.close()
    # The version changes with every build; the client does not depend on it.
    schema["info"]["version"] = "0"
    return schema


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(render(openapi_schema()))
