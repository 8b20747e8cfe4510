"""Ingest every file of every configured source into one examples table and one quarantine table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from sft_assets.core.events import Decision
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
    secrets_masked: dict[str, int]  # per kind of secret masked in the stored raw input
    decisions: list[Decision]  # one `modified` per example stored with secrets masked


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


def ingest_sources(tasks: Sequence[FileTask], workers: int = 1) -> IngestOutcome:
    """Read the files in the order given (config order, files sorted within a source); rows keep file order."""
    pool = ingest_pool(workers)
    try:
        results = [ingest_file(task, pool) for task in tasks]
    finally:
        if pool is not None:
            pool.shutdown()
    return IngestOutcome(
        examples=pa.concat_tables([r.examples for r in results]) if results else EXAMPLES_SCHEMA.empty_table(),
        quarantine=pa.concat_tables([r.quarantine for r in results]) if results else QUARANTINE_SCHEMA.empty_table(),
        files=pa.Table.from_pylist([_file_row(r) for r in results], schema=FILES_SCHEMA),
        secrets_masked=dict(sum((r.secrets_masked for r in results), Counter())),
        decisions=[d for r in results for d in r.decisions],
    )


def source_fingerprint(paths: Sequence[Path]) -> str:
    """A hash of every file's path, size and modification time (the config file and every source file)."""
    import hashlib

    digest = hashlib.sha256()
    for path in paths:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]
