"""``hushflow secret`` and ``hushflow audit``, in-process and (for the error path) as a process."""

from __future__ import annotations

import base64
import json
import os
import pty
import secrets as pysecrets
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hushflow.cli.audit_cmd import audit
from hushflow.cli.secret_cmd import secret
from hushflow.errors import SecretError, SecretNotFound


def fake() -> str:
    return "fake-" + pysecrets.token_hex(10)


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "HUSHFLOW_DATABASE_URL": db_url,
        "HUSHFLOW_HOME": str(tmp_path / "home"),
        "HUSHFLOW_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "HUSHFLOW_USER": "tester",
    }


def run(
    env: dict[str, str], *args: str, stdin: str | None = None, group: object = secret
) -> Result:
    return CliRunner().invoke(group, list(args), input=stdin, env=env)  # type: ignore[arg-type]


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_set_reads_stdin_and_prints_the_version(cli_env: dict[str, str]) -> None:
    value = fake()
    assert ok(run(cli_env, "set", "company.team", "DB", stdin=value + "\n")).strip() == "1"
    assert ok(run(cli_env, "set", "company.team", "DB", stdin=fake())).strip() == "2"
    shown = ok(run(cli_env, "get", "company.team", "DB", "--reveal", "--version", "1"))
    assert shown == value  # one trailing newline from stdin was dropped, none added off a tty


def test_set_from_file_keeps_bytes(cli_env: dict[str, str], tmp_path: Path) -> None:
    value = "line1\n" + fake() + "\n\n"
    source = tmp_path / "value.txt"
    source.write_text(value)
    ok(run(cli_env, "set", "ns", "PEM", "--from-file", str(source)))
    assert ok(run(cli_env, "get", "ns", "PEM", "--reveal")) == value


def test_cas_stops_a_lost_update(cli_env: dict[str, str]) -> None:
    ok(run(cli_env, "set", "ns", "K", stdin=fake()))
    result = run(cli_env, "set", "ns", "K", "--cas", "0", stdin=fake())
    assert isinstance(result.exception, SecretError)
    assert "check-and-set failed" in str(result.exception)
    assert ok(run(cli_env, "set", "ns", "K", "--cas", "1", stdin=fake())).strip() == "2"


def test_empty_value_is_refused(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "set", "ns", "K", stdin="")
    assert isinstance(result.exception, SecretError)


def test_list_shows_metadata_and_origin_never_values(cli_env: dict[str, str]) -> None:
    top, own = fake(), fake()
    ok(run(cli_env, "set", "company", "TOP", "--description", "from above", stdin=top))
    ok(run(cli_env, "set", "company.team", "OWN", "--tag", "env=prod", "--tag", "t=x", stdin=own))
    plain = ok(run(cli_env, "list", "company.team"))
    assert "OWN" in plain and "TOP" not in plain and "env=prod,t=x" in plain
    inherited = ok(run(cli_env, "list", "company.team", "--inherited", "-o", "json"))
    docs = {d["key"]: d for d in json.loads(inherited)}
    assert docs["TOP"]["namespace"] == "company" and docs["TOP"]["description"] == "from above"
    assert docs["OWN"]["tags"] == {"env": "prod", "t": "x"}
    assert top not in plain + inherited and own not in plain + inherited


def test_delete_undelete_destroy_and_versions(cli_env: dict[str, str]) -> None:
    for _ in range(3):
        ok(run(cli_env, "set", "ns", "K", stdin=fake()))
    assert "version(s) 3" in ok(run(cli_env, "delete", "ns", "K"))
    assert "deleted" in ok(run(cli_env, "versions", "ns", "K")).splitlines()[3]
    assert "version(s) 3" in ok(run(cli_env, "undelete", "ns", "K"))
    assert "version(s) 1" in ok(run(cli_env, "destroy", "ns", "K", "-v", "1", "--yes"))
    lines = ok(run(cli_env, "versions", "ns", "K")).splitlines()
    assert "destroyed" in lines[1] and "current" in lines[3]
    declined = run(cli_env, "destroy", "ns", "K", "--all", stdin="n\n")
    assert declined.exit_code == 1
    assert "version(s) 1, 2, 3" in ok(run(cli_env, "destroy", "ns", "K", "--all", "--yes"))
    assert isinstance(run(cli_env, "versions", "ns", "K").exception, SecretError)


def test_destroy_needs_versions_or_all(cli_env: dict[str, str]) -> None:
    assert run(cli_env, "destroy", "ns", "K", "--yes").exit_code == 2


