"""The UI's typed client is generated from the server's schema; it must not go stale."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _exporter():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "export_openapi", ROOT / "scripts/export_openapi.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_schema_matches_the_server() -> None:
    exporter = _exporter()
    committed = (ROOT / "web/src/api/openapi.json").read_text()
    assert committed == exporter.render(exporter.openapi_schema()), (
        "the API changed: run `.venv/bin/python scripts/export_openapi.py "
        "web/src/api/openapi.json && (cd web && npm run gen-api)` and commit both files"
    )
