from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

if TYPE_CHECKING:
    import pyarrow as pa

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _quiet_environment() -> None:
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """Definitions need the dbt manifest; build it once per test session."""
    from sft_assets.dbt_project import ensure_manifest

    return ensure_manifest()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"realistic data folder {SHARED_DATA} is absent")
    return SHARED_DATA


def write_config(folder: Path, sources: list[dict], **sections: object) -> Path:
    """Write a curation.yaml into `folder` whose data_root is `folder/data`."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    body = {"data_root": "data", "sources": sources, **sections}
    path = folder / "curation.yaml"
    path.write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return path


def real_examples(shared_data: Path, relative: str) -> pa.Table:
    """The ingested examples of one file under shared/data, or of the first 300 ShareGPT sample files
    when `relative` is "sharegpt-sample"."""
    import pyarrow as pa

    from sft_assets.ingest.ingest_file import FileTask, ingest_file

    if relative == "sharegpt-sample":
        files = sorted((shared_data / relative / "sampled_enriched_data").glob("*_*.json"))[:300]
        return pa.concat_tables([ingest_file(FileTask(source="s", path=p, file=p.name)).examples for p in files])
    return ingest_file(FileTask(source="s", path=shared_data / relative, file=relative)).examples


# Characters where Python and RE2 (or a per-character view of str.lower) disagree, plus every kind of space.
TRICKY = ["a", "B", " ", "\n", "\r", "\x1c", "\x0b", "\u00a0", "\u3000", "\u2028", "é", "中", "文", "か", "한",
          "İ", "ı", "ſ", "K", "Σ", "ς", "\U0001f600", "\U00020000", "`", "```", "{{", "}}", "[", "]", "<", ">", "#",
          "_", ".", "1", "٣", "http://x.io/a.png", "image", "code", "I cannot", "作为一个AI", "N/A", "\t"]


def table_of(conversations: list[list[dict]]) -> pa.Table:
    """An examples table (the columns clean and filter read) holding these conversations."""
    import pyarrow as pa

    from sft_assets.core.records import canonical_json

    n = len(conversations)
    return pa.table({
        "example_id": [f"e{i}" for i in range(n)], "source": ["s"] * n, "file": ["f"] * n,
        "locator": [str(i) for i in range(n)], "category": [None] * n,
        "messages": [canonical_json(c) for c in conversations],
    })


def chat(user: str, reply: str, system: str | None = None) -> list[dict]:
    return ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}, {"role": "assistant", "content": reply}]


def random_chats(seed: int, pieces: list[str], n: int, most_pieces: int, system_share: float) -> list[list[dict]]:
    """n conversations whose user, reply and (in about `system_share` of them) system texts are random
    strings of up to `most_pieces` pieces, the same for the same seed."""
    import random

    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randrange(0, most_pieces)))

    return [chat(text(), text(), text() if rng.random() < system_share else None) for _ in range(n)]
