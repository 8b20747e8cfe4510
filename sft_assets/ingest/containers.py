"""Read a data file (JSONL, JSON, CSV/TSV, Parquet, optionally gzip-compressed) into raw rows.

A raw row is `(index, value, error, raw_text)`: the 1-based position of the row in the file, the parsed
record (or None), a `RecordError` when the row could not be parsed, and the row's full text for quarantine
(only kept for bad rows). Damage in one row never stops the rest of the file from being read.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from sft_assets.ingest.reasons import RecordError

RawRow = tuple[int, Any, RecordError | None, str | None]
CONTAINERS = ("jsonl", "json", "csv", "tsv", "parquet")
LOCATOR_KINDS = {"jsonl": "line", "json": "item", "csv": "row", "tsv": "row", "parquet": "row"}


@dataclass
class FileNotes:
    """What the reader noticed about a file as a whole (shown in asset metadata)."""

    container: str
    compressed: bool = False
    encoding: str = "utf-8"
    bom: bool = False
    crlf: bool = False
    truncated: bool = False
    notes: list[str] = field(default_factory=list)


def container_of(path: Path) -> tuple[str, bool]:
    """The container kind from the file name (ignoring .gz), and whether it is gzip-compressed."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    if compressed:
        suffixes = suffixes[:-1]
    suffix = suffixes[-1].lstrip(".") if suffixes else ""
    kind = {"ndjson": "jsonl", "txt": "jsonl"}.get(suffix, suffix)
    return (kind if kind in CONTAINERS else "json"), compressed


def _read_bytes(path: Path, notes: FileNotes) -> bytes:
    data = path.read_bytes()
    if not notes.compressed:
        return data
    out = io.BytesIO()
    decompressor = zlib.decompressobj(wbits=47)  # gzip, multi-member handled below
    try:
        while data:
            out.write(decompressor.decompress(data))
            data = decompressor.unused_data
            if data:
                decompressor = zlib.decompressobj(wbits=47)
        if not decompressor.eof:
            notes.truncated = True
    except zlib.error as exc:
        notes.truncated = True
        notes.notes.append(f"gzip stream is corrupt: {exc}")
    return out.getvalue()


def _decode_unicode_container(data: bytes, notes: FileNotes) -> bytes:
    """Normalize the file to UTF-8 bytes without a BOM; UTF-16 files are transcoded whole."""
    if data.startswith(b"\xef\xbb\xbf"):
        notes.bom = True
        return data[3:]
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        notes.bom = True
        encoding = "utf-16"
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encoding = "utf-16-le"
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        encoding = "utf-16-be"
    if encoding is None:
        return _cr_lines_to_lf(data, notes)
    notes.encoding = encoding
    text = data.decode(encoding, errors="surrogatepass")
    try:
        return _cr_lines_to_lf(text.encode("utf-8"), notes)
    except UnicodeEncodeError:  # a lone surrogate: its bytes stay invalid UTF-8, so that row is quarantined
        notes.notes.append("the UTF-16 text holds a lone surrogate")
        return text.encode("utf-8", errors="surrogatepass")


def _cr_lines_to_lf(data: bytes, notes: FileNotes) -> bytes:
    """A file whose lines end with CR alone (old Mac style) is read as lines: its CRs become LFs."""
    if b"\r" in data and b"\n" not in data:
        notes.notes.append("lines end with CR only; read as lines")
        return data.replace(b"\r", b"\n")
    return data


def _bad_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="backslashreplace")


def parse_json_line(line: bytes, max_record_bytes: int) -> tuple[Any, RecordError | None]:
    """Parse one JSONL line; classify failures as oversized, NUL, invalid UTF-8 or invalid JSON."""
    if len(line) > max_record_bytes:
        return None, RecordError("oversized_record", f"{len(line)} bytes > max_record_bytes {max_record_bytes}")
    try:
        return orjson.loads(line), None
    except orjson.JSONDecodeError as exc:
        if b"\x00" in line:
            return None, RecordError("nul_byte", "the line contains NUL bytes")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as uexc:
            return None, RecordError("invalid_utf8", f"byte {uexc.start}: {uexc.reason}")
        return None, RecordError("invalid_json", str(exc))


