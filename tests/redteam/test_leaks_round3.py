"""Red-team findings, round 3 (masking): everyday forms a script prints a secret in.

A generated secret is planted through ``env`` and a real script prints one
form of it: escaped twice (JSON inside JSON, the ``repr`` of a dict holding a
JSON body, a JSON body quoted for the shell), percent-encoded with another
tool's safe set, upper-cased, or dumped with ``od -c``. Each test runs on
SQLite and PostgreSQL and searches the log lines, every stored row (all
tables, read back with SQL) and, on SQLite, the raw database file and its WAL.
"""

from __future__ import annotations

import json
import re
import secrets
import shlex
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from sqlalchemy import Engine as Database
from sqlalchemy import text
from tests.engine.conftest import Run, Runner

from hushflow.storage.schema import metadata

pytestmark = pytest.mark.usefixtures("db_url")


def _secret() -> str:
    """A fresh fake secret holding what escapers and URL encoders rewrite."""
    return f"{secrets.token_hex(8)}\"q'\\x @/&+:=,*~!{secrets.token_hex(8)}"


def _places(run: Run, database: Database, db_url: str) -> dict[str, bytes]:
    """Everywhere a leak could be: logs, every stored row, the raw SQLite file."""
    rows: list[str] = []
    with database.connect() as conn:
        for table in metadata.sorted_tables:
            rows.extend(repr(tuple(row)) for row in conn.execute(table.select()))
    places = {
        "logs": "\n".join(run.messages).encode(),
        "stored execution": run.everything().encode(),
        "stored rows": "\n".join(rows).encode(),
    }
    if db_url.startswith("sqlite:///"):
        db_file = Path(db_url.removeprefix("sqlite:///"))
        files = sorted(db_file.parent.glob(db_file.name + "*"))
        places["raw database file"] = b"".join(p.read_bytes() for p in files)
    return places


def _leaks(places: dict[str, bytes], *forms: str) -> list[str]:
    """Names of the places holding any of ``forms`` (never the forms themselves)."""
    return [
        f"{name} holds form #{i}"
        for i, form in enumerate(forms)
        for name, blob in places.items()
        if form.encode() in blob
    ]


def _checkpoint(database: Database) -> None:
    """Fold SQLite's WAL into the file, so the file itself is searched too."""
    if database.dialect.name == "sqlite":
        with database.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(FULL)"))


def _run_python(run_flow: Runner, flow_id: str, script: str, secret: str) -> Run:
    body = "\n".join("              " + line for line in script.strip().splitlines())
    return run_flow(
        f"""
        id: {flow_id}
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.scripts.python.Script
            env:
              T: "{{{{ secret('TOKEN') }}}}"
            script: |
{body}
        """,
        secrets={"TOKEN": secret},
    )


def _run_shell(run_flow: Runner, flow_id: str, command: str, secret: str) -> Run:
    return run_flow(
        f"""
        id: {flow_id}
        namespace: rt
        tasks:
          - id: s
            type: io.kestra.plugin.scripts.shell.Commands
            env:
              T: "{{{{ secret('TOKEN') }}}}"
            commands:
              - {json.dumps(command)}
        """,
        secrets={"TOKEN": secret},
    )


def _json(value: str) -> str:
    return json.dumps(value)[1:-1]


def _check(run: Run, database: Database, db_url: str, secret: str, *forms: str) -> None:
    assert run.messages, "the script printed nothing: the test would prove nothing"
    _checkpoint(database)
    places = _places(run, database, db_url)
    halves = (secret[:16], secret[-16:])
    assert not _leaks(places, secret, *halves, *forms)


# -- 4. escaping applied twice ------------------------------------------------------

TWICE: dict[str, tuple[str, Callable[[str], str]]] = {
    "json-in-json": (
        'import json, os\nprint(json.dumps({"payload": json.dumps({"token": os.environ["T"]})}))',
        lambda s: _json(_json(s)),
    ),
    "repr-of-dict-with-json": (
        'import json, os\nprint({"body": json.dumps({"token": os.environ["T"]})})',
        lambda s: repr(json.dumps(s))[2:-2],
    ),
    "shell-quoted-json": (
        'import json, os, shlex\nprint("curl -d", shlex.quote(json.dumps({"t": os.environ["T"]})))',
        lambda s: shlex.quote(json.dumps(s))[2:-2],
    ),
}


