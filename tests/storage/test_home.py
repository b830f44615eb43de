"""HUSHFLOW_HOME: private to its user, safe to set up from many processes at once, clear when unusable."""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from hushflow.errors import ConfigError
from hushflow.storage.database import (
    database_url,
    head_revision,
    open_database,
    permission_warnings,
)

OPEN = "from hushflow.storage.database import open_database; open_database()"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_home_is_0700_and_every_database_file_0600(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = open_database(database_url({"HUSHFLOW_HOME": str(home)}))
    with db.begin() as conn:  # a write, so SQLite creates its WAL files
        conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        conn.execute(text("INSERT INTO probe VALUES (1)"))
    files = sorted(home.iterdir())
    assert mode(home) == 0o700
    assert {p.name for p in files} >= {"hushflow.db", "hushflow.db-wal", "hushflow.db-shm"}
    assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    db.dispose()


def test_a_home_open_to_others_is_named_with_the_fix(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    (home / "master.key").write_text("x")
    (home / "master.key").chmod(0o644)
    warnings = permission_warnings({"HUSHFLOW_HOME": str(home)})
    assert len(warnings) == 2
    assert f"chmod 0700 {home}" in warnings[0]
    assert f"chmod 0600 {home / 'master.key'}" in warnings[1]
    home.chmod(0o700)
    (home / "master.key").chmod(0o600)
    assert permission_warnings({"HUSHFLOW_HOME": str(home)}) == []


def test_cli_warns_about_a_loose_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    env = {**os.environ, "HUSHFLOW_HOME": str(home)}
    env.pop("HUSHFLOW_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "hushflow", "execution", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"Warning: {home} is readable by others (mode 0755); run: chmod 0700 {home}" in (
        result.stderr
    )


def _start_many(count: int, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=240)
        out.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


def _assert_all_set_up(results: list[subprocess.CompletedProcess[str]], url: str) -> None:
    failed = [r.stderr.strip().splitlines()[-1] for r in results if r.returncode != 0]
    assert failed == []
    db = open_database(url)
    with db.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v[0] for v in versions] == [head_revision()]
    db.dispose()


def test_many_first_starts_at_once_on_a_new_sqlite_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "HUSHFLOW_HOME": str(home)}
    env.pop("HUSHFLOW_DATABASE_URL", None)
    results = _start_many(8, env)
    _assert_all_set_up(results, database_url({"HUSHFLOW_HOME": str(home)}))


@pytest.mark.postgres
def test_many_first_starts_at_once_on_a_new_postgres_schema(pg_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "HUSHFLOW_HOME": str(tmp_path), "HUSHFLOW_DATABASE_URL": pg_url}
    results = _start_many(8, env)
    _assert_all_set_up(results, pg_url)


def test_a_home_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=r"cannot create HUSHFLOW_HOME .*file/home: Not a"):
        database_url({"HUSHFLOW_HOME": str(blocker / "home")})


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "hushflow.db").mkdir()  # a folder where the file should be
    with pytest.raises(ConfigError, match="cannot open the database sqlite:///"):
        open_database(f"sqlite:///{tmp_path / 'hushflow.db'}")


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare"
)
@pytest.mark.parametrize("sub", ["", "/new"], ids=["existing-home", "home-to-create"])
def test_a_read_only_home_is_one_line_and_exit_2(tmp_path: Path, sub: str) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    hushflow = f"{shlex.quote(sys.executable)} -m hushflow execution list"
    script = (
        f"mount --bind {home} {home} && mount -o remount,ro,bind {home} && "
        f"HUSHFLOW_HOME={home}{sub} {hushflow}"
    )
    env = {k: v for k, v in os.environ.items() if k != "HUSHFLOW_DATABASE_URL"}
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Read-only file system" in result.stderr
