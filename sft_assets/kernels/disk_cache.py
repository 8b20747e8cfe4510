"""Files derived once from installed packages (character tables, an uncompressed language model) and kept
under the home folder's `cache/`, so that every worker process does not rebuild them. Deleting the folder
is always safe."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sft_assets.core.store import resolve_home

_folder: list[Path] = []  # set by kernels.prepare(cache_dir); empty: <home>/cache


def use_folder(folder: Path | None) -> None:
    """Keep cached files in `folder` in this process (None: the home folder's cache/)."""
    _folder[:] = [Path(folder)] if folder is not None else []


def cache_folder() -> Path:
    return _folder[0] if _folder else resolve_home() / "cache"


def cached_file(name: str, build: Callable[[Path], None]) -> Path | None:
    """The cached file `name`, built by build(path) on first use; None when the cache is not writable.
    `name` must change whenever what build() writes would (put package versions in it). Writes are atomic:
    concurrent workers never read a half-written file."""
    target = cache_folder() / name
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        build(partial)
        partial.replace(target)
    except OSError:
        return None
    return target
