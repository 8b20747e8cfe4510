"""Ingest one source file: raw rows -> canonical examples + quarantined rows, with the invariant
rows_read == examples + quarantined."""

from __future__ import annotations

import itertools
import multiprocessing
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from sft_assets.ingest.containers import (
    LOCATOR_KINDS,
    binary_kind,
    escape_undecodable,
    FileNotes,
    RawRow,
    iter_jsonl,
    iter_rows,
    load_file,
    split_lines,
)
from sft_assets.clean.redact import mask_secrets, mask_secrets_in_text
from sft_assets.core.events import Decision
from sft_assets.ingest.formats import CONVERTERS, ConvertOptions, detect_format
from sft_assets.ingest.reasons import RecordError
from sft_assets.ingest.tables import EXAMPLES_SCHEMA, QUARANTINE_SCHEMA, empty_table
from sft_assets.core.records import canonical_json_bytes, example_id_from_json

DETECT_SAMPLE = 50


@dataclass(frozen=True)
class FileTask:
    """Everything needed to ingest one file (picklable, so files can be ingested in worker processes)."""

    source: str
    path: Path
    file: str
    format: str = "auto"
    origin: str = "human"
    container: str | None = None
    csv_delimiter: str | None = None
    columns: dict[str, str] | None = None
    max_record_bytes: int = 1_000_000
    consecutive_turns: str = "merge"
    mask_secrets: bool = True


@dataclass
class FileIngest:
    """One file's outcome: examples and quarantined rows as Arrow tables, plus what the reader noticed."""

    source: str
    file: str
    format: str | None
    notes: FileNotes
    examples: pa.Table = field(default_factory=lambda: empty_table(EXAMPLES_SCHEMA))
    quarantine: pa.Table = field(default_factory=lambda: empty_table(QUARANTINE_SCHEMA))
    rows_read: int = 0  # counted as the reader yields rows, independently of where they end up
    secrets_masked: Counter[str] = field(default_factory=Counter)  # per kind, in examples and quarantine
    decisions: list[Decision] = field(default_factory=list)

    @property
    def n_examples(self) -> int:
        return self.examples.num_rows

    @property
    def n_quarantined(self) -> int:
        return self.quarantine.num_rows

    def reasons(self) -> Counter[str]:
        return Counter(self.quarantine.column("reason").to_pylist())


class _Columns:
    """Rows being collected (as tuples in schema order), turned into Arrow tables at the end."""

    def __init__(self) -> None:
        self.examples: list[tuple[Any, ...]] = []
        self.quarantine: list[tuple[Any, ...]] = []
        self.rows_read = 0
        self.secrets_masked: Counter[str] = Counter()
        self.decisions: list[Decision] = []  # one `modified` per example whose stored input was masked

    def tables(self) -> tuple[pa.Table, pa.Table]:
        return _to_table(self.examples, EXAMPLES_SCHEMA), _to_table(self.quarantine, QUARANTINE_SCHEMA)


def _to_table(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    if not rows:
        return empty_table(schema)
    columns = list(zip(*rows, strict=True))
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema)


def _peek_format(rows: Iterator[RawRow], forced: str) -> tuple[str | None, Iterable[RawRow]]:
    if forced != "auto":
        return forced, rows
    head = list(itertools.islice(rows, DETECT_SAMPLE))
    detected = detect_format(value for _, value, error, _ in head if error is None)
    return detected, itertools.chain(head, rows)


# Below this size a file is converted in-process: shipping it to workers costs more than it saves.
PARALLEL_MIN_BYTES = 8 << 20
PIECES = 8


def ingest_file(task: FileTask, pool: Executor | None = None) -> FileIngest:
    """Read one file and convert every row, never stopping at a bad one, and never failing as a whole: a
    binary file, or one that cannot be read at all, becomes one file-level quarantine row naming the cause.

    With a process pool, large JSONL files are cut at line ends and converted in parallel; the result is
    the same (same rows, same order) as a serial run.
    """
    try:
        return _ingest_file(task, pool)
    except (OSError, ValueError, RecursionError, MemoryError, pa.ArrowException) as exc:
        return _unreadable(task, RecordError("unreadable_file", f"{type(exc).__name__}: {exc}"), "")


