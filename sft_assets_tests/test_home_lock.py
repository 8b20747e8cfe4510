"""One run per home folder: a second run, from the CLI or from Dagster, refuses (or waits) and names the
run that holds the home."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from sft_assets.core.store import RUN_LOCK, HomeBusy, home_lock

HOLD = "import sys, time; from pathlib import Path; from sft_assets.core.store import home_lock\n" \
       "with home_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)\n"


@pytest.fixture
def held_home(tmp_path: Path):
    """A home folder whose lock another process holds (started in its own process group, stopped by pid)."""
    home = tmp_path / "home"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(home)], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield home, holder.pid
    finally:
        os.killpg(holder.pid, signal.SIGTERM)
        holder.wait(timeout=10)


def test_a_second_holder_is_refused_with_the_holders_pid(held_home) -> None:
    home, pid = held_home
    started = time.monotonic()
    with pytest.raises(HomeBusy, match=rf"is in use by another run \(pid {pid}, started"):
        with home_lock(home, wait_seconds=0.5):
            pass
    assert time.monotonic() - started >= 0.5  # it waited as asked


def test_the_lock_is_free_again_after_a_run_and_when_its_process_dies(tmp_path: Path) -> None:
    with home_lock(tmp_path):
        with home_lock(tmp_path):  # the holding process may take it again
            pass
    with home_lock(tmp_path):
        pass
    assert (tmp_path / RUN_LOCK).exists()


def test_the_cli_refuses_a_busy_home_before_any_work(held_home) -> None:
    home, pid = held_home
    run = subprocess.run([sys.executable, "-m", "sft_assets.cli", "run", "--home", str(home)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert f"is in use by another run (pid {pid}" in run.stderr
    assert not (home / "dagster").exists() and not (home / "sft_assets.duckdb").exists()


def test_a_dagster_run_on_a_busy_home_fails_naming_the_holder(held_home) -> None:
    from sft_assets.defs.ingest.assets import ingest
    from sft_assets.defs.resources import CurationConfigResource, StoreResource

    home, pid = held_home
    result = dg.materialize([ingest], resources={"curation": CurationConfigResource(), "store": StoreResource(home=str(home))},
                            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False,
                            run_config={"ops": {"ingest": {"config": {"workers": 1}}}})
    assert not result.success
    failures = [e for e in result.all_events if e.is_failure]
    assert any(f"pid {pid}" in str(e.event_specific_data) for e in failures)
