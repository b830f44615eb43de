"""No password, API token, session id or CSRF token is stored or logged in clear.

Credentials are generated at run time and planted through every path that
takes one (bootstrap, sign-in, token creation); then the raw SQLite file
(WAL included) and every row of every table are searched for them, in clear
and in their common encodings.
"""

from __future__ import annotations

import base64
import logging
import secrets
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from tests.auth.conftest import CHEAP

from hushflow.auth.records import SubjectType
from hushflow.auth.service import AuthService
from hushflow.storage.schema import metadata


def _forms(value: str) -> list[bytes]:
    raw = value.encode()
    return [raw, raw.hex().encode(), base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


def _plant(auth: AuthService) -> list[str]:
    boot_token = "boot-" + secrets.token_urlsafe(30)
    boot_password = "pw-" + secrets.token_hex(16)
    auth.bootstrap(
        {
            "HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN": boot_token,
            "HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD": boot_password,
        }
    )
    user_password = "pw-" + secrets.token_hex(16)
    auth.create_user("nora", user_password)
    token = auth.create_token(SubjectType.USER, "nora", "ci").value
    auth.create_service_account("bot")
    sa_token = auth.create_token(SubjectType.SERVICE_ACCOUNT, "bot", "deploy").value
    session = auth.sign_in("nora", user_password)
    new_password = "pw-" + secrets.token_hex(16)
    auth.set_password("admin", new_password)
    session2 = auth.sign_in("admin", new_password)
    for t in (boot_token, token, sa_token):
        assert auth.principal_for_token(t) is not None
    assert auth.principal_for_session(session2.session_id) is not None
    return [
        boot_token,
        boot_password,
        user_password,
        token,
        sa_token,
        session2.session_id,
        session2.csrf_token,
        new_password,
        # the first session was closed by nothing: it must not be stored either
        session.session_id,
        session.csrf_token,
    ]


def _rows(engine: Engine) -> list[str]:
    out = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            out.extend(repr(tuple(r)) for r in conn.execute(select(table)))
    return out


def test_no_credential_in_any_row(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    auth = AuthService(engine, hasher=CHEAP)
    planted = _plant(auth)
    rows = "\n".join(_rows(engine))
    assert "nora" in rows  # the search does see the tables
    logged = caplog.text
    for value in planted:
        for form in _forms(value):
            assert form.decode() not in rows
            assert form.decode() not in logged


def test_no_credential_in_the_raw_sqlite_file(sqlite_url: str, tmp_path: Path) -> None:
    from hushflow.storage.database import open_database

    engine = open_database(sqlite_url)
    auth = AuthService(engine, hasher=CHEAP)
    planted = _plant(auth)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(FULL)"))
    engine.dispose()
    files = [p for p in tmp_path.iterdir() if p.name.startswith("hushflow.db")]
    blob = b"".join(p.read_bytes() for p in files)
    assert b"nora" in blob
    for value in planted:
        for form in _forms(value):
            assert form not in blob
