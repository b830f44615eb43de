"""The pure parts of the script tasks: the line protocol, the output pipe, files, environment."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushflow.masking import Masker
from hushflow.tasks.context import TaskFailed
from hushflow.tasks.process import MAX_LINE, _Pipe
from hushflow.tasks.process_env import child_environment
from hushflow.tasks.script_files import collect_output_files, masked_bytes, write_input_files
from hushflow.tasks.script_protocol import parse_line

json_leaf = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=10), json_value, max_size=5))
def test_outputs_round_trip_through_the_protocol(outputs: dict[str, object]) -> None:
    directive = parse_line("::" + json.dumps({"outputs": outputs}) + "::")
    assert directive is not None
    assert directive.outputs == outputs


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_any_line_parses_or_is_ordinary_without_raising(line: str) -> None:
    directive = parse_line(line)
    if directive is not None:
        assert line.strip().startswith("::{")


@pytest.mark.parametrize(
    "line",
    ["::[1, 2]::", "::{broken::", '::"text"::', "echo ::{}:: later", "::{}:"],
    ids=["array", "broken", "string", "inside-text", "one-colon"],
)
def test_lines_that_are_not_directives(line: str) -> None:
    assert parse_line(line) is None


def test_log_levels_are_kestras() -> None:
    line = (
        '::{"logs": [{"level": "warning", "message": "w"}, {"level": "nope", "message": 1}, "x"]}::'
    )
    directive = parse_line(line)
    assert directive is not None
    assert directive.logs == [("WARN", "w"), ("INFO", "1"), ("INFO", "x")]


class _Stream:
    def __init__(self, masker: Masker) -> None:
        self._stream = masker.stream()

    def feed(self, chunk: str) -> str:
        return self._stream.feed(chunk)

    def flush(self) -> str:
        return self._stream.flush()


secret_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\r"), min_size=12, max_size=30
)


@settings(max_examples=300, deadline=None)
@given(
    secret=secret_text,
    parts=st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="\r"), max_size=30), max_size=6
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
)
def test_a_pipe_cut_anywhere_gives_the_masked_lines(
    secret: str, parts: list[str], cuts: list[int]
) -> None:
    masker = Masker()
    if not masker.add(secret):
        return
    text = secret.join(parts) if len(parts) > 1 else secret + "".join(parts)
    data = text.encode("utf-8")
    pipe = _Pipe(_Stream(masker))
    lines: list[str] = []
    start = 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        lines += pipe.feed(data[start:cut])  # may split a UTF-8 character
        start = cut
    lines += pipe.close()
    expected = masker.mask(text).split("\n")
    if expected[-1] == "":
        expected.pop()
    assert lines == expected
    assert secret not in "\n".join(lines)


def test_a_stopped_pipe_drops_what_the_stream_held_back() -> None:
    masker = Masker()
    masker.add("correct-horse-battery-staple")
    pipe = _Pipe(_Stream(masker))
    first = "a line long enough to be let through by the stream " * 4
    shown = pipe.feed(f"{first}\n{'filler ' * 20}\ncorrect-horse-batt".encode())
    assert shown == [first]
    rest = pipe.close(stopped=True)
    assert pipe.dropped > len("correct-horse-batt")
    assert not any("correct" in line for line in rest)


def test_long_lines_come_out_in_pieces() -> None:
    pipe = _Pipe(_Stream(Masker()))
    lines = pipe.feed(b"z" * (MAX_LINE * 2 + 5) + b"\nshort\n") + pipe.close()
    assert [len(x) for x in lines] == [MAX_LINE, MAX_LINE, 5, 5]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.binary(max_size=64), st.booleans())
def test_masked_bytes_removes_the_secret_from_text_and_binary(
    before: bytes, after: bytes, non_ascii: bool
) -> None:
    secret = "s3cr3t-\u00e9t\u00e9-value" if non_ascii else "plain-secret-value-123"
    masker = Masker()
    masker.add(secret)
    out = masked_bytes(before + secret.encode() + after, masker.mask)
    assert secret.encode() not in out
    assert out.startswith(before[: max(0, len(before) - 3)])


def test_masked_bytes_keeps_other_binary_content() -> None:
    masker = Masker()
    masker.add("plain-secret-value-123")
    data = bytes(range(256))
    assert masked_bytes(data, masker.mask) == data


def test_output_files_never_come_from_outside_or_from_hushflows_folder(tmp_path: Path) -> None:
    work, dest, outside = tmp_path / "work", tmp_path / "dest", tmp_path / "outside.txt"
    (work / ".hushflow").mkdir(parents=True)
    (work / ".hushflow" / "commands.sh").write_text("internal")
    (work / "a.txt").write_text("a")
    outside.write_text("outside")
    os.symlink(outside, work / "link.txt")
    found = collect_output_files(work, ["*.txt", "**/*.sh"], dest, str)
    assert sorted(found) == ["a.txt"]
    with pytest.raises(TaskFailed):
        collect_output_files(work, ["../*.txt"], dest, str)


def test_input_files_are_owner_only(tmp_path: Path) -> None:
    write_input_files(tmp_path, {"deep/dir/f.txt": "x"})
    assert (tmp_path / "deep/dir/f.txt").stat().st_mode & 0o777 == 0o600


def test_the_child_environment_is_built_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_X", "eA==")
    monkeypatch.setenv("HUSHFLOW_MASTER_KEY", "k")
    env = child_environment(tmp_path, {"A": "1", "HOME": "/custom"}, path="/bin", extra={"B": "2"})
    assert env == {
        "PATH": "/bin",
        "HOME": "/custom",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TMPDIR": str(tmp_path / ".hushflow" / "tmp"),
        "A": "1",
        "B": "2",
    }
