"""Write split files and a manifest (counts and sha256 per file) as one export set, published at once.

`<home>/exports` is a symbolic link to the current set under `<home>/export_sets/<id>` (the id is a hash
of the manifest, so the same inputs give the same set). A run writes a new set into a staging folder and
switches the link in one atomic rename: readers see the old set or the new one, never a mix; a run killed
midway leaves the old set and its manifest in place, and the next run removes its staging folder. Formats
dropped from the config disappear with the old set.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from sft_assets.export.formats import RENDERERS

MANIFEST = "manifest.json"


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


SETS = "export_sets"
STAGING = ".staging-"


class ExportSet:
    """A new set of export files for `exports` (the link in the home folder), published by `publish`."""

    def __init__(self, exports: Path) -> None:
        self.link = exports
        self.sets = exports.parent / SETS
        self.sets.mkdir(parents=True, exist_ok=True)
        remove_staging(self.sets)  # the home is held by this run: any staging folder is a dead run's
        self.staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=self.sets))
        self.staging.chmod(0o755)  # mkdtemp makes it private; the published set is as readable as the home

    def write(self, relative: str, data: bytes) -> str:
        """Write one file of the set; returns its sha256."""
        path = self.staging / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return hashlib.sha256(data).hexdigest()

    def publish(self, files: list[dict[str, Any]], extra: dict[str, Any]) -> Path:
        """Write the manifest, then make this set the current one; returns the manifest's path."""
        body = {**extra, "files": sorted(files, key=lambda f: f["path"])}
        manifest = orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
        (self.staging / MANIFEST).write_bytes(manifest)
        _sync_folder(self.staging)
        final = self.sets / hashlib.sha256(manifest).hexdigest()[:16]
        if final.exists():  # the same set as before: keep the published copy
            shutil.rmtree(self.staging)
        else:
            os.rename(self.staging, final)
        _point(self.link, final)
        for other in self.sets.iterdir():
            if other != final:
                shutil.rmtree(other, ignore_errors=True) if other.is_dir() else other.unlink(missing_ok=True)
        return self.link / MANIFEST


def remove_staging(sets: Path) -> None:
    for folder in sets.glob(f"{STAGING}*"):
        shutil.rmtree(folder, ignore_errors=True)


def _point(link: Path, target: Path) -> None:
    """Switch `link` to `target` in one rename (a real folder left by an older version is moved aside)."""
    if link.exists() and not link.is_symlink():
        os.rename(link, target.parent / f"{STAGING}legacy-{os.getpid()}")
    temporary = link.with_name(f".{link.name}.link-{os.getpid()}")
    temporary.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _sync_folder(folder: Path) -> None:
    """Flush the set's files to disk before it becomes current."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
