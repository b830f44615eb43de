"""From an offset in a YAML string's *value* back to a line and column of the file.

A finding inside an expression points at the ``secret(`` call or the filter,
and the expression parser reports offsets in the scalar's value. The value is
not the file's text: quotes, escapes, block indentation and line folding stand
between them. :class:`ScalarMap` aligns the two, character by character, once
a finding needs it (never for clean scalars, so it costs nothing on the fast
path).

The alignment walks the raw text of the scalar and the value together: a
value character is matched by the same raw character (skipping indentation,
quotes and the block header), a space or line break produced by folding by
any raw whitespace, and in double quotes an escape sequence by what it means.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import yaml

_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_LENGTH = {"x": 2, "u": 4, "U": 8}


class LineIndex:
    """Offsets of line starts in a text: offset to 1-based (line, column) in O(log n)."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        find = text.find
        at = find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = find("\n", at + 1)

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def line_start(self, line: int) -> int:
        return self.starts[min(max(line, 1), len(self.starts)) - 1]


@dataclass(slots=True)
class ScalarMap:
    """Maps offsets in one scalar's value to offsets in the file text."""

    text: str
    node: yaml.ScalarNode

    def file_offset(self, value_offset: int) -> int:
        """The file offset of the value character at ``value_offset`` (best effort)."""
        start, end = self.node.start_mark.index, self.node.end_mark.index
        style = self.node.style
        raw = self._content_start(start, end, style)
        value = self.node.value
        target = max(0, min(value_offset, len(value)))
        if self.text.startswith(value, raw) and (style is None or style in "'\""):
            return raw + target  # the value stands in the file as it is
        for i in range(target):
            if raw >= end:
                break
            after = value[i + 1] if i + 1 < len(value) else ""
            raw = self._consume(value[i], after, raw, end, style)
        raw = self._skip_layout(raw, end, value[target] if target < len(value) else "", style)
        return min(raw, end)

    def _content_start(self, start: int, end: int, style: str | None) -> int:
        text = self.text
        if style in ("|", ">"):
            newline = text.find("\n", start, end)
            return end if newline < 0 else newline + 1
        if style in ("'", '"'):
            return start + 1
        return start

    def _skip_layout(self, raw: int, end: int, want: str, style: str | None) -> int:
        """Skip what the value does not show (indentation, breaks) before ``want``."""
        text = self.text
        while raw < end and text[raw] != want and text[raw] in " \t\r\n\\'\"":
            if style == '"' and text[raw] == "\\":
                meaning, length = _escape(text, raw)
                if meaning:
                    break  # an escape that stands for a character of the value
                raw += length
                continue
            raw += 1
        return raw

    def _indentation(self, raw: int, end: int, after: str) -> int:
        """Past the indentation that follows a line break (unless the value itself goes on
        with spaces, which the indentation may then hold)."""
        if after in (" ", "\t"):
            return raw
        text = self.text
        while raw < end and text[raw] in " \t":
            raw += 1
        return raw

    def _consume(self, char: str, after: str, raw: int, end: int, style: str | None) -> int:
        """Advance past the raw text that produced the value character ``char``."""
        text = self.text
        while raw < end:
            got = text[raw]
            if style == '"' and got == "\\":
                meaning, length = _escape(text, raw)
                if meaning == char:
                    return raw + length
                raw += length
                if not meaning:  # an escaped line break: the next line's indentation goes too
                    raw = self._indentation(raw, end, "")
                continue
            if got == char or (char in " \n" and got in " \n\t\r"):
                if style == "'" and got == "'":
                    return raw + 2
                if got == "\n":
                    return self._indentation(raw + 1, end, after)
                return raw + 1
            raw += 1
        return raw


def _escape(text: str, at: int) -> tuple[str, int]:
    """(meaning, raw length) of the escape sequence starting with the backslash at ``at``."""
    code = text[at + 1 : at + 2]
    if code in _HEX_LENGTH:
        digits = text[at + 2 : at + 2 + _HEX_LENGTH[code]]
        try:
            return chr(int(digits, 16)), 2 + len(digits)
        except ValueError:
            return "", 2
    if code == "\n":
        return "", 2
    return _ESCAPES.get(code, code), 2
