"""Files derived once from installed packages and kept in the user's cache folder (`$XDG_CACHE_HOME` or
`~/.cache`, under sft-assets), so that every worker process does not rebuild them."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sft-assets"


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
