"""``hushflow expression render`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hushflow.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["expression", "render", *args])
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_renders_without_variables(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "{{ 1 + 2 }} {{ 'a' | upper }}") == (0, "3 A\n", "")


def test_variables_from_a_json_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "vars.json"
    path.write_text(json.dumps({"inputs": {"name": "ada"}, "items": [1, 2]}))
    code, out, _ = run(capsys, "{{ inputs.name }}:{{ items | length }}", "--vars", str(path))
    assert (code, out) == (0, "ada:2\n")


def test_variables_from_a_yaml_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "vars.yml"
    path.write_text("user:\n  tags: [a, b]\n")
    assert run(capsys, "{{ user.tags | join('-') }}", "--vars", str(path))[:2] == (0, "a-b\n")


def test_variables_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('{"n": 41}'))
    assert run(capsys, "{{ n + 1 }}", "--vars", "-")[:2] == (0, "42\n")


def test_typed_values_print_as_kestra_does(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "{{ {'a': [1, 2.0, null]} }}")[1] == '{"a":[1,2.0,null]}\n'


def test_undefined_variable_exits_2_with_position(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ok\n  {{ missing }}")
    assert code == 2 and out == ""
    assert err == (
        "Error: Unable to find `missing` used in the expression `{{ missing }}` "
        "at line 2, column 6\n"
    )


def test_syntax_error_exits_2_with_position(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "{{ 1 + }}")
    assert code == 2
    assert err.startswith("Error: Unexpected '}}' at line 1, column 8")


def test_secret_is_refused_with_position(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "{{ secret('DB_PASSWORD') }}")
    assert (code, out) == (2, "")
    assert err == "Error: Secret access is not allowed in this context at line 1, column 4\n"


def test_bad_vars_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "vars.yml"
    path.write_text("- just\n- a list\n")
    code, _, err = run(capsys, "{{ 1 }}", "--vars", str(path))
    assert code == 2
    assert "must hold a mapping" in err
