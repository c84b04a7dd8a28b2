"""Table previews of a version's CSV, TSV and Parquet files, read with pyarrow.

The UI shows the first rows of a data file without downloading it: CSV is parsed as it
streams from the blob store (and counted to its end when it is not huge); Parquet needs
random access, so the blob is fetched (verified) into a temporary file first and only the
first rows are decoded.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query

from headway.artifacts.names import file_path, version_selector
from headway.backend.artifacts import BaseArtifacts
from headway.entities.artifacts import ManifestEntry
from headway.errors import InvalidArgument, NotFound
from headway.server.deps import Artifacts
from headway.server.schemas.artifact_preview import TableColumnOut, TableOut
from headway.server.schemas.common import error_responses

router = APIRouter(prefix="/projects/{project}/artifacts", tags=["previews"])

MAX_ROWS = 10_000
#: A CSV up to this size is read to its end to count its rows.
COUNT_CSV_BYTES = 64 * 2**20
#: Parquet files are copied to a temporary file first; larger ones are refused.
MAX_PARQUET_BYTES = 512 * 2**20
FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}


@router.get(
    "/{name}/versions/{version}/table/{path:path}",
    summary="The first rows of a CSV, TSV or Parquet file of a version, as a table",
    responses=error_responses(400, 404),
)
def table_preview(
    project: str,
    name: str,
    version: str,
    path: str,
    artifacts: Artifacts,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 200,
) -> TableOut:
    kind = FORMATS.get(Path(path).suffix.lower())
    if kind is None:
        raise InvalidArgument(f"{path!r} is not a table: previews read .csv, .tsv and .parquet")
    entry = _entry(artifacts, project, name, version, path)
    assert entry.digest is not None
    if kind == "parquet":
        columns, rows, total = _parquet(artifacts, entry.digest, entry.size, limit)
    else:
        chunks = artifacts.iter_blob(entry.digest)
        columns, rows, total = _delimited(chunks, "\t" if kind == "tsv" else ",", limit, entry.size)
    return TableOut(path=path, format=kind, columns=columns, rows=rows, total_rows=total)  # type: ignore[arg-type]


def _entry(
    artifacts: BaseArtifacts, project: str, name: str, version: str, path: str
) -> ManifestEntry:
    number = version_selector(version)
    if not isinstance(number, int):
        raise InvalidArgument(f"expected a version number like 'v3', got {version!r}")
    file_path(path)
    for entry in artifacts.files(project, name, number, prefix=path):
        if entry.path == path:
            if entry.ref is not None or entry.digest is None:
                raise NotFound(f"{path!r} is a reference to {entry.ref}, not stored in Headway")
            return entry
    raise NotFound(f"{name}:{version} has no file {path!r}")


Table = tuple[list[TableColumnOut], list[list[Any]], int | None]


def _delimited(chunks: Iterator[bytes], delimiter: str, limit: int, size: int) -> Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    stream = io.BufferedReader(_ChunkReader(chunks), buffer_size=1 << 20)
    try:
        reader = pacsv.open_csv(stream, parse_options=pacsv.ParseOptions(delimiter=delimiter))
        schema = reader.schema
        rows: list[list[Any]] = []
        total = 0
        for batch in reader:
            if len(rows) < limit:
                rows.extend(_rows(batch.slice(0, limit - len(rows))))
            total += batch.num_rows
            if len(rows) >= limit and size > COUNT_CSV_BYTES:
                return _columns(schema), rows, None
    except pa.ArrowInvalid as exc:
        raise InvalidArgument(f"the file could not be read as a table: {exc}") from exc
    return _columns(schema), rows, total


def _parquet(artifacts: BaseArtifacts, digest: str, size: int, limit: int) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if size > MAX_PARQUET_BYTES:
        raise InvalidArgument(
            f"the file is {size / 2**20:.0f} MiB; previews read Parquet files up to "
            f"{MAX_PARQUET_BYTES // 2**20} MiB (download it to read it whole)"
        )
    with tempfile.TemporaryDirectory(prefix="headway-preview-") as folder:
        local = Path(folder) / "table.parquet"
        artifacts.fetch_blob(digest, local)
        try:
            parquet = pq.ParquetFile(local)
            schema = parquet.schema_arrow
            rows: list[list[Any]] = []
            for batch in parquet.iter_batches(batch_size=limit):
                rows.extend(_rows(batch.slice(0, limit - len(rows))))
                if len(rows) >= limit:
                    break
            return _columns(schema), rows, parquet.metadata.num_rows
        except pa.ArrowException as exc:
            raise InvalidArgument(f"the file could not be read as Parquet: {exc}") from exc


def _columns(schema: Any) -> list[TableColumnOut]:
    return [TableColumnOut(name=f.name, type=str(f.type)) for f in schema]


def _rows(batch: Any) -> list[list[Any]]:
    columns = [[_cell(v) for v in column.to_pylist()] for column in batch.columns]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _cell(value: Any) -> Any:
    """A JSON-safe cell: numbers, text, booleans and nulls as they are; the rest as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex() if len(value) <= 64 else value[:64].hex() + "…"
    return str(value)


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks (a blob as it streams)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = chunk
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n
