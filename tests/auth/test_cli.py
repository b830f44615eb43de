"""``hushflow user|token|role|binding|service-account`` through ``main()``: output and exit codes."""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from hushflow.auth.service import AuthService
from hushflow.cli.main import main
from hushflow.storage.database import open_database


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def hf(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUSHFLOW_DATABASE_URL", db_url)

    def run(*args: str, stdin: str = "") -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture
def service(db_url: str) -> Iterator[AuthService]:
    engine = open_database(db_url)
    yield AuthService(engine)
    engine.dispose()


def test_users_passwords_and_listing(hf, service: AuthService) -> None:  # type: ignore[no-untyped-def]
    password = "pw-" + secrets.token_hex(10)
    made = hf(
        "user",
        "create",
        "alice",
        "--email",
        "a@example.com",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert made.code == 0 and len(made.out.strip()) == 32
    assert password not in made.out + made.err
    assert hf("user", "create", "bob").code == 0
    listed = hf("user", "list", "--output", "json")
    docs = json.loads(listed.out)
    assert [d["username"] for d in docs] == ["alice", "bob"]
    assert docs[0]["hasPassword"] and not docs[1]["hasPassword"]
    assert password not in listed.out
    table = hf("user", "list").out
    assert "USERNAME" in table and "alice" in table

    auth = service
    auth.sign_in("alice", password)
    new = "pw-" + secrets.token_hex(10)
    assert hf("user", "passwd", "alice", stdin=new + "\n").code == 0
    auth.sign_in("alice", new)
    assert hf("user", "disable", "alice").code == 0
    assert json.loads(hf("user", "list", "-o", "json").out)[0]["disabled"] is True
    assert hf("user", "enable", "alice").code == 0


def test_user_errors_are_one_line_with_exit_codes(hf) -> None:  # type: ignore[no-untyped-def]
    assert hf("user", "create", "carol").code == 0
    dup = hf("user", "create", "carol")
    assert dup.code == 2 and dup.err.strip() == "Error: a user named 'carol' already exists"
    missing = hf("user", "disable", "nobody")
    assert missing.code == 2 and "user 'nobody' not found" in missing.err
    short = hf("user", "passwd", "carol", stdin="short\n")
    assert short.code == 2 and "at least 8 characters" in short.err
    bad = hf("user", "create", "bad name")
    assert bad.code == 2 and "invalid user name" in bad.err
    assert "Traceback" not in dup.err + missing.err + short.err + bad.err
    usage = hf("user", "list", "--output", "yaml")
    assert usage.code == 2


def test_tokens_are_shown_once_and_work(hf, service: AuthService) -> None:  # type: ignore[no-untyped-def]
    hf("user", "create", "dave")
    made = hf("token", "create", "--user", "dave", "--name", "ci", "--max-age", "30d")
    assert made.code == 0
    value = made.out.strip()
    assert value.startswith("hf_") and "created" in made.err
    auth = service
    assert auth.principal_for_token(value) is not None
    listed = hf("token", "list", "--user", "dave", "-o", "json")
    [doc] = json.loads(listed.out)
    assert doc["prefix"] == value[:8] and value not in listed.out and doc["expires"]
    assert hf("token", "revoke", doc["id"]).code == 0
    assert auth.principal_for_token(value) is None
    both = hf("token", "create", "--name", "x")
    assert both.code == 2 and "exactly one of --user or --service-account" in both.err
    age = hf("token", "create", "--user", "dave", "--name", "x", "--max-age", "soon")
    assert age.code == 2 and "not a duration" in age.err
    assert hf("token", "revoke", "nope").code == 2


def test_roles_bindings_and_service_accounts(hf, service: AuthService) -> None:  # type: ignore[no-untyped-def]
    assert hf("service-account", "create", "deployer", "--description", "CI").code == 0
    made = hf(
        "role",
        "create",
        "runner",
        "--permission",
        "FLOW:VIEW,LIST,EXECUTE",
        "--permission",
        "EXECUTION:VIEW",
    )
    assert made.code == 0
    roles = json.loads(hf("role", "list", "-o", "json").out)
    runner = next(r for r in roles if r["name"] == "runner")
    assert runner["permissions"] == {"EXECUTION": ["VIEW"], "FLOW": ["EXECUTE", "LIST", "VIEW"]}
    assert "runner" in hf("role", "list").out
    bad = hf("role", "create", "bad", "--permission", "SECRET:VIEW")
    assert bad.code == 2 and "SECRET has no action 'VIEW'" in bad.err
    assert hf("role", "delete", "admin").code == 2

    bound = hf(
        "binding",
        "create",
        "--service-account",
        "deployer",
        "--role",
        "runner",
        "--namespace",
        "company",
    )
    assert bound.code == 0
    docs = json.loads(hf("binding", "list", "-o", "json").out)
    assert [(d["subject"], d["role"], d["namespace"]) for d in docs] == [
        ("deployer", "runner", "company")
    ]
    token = hf("token", "create", "--service-account", "deployer", "--name", "gh").out.strip()
    principal = service.principal_for_token(token)
    assert principal is not None and principal.kind == "SERVICE_ACCOUNT"
    in_use = hf("role", "delete", "runner")
    assert in_use.code == 2 and "used by bindings" in in_use.err
    assert hf("binding", "delete", docs[0]["id"]).code == 0
    assert hf("role", "delete", "runner").code == 0
    assert json.loads(hf("service-account", "list", "-o", "json").out)[0]["name"] == "deployer"
    assert hf("service-account", "delete", "deployer").code == 0
    assert json.loads(hf("service-account", "list", "-o", "json").out) == []
    two = hf("binding", "create", "--user", "a", "--group", "b", "--role", "viewer")
    assert two.code == 2 and "exactly one of --user, --group or --service-account" in two.err


@pytest.mark.parametrize("group", ["user", "token", "role", "binding", "service-account", "group"])
def test_every_group_has_help(hf, group: str) -> None:  # type: ignore[no-untyped-def]
    ran = hf(group, "--help")
    assert ran.code == 0 and "Usage:" in ran.out


def test_the_real_command_exits_2_on_a_duplicate(sqlite_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        "HUSHFLOW_DATABASE_URL": sqlite_url,
        "HUSHFLOW_HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    cmd = [sys.executable, "-m", "hushflow", "service-account", "create", "bot"]
    assert subprocess.run(cmd, env=env, capture_output=True, text=True).returncode == 0
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert (
        again.returncode == 2
        and "already exists" in again.stderr
        and "Traceback" not in again.stderr
    )


def test_groups_and_group_bindings(hf, service: AuthService) -> None:  # type: ignore[no-untyped-def]
    from hushflow.auth.permissions import Action, Resource

    hf("user", "create", "gil")
    assert hf("group", "create", "ops", "--description", "on call").code == 0
    assert hf("group", "add-member", "ops", "gil").code == 0
    assert (
        hf("binding", "create", "--group", "ops", "--role", "viewer", "--namespace", "company").code
        == 0
    )
    [doc] = json.loads(hf("group", "list", "-o", "json").out)
    assert doc["members"] == ["gil"]
    gil = service.principal_for_user("gil")
    assert gil is not None and gil.can(Resource.FLOW, Action.VIEW, "company.a")
    assert hf("group", "remove-member", "ops", "gil").code == 0
    assert hf("group", "delete", "ops").code == 0
    assert json.loads(hf("binding", "list", "-o", "json").out) == []
    missing = hf("group", "add-member", "nope", "gil")
    assert missing.code == 2 and "group 'nope' not found" in missing.err