def _unreadable(task: FileTask, error: RecordError, raw: str) -> FileIngest:
    """One file-level quarantine row for a file none of whose rows can be read."""
    container = task.container or "unknown"
    result = FileIngest(source=task.source, file=task.file, format=None, notes=FileNotes(container=container))
    columns = _Columns()
    columns.rows_read = 1
    _add_quarantine(columns, task.source, task.file, "file", 0, error, raw)
    result.examples, result.quarantine = columns.tables()
    result.rows_read = 1
    return result


def _ingest_file(task: FileTask, pool: Executor | None) -> FileIngest:
    notes, data = load_file(task.path, task.container)
    if notes.container != "parquet" and not data.strip():  # the same in every container: no rows, a note
        notes.notes.append("the file is empty")
        return FileIngest(source=task.source, file=task.file, format=None, notes=notes)
    binary = binary_kind(data, notes.container)
    if binary is not None:
        head = data[:task.max_record_bytes].decode("utf-8", errors="backslashreplace")
        head = mask_secrets_in_text(head)[0] if task.mask_secrets else head
        return _unreadable(task, RecordError("binary_file", f"the file holds {binary}, not {notes.container} text"), head)
    rows = iter_rows(notes, data, max_record_bytes=task.max_record_bytes, csv_delimiter=task.csv_delimiter)
    fmt, rows = _peek_format(rows, task.format)
    result = FileIngest(source=task.source, file=task.file, format=fmt, notes=notes)
    if pool is not None and notes.container == "jsonl" and len(data) >= PARALLEL_MIN_BYTES:
        _convert_in_pool(pool, result, task, data)
    else:
        columns = _Columns()
        _convert_rows(columns, task, fmt, notes.container, rows)
        result.examples, result.quarantine = columns.tables()
        result.rows_read = columns.rows_read
        result.secrets_masked, result.decisions = columns.secrets_masked, columns.decisions
    if notes.truncated:
        result.quarantine = _with_truncation(result, notes)
        result.rows_read += 1
    return result


def _with_truncation(result: FileIngest, notes: FileNotes) -> pa.Table:
    detail = "; ".join(notes.notes) or "the file ends before its data is complete"
    indexes = result.examples.column("record_index").to_pylist() + result.quarantine.column("record_index").to_pylist()
    columns = _Columns()
    _add_quarantine(columns, result.source, result.file, "end of file", max(indexes, default=0) + 1,
                    RecordError("truncated_file", detail), "")
    return pa.concat_tables([result.quarantine, columns.tables()[1]])


def _convert_rows(columns: _Columns, task: FileTask, fmt: str | None, container: str, rows: Iterable[RawRow]) -> None:
    convert = CONVERTERS.get(fmt) if fmt else None
    options = ConvertOptions(consecutive_turns=task.consecutive_turns, columns=task.columns)  # type: ignore[arg-type]
    kind = LOCATOR_KINDS[container]
    for index, value, error, raw in rows:
        columns.rows_read += 1
        locator = f"{kind} {index}"
        if error is None:
            if convert is None:
                error = RecordError("unknown_format", "no known SFT format matches this file's records"
                                    f"{_keys_seen(value)}")
            else:
                try:
                    _add_example(columns, task, fmt, convert(value, options), locator, index)
                    continue
                except RecordError as exc:
                    error = exc
                except (TypeError, AttributeError, ValueError, KeyError) as exc:
                    # a shape no converter rule foresaw: quarantine it rather than abort the file
                    error = RecordError("invalid_record", f"{type(exc).__name__}: {exc}")
        raw_text = raw if raw is not None else _raw_of(value)
        if task.mask_secrets:
            raw_text, found = mask_secrets_in_text(raw_text)
            columns.secrets_masked.update(found)
        _add_quarantine(columns, task.source, task.file, locator, index, error, raw_text)


