"""Write split files atomically (temp name, then rename) and a manifest with counts and sha256 per file."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from sft_assets.export.formats import RENDERERS

MANIFEST = "manifest.json"


def write_atomic(path: Path, data: bytes) -> str:
    """Write bytes to path via a temp file in the same folder; returns the sha256 of the bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def render_jsonl(fmt: str, rows: Iterable[tuple[str, str | None]]) -> tuple[bytes, int, int]:
    """(file bytes, records written, records this format cannot hold) for (messages_json, tools_json) rows."""
    render = RENDERERS[fmt]
    lines, skipped = [], 0
    for messages_json, tools_json in rows:
        record = render(orjson.loads(messages_json), orjson.loads(tools_json) if tools_json else None)
        if record is None:
            skipped += 1
            continue
        lines.append(orjson.dumps(record))
    return b"".join(line + b"\n" for line in lines), len(lines), skipped


def write_manifest(export_dir: Path, files: list[dict[str, Any]], extra: dict[str, Any]) -> Path:
    """manifest.json: per file its path (relative), format, split, records and sha256; no timestamps, so
    identical inputs give an identical manifest."""
    body = {**extra, "files": sorted(files, key=lambda f: f["path"])}
    data = orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    path = export_dir / MANIFEST
    write_atomic(path, data)
    return path
