"""kill -9 in the middle of a crawl, then a rerun: no article lost, none stored twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bawaba.store import open_store

from .conftest import add_demo_sources, crawl_settings, expected_articles


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_kill_minus_9_then_rerun(network: Any, tmp_path: Path) -> None:
    db = tmp_path / "k9.db"
    cfg = crawl_settings(f"sqlite:///{db}")
    store = open_store(cfg.database_url)
    add_demo_sources(store, network, cfg)
    expected = expected_articles(network.manifest())

    env = {**os.environ, "BAWABA_DATABASE_URL": cfg.database_url, "BAWABA_ALLOW_PRIVATE_ADDRESSES": "1",
           "BAWABA_HOST_DELAY_S": "0"}
    cmd = [sys.executable, "-m", "bawaba", "crawl", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if store.count_articles() >= len(expected) // 3:
                break
            assert proc.poll() is None, "crawl finished before it could be killed"
            time.sleep(0.05)
        workers = children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = store.count_articles()
    assert 0 < killed_at < len(expected)
    # its extraction workers do not outlive it, blocked on a queue no one will fill
    if (os.cpu_count() or 1) > 1:
        assert workers, "the crawl started no extraction workers"
    deadline = time.monotonic() + 10
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)]

    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    stored = list(store.iter_articles())
    store.close()
    urls = Counter(a.url for a in stored)
    assert max(urls.values()) == 1
    assert set(urls) == set(expected)
    # the store is intact
    import sqlite3

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