def _convert_in_pool(pool: Executor, result: FileIngest, task: FileTask, data: bytes) -> None:
    """Convert a large JSONL file in pieces on the pool, in file order.

    A plain UTF-8 file is read by the workers themselves (byte ranges); a decompressed or transcoded one
    is shipped to them. Workers hand their tables back as Arrow IPC files that are memory-mapped here,
    so no large result travels through a pipe.
    """
    on_disk = not result.notes.compressed and result.notes.encoding == "utf-8" and not result.notes.bom
    with tempfile.TemporaryDirectory(prefix="sft-ingest-") as scratch:
        futures = [
            pool.submit(
                _convert_piece, task, result.format, line, (start, end) if on_disk else data[start:end],
                f"{scratch}/{number}",
            )
            for number, (line, start, end) in enumerate(split_lines(data, PIECES))
        ]
        pieces = [future.result() for future in futures]
        result.examples = pa.concat_tables([_read_ipc(f"{prefix}.examples") for prefix, *_ in pieces])
        result.quarantine = pa.concat_tables([_read_ipc(f"{prefix}.quarantine") for prefix, *_ in pieces])
    result.notes.crlf = result.notes.crlf or any(crlf for _, crlf, _, _ in pieces)
    result.rows_read = sum(rows for _, _, rows, _ in pieces)
    for _, _, _, (found, decisions) in pieces:
        result.secrets_masked.update(found)
        result.decisions.extend(decisions)


def _convert_piece(
    task: FileTask, fmt: str | None, first_line: int, piece: tuple[int, int] | bytes, prefix: str
) -> tuple[str, bool, int, tuple[dict[str, int], list[Decision]]]:
    if isinstance(piece, tuple):
        with open(task.path, "rb") as fh:
            fh.seek(piece[0])
            piece = fh.read(piece[1] - piece[0])
    notes = FileNotes(container="jsonl")
    columns = _Columns()
    _convert_rows(columns, task, fmt, "jsonl", iter_jsonl(piece, notes, task.max_record_bytes, first_line))
    examples, quarantine = columns.tables()
    _write_ipc(f"{prefix}.examples", examples)
    _write_ipc(f"{prefix}.quarantine", quarantine)
    return prefix, notes.crlf, columns.rows_read, (dict(columns.secrets_masked), columns.decisions)


def _write_ipc(path: str, table: pa.Table) -> None:
    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def _read_ipc(path: str) -> pa.Table:
    # the mapping stays valid after the scratch folder is removed (POSIX unlink semantics)
    return pa.ipc.open_file(pa.memory_map(path)).read_all()


def ingest_pool(workers: int) -> Executor | None:
    """A process pool for converting large files, or None when one worker is asked for."""
    if workers <= 1:
        return None
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _keys_seen(value: Any) -> str:
    if not isinstance(value, dict):
        return f" (the record is a JSON {type(value).__name__})"
    keys = sorted(map(str, value))
    shown = ", ".join(keys[:12]) + (f" and {len(keys) - 12} more" if len(keys) > 12 else "")
    return f" (keys seen: {shown})" if keys else " (the record is an empty object)"


def _raw_of(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _add_example(columns: _Columns, task: FileTask, fmt: str, conv: Any, locator: str, index: int) -> None:
    # JSON columns stay UTF-8 bytes until Arrow takes them: no decode/encode round trip per row
    messages_json = canonical_json_bytes(conv.messages)
    tools_json = canonical_json_bytes(conv.tools) if conv.tools else None
    example_id = example_id_from_json(messages_json, tools_json)  # of the conversation as read
    if task.mask_secrets:
        masked, found = mask_secrets(conv.messages)
        if found:
            messages_json = canonical_json_bytes(masked)
            columns.secrets_masked.update(found)
            columns.decisions.append(Decision(example_id, task.source, task.file, locator, "modified", "secret_masked",
                                              str(sum(found.values())), None,
                                              f"stored with {', '.join(sorted(found))} masked (values not logged)"))
    columns.examples.append(
        (
            example_id, task.source, task.file, locator, index, fmt,
            task.origin, None, conv.category, len(conv.messages), messages_json, tools_json,
            canonical_json_bytes(conv.meta) if conv.meta else None,
        )
    )


def _add_quarantine(
    columns: _Columns, source: str, file: str, locator: str, index: int, error: RecordError, raw: str
) -> None:
    columns.quarantine.append((source, file, locator, index, error.code, _storable(error.detail), _storable(raw)))


def _storable(text: str) -> str:
    """The text as valid UTF-8 for the table: undecodable bytes as \\xNN, lone surrogates as \\uXXXX."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return escape_undecodable(text)
