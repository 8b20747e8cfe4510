"""Ingest every file of every configured source into one examples table and one quarantine table."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from sft_assets.config import LoadedConfig
from sft_assets.ingest.ingest_file import FileIngest, FileTask, ingest_file, ingest_pool
from sft_assets.ingest.tables import EXAMPLES_SCHEMA, QUARANTINE_SCHEMA

FILES_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("file", pa.string()),
        ("format", pa.string()),
        ("container", pa.string()),
        ("encoding", pa.string()),
        ("compressed", pa.bool_()),
        ("bom", pa.bool_()),
        ("crlf", pa.bool_()),
        ("truncated", pa.bool_()),
        ("rows_read", pa.int64()),
        ("examples", pa.int64()),
        ("quarantined", pa.int64()),
    ]
)


@dataclass(frozen=True)
class IngestOutcome:
    examples: pa.Table
    quarantine: pa.Table
    files: pa.Table  # one row per file; rows_read == examples + quarantined on every row


def file_tasks(loaded: LoadedConfig) -> list[FileTask]:
    config = loaded.config
    return [
        FileTask(
            source=source.name,
            path=loaded.absolute(file),
            file=file,
            format=source.format,
            origin=source.origin,
            container=source.container,
            csv_delimiter=source.csv_delimiter,
            columns=dict(source.columns) if source.columns else None,
            max_record_bytes=config.ingest.max_record_bytes,
            consecutive_turns=config.ingest.consecutive_turns,
        )
        for source in config.sources
        for file in loaded.files[source.name]
    ]


def _file_row(result: FileIngest) -> dict[str, object]:
    notes = result.notes
    return {
        "source": result.source,
        "file": result.file,
        "format": result.format,
        "container": notes.container,
        "encoding": notes.encoding,
        "compressed": notes.compressed,
        "bom": notes.bom,
        "crlf": notes.crlf,
        "truncated": notes.truncated,
        "rows_read": result.rows_read,
        "examples": result.n_examples,
        "quarantined": result.n_quarantined,
    }


def ingest_sources(loaded: LoadedConfig, workers: int = 1) -> IngestOutcome:
    """Read all sources in config order (files sorted within a source); rows keep file order."""
    pool = ingest_pool(workers)
    try:
        results = [ingest_file(task, pool) for task in file_tasks(loaded)]
    finally:
        if pool is not None:
            pool.shutdown()
    return IngestOutcome(
        examples=pa.concat_tables([r.examples for r in results]) if results else EXAMPLES_SCHEMA.empty_table(),
        quarantine=pa.concat_tables([r.quarantine for r in results]) if results else QUARANTINE_SCHEMA.empty_table(),
        files=pa.Table.from_pylist([_file_row(r) for r in results], schema=FILES_SCHEMA),
    )


def source_fingerprint(loaded: LoadedConfig) -> str:
    """A hash of every source file's path, size and modification time, plus the config file itself."""
    import hashlib

    digest = hashlib.sha256()
    for path in [loaded.path, *(loaded.absolute(f) for files in loaded.files.values() for f in files)]:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]