def test_get_without_reveal_shows_no_value(cli_env: dict[str, str]) -> None:
    value = fake()
    ok(run(cli_env, "set", "ns", "K", stdin=value))
    shown = ok(run(cli_env, "get", "ns", "K"))
    assert value not in shown and json.loads(shown)["version"] == 1


def test_reveal_of_a_missing_key(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "get", "ns", "NOPE", "--reveal")
    assert isinstance(result.exception, SecretNotFound)


def test_audit_list_shows_changes_and_reveals(cli_env: dict[str, str]) -> None:
    value = fake()
    ok(run(cli_env, "set", "company", "K", stdin=value))
    ok(run(cli_env, "get", "company", "K", "--reveal"))
    ok(run(cli_env, "set", "other", "X", stdin=fake()))
    lines = ok(run(cli_env, "list", "--namespace", "company", group=audit)).splitlines()
    assert [line.split()[2] for line in lines] == ["reveal", "set"]
    assert all("by tester" in line for line in lines)
    docs = json.loads(
        ok(run(cli_env, "list", "--key", "k", "--since", "1h", "-o", "json", group=audit))
    )
    assert {d["action"] for d in docs} == {"set", "reveal"}
    assert value not in json.dumps(docs)
    assert ok(run(cli_env, "list", "--since", "2999-01-01", group=audit)) == ""


def test_rotate_key_keeps_everything_readable(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in cli_env.items() if k != "HUSHFLOW_MASTER_KEY"}
    value = fake()
    ok(run(env, "set", "ns", "K", stdin=value))
    old = (tmp_path / "home" / "master.key").read_text()
    assert "finished" in ok(run(env, "rotate-key"))
    assert (tmp_path / "home" / "master.key").read_text() != old
    assert ok(run(env, "get", "ns", "K", "--reveal")) == value


def hushflow(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "hushflow", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full,
        timeout=60,
    )


def test_errors_become_one_line_and_an_exit_code(cli_env: dict[str, str]) -> None:
    done = hushflow(cli_env, "secret", "get", "company.other", "MISSING", "--reveal")
    assert done.returncode == 1
    assert done.stderr.strip() == "Error: Cannot find secret for key 'MISSING'."
    assert "Traceback" not in done.stderr


def read_until_closed(fd: int, answer: bytes | None) -> bytes:
    seen = b""
    answered = answer is None
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            raise AssertionError(f"no output from the command; got {seen!r}")
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the child closed the terminal
            return seen
        if not chunk:
            return seen
        seen += chunk
        if not answered and b"[y/N]" in seen:
            os.write(fd, answer)  # type: ignore[arg-type]
            answered = True


@pytest.mark.parametrize(("answer", "shown"), [(b"n\n", False), (b"y\n", True)], ids=["no", "yes"])
def test_reveal_on_a_terminal_asks_first(
    cli_env: dict[str, str], answer: bytes, shown: bool
) -> None:
    value = fake()
    assert hushflow(cli_env, "secret", "set", "ns", "K", stdin=value).returncode == 0
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hushflow", "secret", "get", "ns", "K", "--reveal"],
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, **cli_env},
    )
    os.close(child)
    try:
        output = read_until_closed(main, answer)
    finally:
        proc.wait(timeout=60)
        os.close(main)
    assert b"Print the value of K" in output
    assert (value.encode() in output) is shown
    assert proc.returncode == (0 if shown else 1)


@pytest.mark.parametrize(
    ("text", "ago"),
    [("30s", 30), ("15m", 900), ("2h", 7200), ("7d", 604800)],
    ids=["seconds", "minutes", "hours", "days"],
)
def test_since_accepts_relative_times(text: str, ago: int) -> None:
    from datetime import UTC, datetime

    from hushflow.cli.audit_cmd import parse_since

    parsed = parse_since(text)
    delta = (datetime.now(UTC) - parsed).total_seconds()
    assert ago <= delta < ago + 60


def test_since_accepts_iso_dates_as_utc() -> None:
    from datetime import UTC, datetime

    from hushflow.cli.audit_cmd import parse_since

    assert parse_since("2026-01-31T12:00") == datetime(2026, 1, 31, 12, tzinfo=UTC)
    assert parse_since("2026-01-31T12:00+01:00") == datetime(2026, 1, 31, 11, tzinfo=UTC)


def test_since_rejects_nonsense(cli_env: dict[str, str]) -> None:
    result = run(cli_env, "list", "--since", "yesterday-ish", group=audit)
    assert result.exit_code == 2 and "--since" in result.output
