"""The home folder and its DuckDB file: where every table of the pipeline lives.

Connections are short-lived (open, do one thing, close) because DuckDB allows one writing process per
file and dbt runs as a separate process on the same file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

HOME_ENV = "SFT_ASSETS_HOME"
DEFAULT_HOME = "sft_home"
DB_FILE = "sft_assets.duckdb"
LOCK_WAIT_SECONDS = 30.0
RUN_LOCK = ".run.lock"


class HomeBusy(RuntimeError):
    """Another run holds the home folder."""


@contextmanager
def home_lock(home: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the home folder for one run: a second run (CLI or UI, any process) waits up to `wait_seconds`,
    then refuses with HomeBusy naming the holder. A POSIX lock: the process that holds it may take it again
    (the CLI holds it around the Dagster run, whose store resource takes it too), and the system releases it
    if the process dies."""
    import fcntl
    from datetime import datetime, timezone

    home.mkdir(parents=True, exist_ok=True)
    path = home / RUN_LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    holder = path.read_text(encoding="utf-8", errors="replace").strip() or "another process"
                    raise HomeBusy(f"{home} is in use by another run ({holder}): wait for it to finish, or use "
                                   "another home folder (--home or SFT_ASSETS_HOME)") from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC".encode(), 0)
        yield
    finally:
        os.close(fd)


def resolve_home(home: str | os.PathLike[str] | None = None, create: bool = True) -> Path:
    """The home folder: explicit, else $SFT_ASSETS_HOME, else ./sft_home (absolute; created unless `create`
    is False)."""
    chosen = home or os.environ.get(HOME_ENV) or DEFAULT_HOME
    path = Path(chosen).expanduser().resolve()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


class Store:
    """Read and write the pipeline's DuckDB tables."""

    def __init__(self, home: str | os.PathLike[str] | None = None, create: bool = True) -> None:
        """`create=False` for readers (explain, report): a missing home stays missing."""
        self.home = resolve_home(home, create)
        self.db_path = self.home / DB_FILE
        self.exports_dir = self.home / "exports"
        self.cache_dir = self.home / "cache"  # files derived from installed packages (kernels.disk_cache)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection; waits (bounded) while another process holds the write lock."""
        if read_only and not self.db_path.exists():
            raise FileNotFoundError(f"no pipeline database at {self.db_path}: run `sft-assets run` first")
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                con = duckdb.connect(str(self.db_path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        try:
            yield con
        finally:
            con.close()

    def replace_table(self, name: str, data: pa.Table) -> int:
        """Replace table `name` with an Arrow table; returns the row count."""
        with self.connect() as con:
            con.register("_incoming", data)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _incoming')
            con.unregister("_incoming")
        return data.num_rows

    def append_table(self, name: str, data: pa.Table) -> None:
        """Append rows to `name`, creating it from the data's schema when missing."""
        with self.connect() as con:
            con.register("_incoming", data)
            con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" AS SELECT * FROM _incoming LIMIT 0')
            con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _incoming')
            con.unregister("_incoming")

    def query(self, sql: str, params: list[Any] | None = None, read_only: bool = False) -> pa.Table:
        with self.connect(read_only=read_only) as con:
            return con.execute(sql, params or []).to_arrow_table()

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        with self.connect() as con:
            con.execute(sql, params or [])

    def row_count(self, name: str) -> int:
        return self.query(f'SELECT count(*) AS n FROM "{name}"').column("n")[0].as_py()

    def has_table(self, name: str) -> bool:
        if not self.db_path.exists():
            return False
        with self.connect(read_only=True) as con:
            rows = con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", [name]
            ).fetchall()
        return bool(rows)