@pytest.mark.parametrize("case", TWICE, ids=list(TWICE))
def test_secret_escaped_twice(case: str, run_flow: Runner, database: Database, db_url: str) -> None:
    script, form = TWICE[case]
    secret = _secret()
    run = _run_python(run_flow, f"twice_{case.replace('-', '_')}", script, secret)
    _check(run, database, db_url, secret, form(secret))


def test_json_body_traced_by_bash_xtrace(run_flow: Runner, database: Database, db_url: str) -> None:
    """``set -x`` quotes a JSON argument for the shell: shell escaping of JSON escaping."""
    secret = _secret()
    command = (
        'BODY=$(python3 -c \'import json,os; print(json.dumps({"t": os.environ["T"]}))\');'
        ' bash -c \'set -x; true "$1"\' _ "$BODY"'
    )
    run = _run_shell(run_flow, "xtrace_json", command, secret)
    assert any(m.startswith("+ true '{") for m in run.messages), "bash traced no JSON argument"
    shown = _json(secret).replace("'", "'\\''")
    _check(run, database, db_url, secret, shown)


# -- 5. percent-encoding with other safe sets ------------------------------------------

PERCENT: dict[str, str] = {
    "requests-requote-uri": 'quote(t, safe="!#$&\'()*+,/:;=?@[]~")',
    "java-url-encoder": 'quote_plus(t, safe="*").replace("~", "%7E")',
    "js-encode-uri": 'quote(t, safe="!#$&\'()*+,/:;=?@~")',
    "js-encode-uri-component": 'quote(t, safe="!\'()*~")',
    "quote-default": "quote(t)",
    "quote-plus-default": "quote_plus(t)",
}
PERCENT_FORMS: dict[str, Callable[[str], str]] = {
    "requests-requote-uri": lambda t: quote(t, safe="!#$&'()*+,/:;=?@[]~"),
    "java-url-encoder": lambda t: quote_plus(t, safe="*").replace("~", "%7E"),
    "js-encode-uri": lambda t: quote(t, safe="!#$&'()*+,/:;=?@~"),
    "js-encode-uri-component": lambda t: quote(t, safe="!'()*~"),
    "quote-default": quote,
    "quote-plus-default": quote_plus,
}


@pytest.mark.parametrize("case", PERCENT, ids=list(PERCENT))
def test_secret_percent_encoded_with_another_safe_set(
    case: str, run_flow: Runner, database: Database, db_url: str
) -> None:
    secret = _secret()
    script = (
        "import os\nfrom urllib.parse import quote, quote_plus\n"
        f't = os.environ["T"]\nprint("GET https://api.invalid/x?key=" + {PERCENT[case]})'
    )
    run = _run_python(run_flow, f"pct_{case.replace('-', '_')}", script, secret)
    _check(run, database, db_url, secret, PERCENT_FORMS[case](secret))


# -- 6. case changes and od -c --------------------------------------------------------


def test_secret_upper_cased_by_tr(run_flow: Runner, database: Database, db_url: str) -> None:
    secret = _secret()
    run = _run_shell(run_flow, "tr_upper", "printf 'key=%s\\n' \"$T\" | tr a-z A-Z", secret)
    _check(run, database, db_url, secret, secret.upper())


def test_secret_lower_cased_by_python(run_flow: Runner, database: Database, db_url: str) -> None:
    secret = _secret().upper()
    script = 'import os\nprint("key:", os.environ["T"].lower())'
    run = _run_python(run_flow, "py_lower", script, secret)
    _check(run, database, db_url, secret, secret.lower())


def _od_cells(data: bytes) -> str:
    named = {0: "\\0", 9: "\\t", 10: "\\n", 13: "\\r"}
    return "".join(
        f"{named[b]:>4}" if b in named else f"{chr(b):>4}" if 32 <= b < 127 else f" {b:03o}"
        for b in data
    )


@pytest.mark.parametrize("prefix", ["", "token=", "Authorization: "], ids=["alone", "t=", "hdr"])
def test_secret_dumped_with_od_c(
    prefix: str, run_flow: Runner, database: Database, db_url: str
) -> None:
    secret = _secret()
    command = f"printf '{prefix}%s\\n' \"$T\" | od -c"
    run = _run_shell(run_flow, f"od_c_{len(prefix)}", command, secret)
    assert any(re.match(r"^0000000", m) for m in run.messages), "od printed no dump"
    cells = _od_cells(secret.encode())
    pieces = [cells[4 * i : 4 * (i + 6)] for i in range(len(secret.encode()) - 5)]
    _check(run, database, db_url, secret, *pieces)