def _lines(data: bytes, block: int = 4 << 20) -> Iterator[bytes]:
    """The lines of `data`, split a few MiB at a time so that reading only the first rows stays cheap."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", min(start + block, len(data)))
        end = len(data) if end < 0 else end
        yield from data[start:end].split(b"\n")
        start = end + 1


def iter_jsonl(data: bytes, notes: FileNotes, max_record_bytes: int, first_line: int = 1) -> Iterator[RawRow]:
    for number, line in enumerate(_lines(data), start=first_line):
        if line.endswith(b"\r"):
            notes.crlf = True
            line = line[:-1]
        if not line.strip():
            continue
        value, error = parse_json_line(line, max_record_bytes)
        yield number, value, error, (_bad_text(line) if error else None)


def _unwrap_document(doc: Any) -> list[Any]:
    """Records of a whole-file JSON document: an array, a {key: [records]} wrapper, or one record."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        from sft_assets.ingest.formats import record_format

        lists = [v for v in doc.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if record_format(doc) is None and len(lists) == 1:
            return lists[0]
    return [doc]


def _looks_like_jsonl(text: bytes) -> bool:
    """True when the first line on its own is a JSON object or array (a damaged array starts with "[")."""
    first = next((ln for ln in text.split(b"\n", 20)[:20] if ln.strip()), b"")
    try:
        return isinstance(orjson.loads(first), (dict, list))
    except orjson.JSONDecodeError:
        return False


def iter_json(data: bytes, notes: FileNotes, max_record_bytes: int) -> Iterator[RawRow]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        if _looks_like_jsonl(data):
            notes.notes.append("a .json file holding JSON Lines; read line by line")
            notes.container = "jsonl"
            yield from iter_jsonl(data, notes, max_record_bytes)
            return
        yield from _recover_json_array(data, notes, max_record_bytes)
        return
    for index, item in enumerate(_unwrap_document(doc), start=1):
        size = len(orjson.dumps(item))
        if size > max_record_bytes:
            error = RecordError("oversized_record", f"{size} bytes > max_record_bytes {max_record_bytes}")
            yield index, None, error, orjson.dumps(item).decode()
        else:
            yield index, item, None, None


def _recover_json_array(data: bytes, notes: FileNotes, max_record_bytes: int) -> Iterator[RawRow]:
    """Parse a damaged JSON array item by item; each unparseable stretch becomes one bad row."""
    text = data.decode("utf-8", errors="surrogateescape")
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        yield 1, None, RecordError("invalid_json", "the file is neither a JSON document nor JSON Lines"), escape_undecodable(text)
        return
    notes.notes.append("the JSON array is damaged; recovered item by item")
    pos, index = pos + 1, 0
    while True:
        pos = _skip_ws(text, pos)
        if pos >= len(text) or text[pos] == "]":
            if pos >= len(text):
                notes.truncated = True
            return
        index += 1
        start = pos
        try:
            item, pos = decoder.raw_decode(text, pos)
        except RecursionError:
            detail = "the item is nested deeper than the JSON parser allows; the rest of the file is this one row"
            yield index, None, RecordError("invalid_json", detail), escape_undecodable(text[start:])
            return
        except json.JSONDecodeError as exc:
            pos = _next_item_start(text, exc.pos, decoder)
            raw = text[start:pos].rstrip().rstrip(",")
            yield index, None, _classify_text_error(raw, exc), escape_undecodable(raw)
            continue
        raw = text[start:pos]
        if _has_surrogates(raw):
            yield index, None, RecordError("invalid_utf8", "the item holds bytes that are not UTF-8"), escape_undecodable(raw)
        elif len(raw.encode("utf-8", errors="surrogateescape")) > max_record_bytes:
            yield index, None, RecordError("oversized_record", f"item larger than {max_record_bytes} bytes"), raw
        else:
            yield index, item, None, None
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos += 1


def _classify_text_error(raw: str, exc: json.JSONDecodeError) -> RecordError:
    if "\x00" in raw:
        return RecordError("nul_byte", "the item contains NUL bytes")
    if _has_surrogates(raw):
        return RecordError("invalid_utf8", "the item holds bytes that are not UTF-8")
    return RecordError("invalid_json", f"{exc.msg} (char {exc.pos})")


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _next_item_start(text: str, pos: int, decoder: json.JSONDecoder) -> int:
    """The position after the damaged stretch: the next `,` followed by a parseable value, or the end."""
    while True:
        comma = text.find(",", pos + 1)
        if comma < 0:
            end = text.rfind("]")
            return end if end > pos else len(text)
        candidate = _skip_ws(text, comma + 1)
        if candidate < len(text) and text[candidate] in "{[":
            try:
                decoder.raw_decode(text, candidate)
                return candidate
            except json.JSONDecodeError:
                pass
        pos = comma


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def escape_undecodable(text: str) -> str:
    """Text with undecodable bytes (surrogate escapes) shown as \\xNN and lone surrogates as \\uXXXX."""
    return text.encode("utf-8", errors="surrogateescape" if not _lone_surrogates(text) else "backslashreplace") \
        .decode("utf-8", errors="backslashreplace")


def _lone_surrogates(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" and not "\udc80" <= ch <= "\udcff" for ch in text)


# Signatures of binary formats that are sometimes named like a dataset (what the file starts with).
MAGIC = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
         (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"), (b"PK\x05\x06", "a ZIP archive"),
         (b"\x1f\x8b", "gzip data (name the file .gz)"), (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
         (b"Rar!", "a RAR archive"), (b"\x7fELF", "an executable"), (b"SQLite format 3\x00", "an SQLite database"),
         (b"PAR1", "a Parquet file (name it .parquet)"), (b"BZh", "bzip2 data"), (b"\xfd7zXZ\x00", "xz data"))
SNIFF_BYTES = 4096


def binary_kind(data: bytes, container: str) -> str | None:
    """What binary data a text container holds, or None when it looks like text: a known signature, or a
    head where more than a tenth of the bytes are control characters or invalid UTF-8."""
    if container == "parquet":
        return None
    for magic, what in MAGIC:
        if data.startswith(magic):
            return what
    head = data[:SNIFF_BYTES]
    if not head:
        return None
    text = head.decode("utf-8", errors="replace")
    if len(head) == SNIFF_BYTES:  # a character cut at the end of the head is not an error
        text = text.rstrip("\ufffd")
    odd = text.count("\ufffd") + sum(1 for ch in text if ch < " " and ch not in "\t\n\r\x0c")
    return "binary data" if odd * 10 > len(text) else None


def iter_csv(data: bytes, notes: FileNotes, max_record_bytes: int, delimiter: str | None) -> Iterator[RawRow]:
    text = data.decode("utf-8", errors="surrogateescape")
    if "\r\n" in text:
        notes.crlf = True
    if delimiter is None:
        delimiter = "\t" if notes.container == "tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    header = [h.strip() for h in header]
    for index, cells in enumerate(reader, start=1):
        if not cells:
            continue
        raw = escape_undecodable(delimiter.join(cells))
        if len(cells) != len(header):
            yield index, None, RecordError("malformed_row", f"{len(cells)} fields, header has {len(header)}"), raw
        elif any(_has_surrogates(c) for c in cells):
            yield index, None, RecordError("invalid_utf8", "the row holds bytes that are not UTF-8"), raw
        elif any("\x00" in c for c in cells):
            yield index, None, RecordError("nul_byte", "the row contains NUL bytes"), raw
        elif len(raw) > max_record_bytes:
            yield index, None, RecordError("oversized_record", f"row larger than {max_record_bytes} bytes"), raw
        else:
            yield index, dict(zip(header, cells, strict=True)), None, None


def iter_parquet(data: bytes, notes: FileNotes, max_record_bytes: int) -> Iterator[RawRow]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for a damaged file
        notes.truncated = True
        yield 1, None, RecordError("truncated_file", f"unreadable Parquet: {exc}"), ""
        return
    for index, row in enumerate(table.to_pylist(), start=1):
        size = len(orjson.dumps(row, default=str))
        if size > max_record_bytes:
            error = RecordError("oversized_record", f"{size} bytes > max_record_bytes {max_record_bytes}")
            yield index, None, error, orjson.dumps(row, default=str).decode()
        else:
            yield index, row, None, None


def load_file(path: Path, container: str | None = None) -> tuple[FileNotes, bytes]:
    """A file's bytes, decompressed and (for text containers) normalized to UTF-8 without BOM."""
    kind, compressed = container_of(path)
    notes = FileNotes(container=container or kind, compressed=compressed)
    data = _read_bytes(path, notes)
    if notes.container != "parquet":
        data = _decode_unicode_container(data, notes)
    return notes, data


def split_lines(data: bytes, parts: int) -> list[tuple[int, int, int]]:
    """Cut JSONL bytes into about `parts` pieces at line ends: (first line number, start byte, end byte)."""
    size = max(1, len(data) // parts)
    pieces, start, line = [], 0, 1
    while start < len(data):
        end = data.find(b"\n", min(start + size, len(data) - 1))
        end = len(data) if end < 0 else end + 1
        pieces.append((line, start, end))
        line += data.count(b"\n", start, end)
        start = end
    return pieces


def iter_rows(
    notes: FileNotes, data: bytes, *, max_record_bytes: int, csv_delimiter: str | None = None
) -> Iterator[RawRow]:
    """The raw rows of a loaded file."""
    if notes.container == "jsonl":
        return iter_jsonl(data, notes, max_record_bytes)
    if notes.container == "json":
        return iter_json(data, notes, max_record_bytes)
    if notes.container in ("csv", "tsv"):
        return iter_csv(data, notes, max_record_bytes, csv_delimiter)
    return iter_parquet(data, notes, max_record_bytes)

