"""Creating the master key on first use is safe when many threads and processes race."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from hushflow.secrets.master_key import MasterKeySource


def test_threads_racing_to_create_the_key_all_get_the_same_one(tmp_path: Path) -> None:
    rings, errors = [], []

    def create() -> None:
        try:
            rings.append(MasterKeySource({"HUSHFLOW_HOME": str(tmp_path)}).keyring(create=True))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.primary_id for r in rings}) == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_processes_racing_to_create_the_key_all_get_the_same_one(tmp_path: Path) -> None:
    code = (
        "import sys; from hushflow.secrets.master_key import MasterKeySource;"
        "print(MasterKeySource({'HUSHFLOW_HOME': sys.argv[1]}).keyring(create=True).primary_id)"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(6)
    ]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(ids) == 1 and "" not in ids
