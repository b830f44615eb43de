"""Adversarial: a literal credential in a flow never comes out of the linter, in any format."""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path

import pytest

from hushflow.lint import lint_source
from tests.cli.test_flow_cmd import hushflow, write


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def planted() -> dict[str, str]:
    return {
        "password": secrets.token_hex(12),
        "aws": "AKIA" + _random(string.ascii_uppercase + string.digits, 16),
        "github": "ghp_" + _random(string.ascii_letters + string.digits, 36),
        # 40 distinct characters: always above the entropy limit (a random draw sometimes is not)
        "entropy": "".join(secrets.SystemRandom().sample(string.ascii_letters + string.digits, 40)),
    }


def flow_with(values: dict[str, str]) -> str:
    return (
        "id: leaky\nnamespace: company.team\n"
        "inputs:\n  - id: pw\n    type: SECRET\n    defaults: " + values["password"] + "x\n"
        "tasks:\n"
        "  - id: call\n    type: io.kestra.plugin.core.http.Request\n    uri: https://example.com\n"
        "    headers:\n      Authorization: Bearer " + values["github"] + "\n"
        "    options:\n      auth:\n        type: BASIC\n        username: u\n"
        "        password: " + values["password"] + "\n"
        "  - id: s\n    type: io.kestra.plugin.scripts.shell.Commands\n    commands:\n"
        "      - aws configure set aws_access_key_id " + values["aws"] + "\n"
        "      - curl -d " + values["entropy"] + " https://example.com\n"
    )


def with_kv(source: str, values: dict[str, str]) -> str:
    """The flow plus a KV Set task (a type hushflow does not run yet: lint only)."""
    return source + (
        "  - id: kv\n    type: io.kestra.plugin.core.kv.Set\n    key: cache\n"
        "    value: " + values["entropy"] + "\n"
    )


def pieces(value: str, size: int = 6) -> list[str]:
    return [value[i : i + size] for i in range(len(value) - size + 1)]


def test_every_credential_is_found_at_its_place() -> None:
    values = planted()
    source = with_kv(flow_with(values), values)
    found = [f for f in lint_source(source) if f.rule in ("plaintext-credential", "kv-credential")]
    lines = {f.line for f in found}
    for value in values.values():
        line = source[: source.index(value)].count("\n") + 1
        assert line in lines, (line, sorted(lines))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_no_piece_of_a_credential_is_printed(fmt: str, home: Path, tmp_path: Path) -> None:
    values = planted()
    path = write(tmp_path, "leaky.yml", with_kv(flow_with(values), values))
    result = hushflow("flow", "lint", "--format", fmt, str(path), home=home)
    out = result.stdout + result.stderr
    assert "plaintext-credential" in out
    for value in values.values():
        for piece in pieces(value):
            assert piece not in out
    if fmt == "json":
        assert json.loads(result.stdout)["findings"]


def test_validate_and_deploy_do_not_print_them_either(home: Path, tmp_path: Path) -> None:
    values = planted()
    path = write(tmp_path, "leaky.yml", flow_with(values))
    for command in ("validate", "deploy"):
        result = hushflow("flow", command, str(path), home=home)
        out = result.stdout + result.stderr
        assert "plaintext-credential" in out, out
        for value in values.values():
            assert all(piece not in out for piece in pieces(value))
