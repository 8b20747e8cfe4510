"""bpe-openai's compiled tokenizer, loaded without importing the package.

Importing `bpe_openai` decodes every vocabulary it ships in Python (about 2.5 s per process), which its
Rust core (`bpe_openai._bindings`, a private module) does not need: that module is loaded directly.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from sft_assets.adapters import require_version

SUPPORTED = ("0.1.",)
MODULE = "bpe_openai._bindings"


def counter(encoding_name: str) -> Callable[[str], int]:
    """Tokens in a text for an encoding the package embeds (cl100k_base, o200k_base)."""
    return _bindings().tokenizer_for_encoding(encoding_name).count


@lru_cache(maxsize=1)
def _bindings() -> Any:
    if MODULE in sys.modules:
        return sys.modules[MODULE]
    require_version("bpe-openai", SUPPORTED)
    package = importlib.util.find_spec("bpe_openai")
    if package is None or not package.submodule_search_locations:
        raise ImportError("bpe-openai is not installed")
    folder = Path(package.submodule_search_locations[0])
    binary = next(folder.glob("_bindings*.so"), None) or next(folder.glob("_bindings*.pyd"), None)
    if binary is None:
        raise ImportError(f"bpe-openai's compiled tokenizer is missing from {folder}")
    loader = importlib.machinery.ExtensionFileLoader(MODULE, str(binary))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module
