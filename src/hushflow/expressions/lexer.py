"""Stage 1: split a template into tokens (text, delimiters, names, literals, operators).

Handles comments ``{# #}``, whitespace control (``{{-``, ``-}}``, ``{%-``,
``-%}``) and ``{% raw %}...{% endraw %}`` here, so the parser only sees
meaningful tokens. Every token keeps its offset for positioned errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hushflow.expressions.positions import fail

TEXT = "text"
PRINT_OPEN = "{{"
PRINT_CLOSE = "}}"
TAG_OPEN = "{%"
TAG_CLOSE = "%}"
NAME = "name"
NUMBER = "number"
STRING = "string"
INTERPOLATED = "interpolated"
OP = "op"
EOF = "eof"

_OPEN = re.compile(r"\{\{|\{%|\{#")
_SPACE = re.compile(r"\s+")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+(?!\.))?")
#: Kestra's ``raw`` block (its ``VariableRenderer`` pattern, across lines too):
#: dashes are allowed but trim nothing, inside or around the block.
_KESTRA_RAW = re.compile(r"\{%-*\s*raw\s*-*%\}(.*?)\{%-*\s*endraw\s*-*%\}", re.S)
#: Pebble's ``verbatim`` opening, read after ``{%`` (and its ``-``, if any).
_VERBATIM = re.compile(r"\s*verbatim\s*(-?)%\}")
_END_VERBATIM = re.compile(r"\{%(-?)\s*endverbatim\s*(-?)%\}")
_OPERATORS = (
    "???", "??", "==", "!=", "<=", ">=", "..",
    "<", ">", "+", "-", "*", "/", "%", "~", "|", "?", ":", ".", ",",
    "(", ")", "[", "]", "{", "}", "=",
)  # fmt: skip
_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f",
    "\\": "\\", "'": "'", '"': '"', "/": "/", "#": "#",
}  # fmt: skip


@dataclass(slots=True)
class Token:
    """One lexical unit; ``pos`` is its offset in the template source.

    An ``interpolated`` string (``"Hello #{name}"``) keeps its pieces in
    ``parts``: literal text, or the tokens of an embedded expression.
    """

    kind: str
    value: str
    pos: int
    parts: list[str | list[Token]] | None = None


class Lexer:
    """Turns template source into a list of tokens."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.tokens: list[Token] = []
        self.trim_next = False

    def tokenize(self) -> list[Token]:
        src = self.source
        while self.pos < len(src):
            match = _OPEN.search(src, self.pos)
            if match is None:
                self._text(src[self.pos :], self.pos)
                self.pos = len(src)
                break
            start = match.start()
            if match.group() == "{%" and self._kestra_raw(start):
                continue
            trim_before = src.startswith("-", start + 2)
            text = src[self.pos : start]
            self._text(text.rstrip() if trim_before else text, self.pos)
            self.pos = start + 3 if trim_before else start + 2
            kind = match.group()
            if kind == "{#":
                self._comment(start)
            elif kind == "{%" and self._raw(start):
                continue
            else:
                self._delimited(kind, start)
        self.tokens.append(Token(EOF, "", len(src)))
        return self.tokens

    def _text(self, text: str, pos: int) -> None:
        if self.trim_next:
            stripped = text.lstrip()
            pos += len(text) - len(stripped)
            text = stripped
            self.trim_next = False
        if text:
            self.tokens.append(Token(TEXT, text, pos))

    def _comment(self, start: int) -> None:
        end = self.source.find("#}", self.pos)
        if end < 0:
            fail("Unclosed comment", self.source, start)
        self.trim_next = self.source[end - 1 : end] == "-" and end - 1 >= self.pos
        self.pos = end + 2

    def _kestra_raw(self, start: int) -> bool:
        """``{% raw %}...{% endraw %}`` as Kestra reads it: kept exactly, nothing trimmed."""
        found = _KESTRA_RAW.match(self.source, start)
        if found is None:
            return False
        self._text(self.source[self.pos : start], self.pos)
        self.trim_next = False
        if found.group(1):
            self.tokens.append(Token(TEXT, found.group(1), found.start(1)))
        self.pos = found.end()
        return True

    def _raw(self, start: int) -> bool:
        """``{% verbatim %}`` as Pebble's lexer reads it.

        Pebble always trims the leading whitespace of the body (its check
        for the opening ``-%}`` is always true), trims the end of the body
        after ``{%- endverbatim``, and the text after ``endverbatim -%}``.
        """
        src = self.source
        head = _VERBATIM.match(src, self.pos)
        if head is None:
            if re.match(r"\s*raw\b", src[self.pos :]):
                fail("Unclosed 'raw' tag (add '{% endraw %}')", src, start)
            return False
        end = _END_VERBATIM.search(src, head.end())
        if end is None:
            fail("Unclosed 'verbatim' tag", src, start)
        body = src[head.end() : end.start()].lstrip()
        if end.group(1):
            body = body.rstrip()
        self.trim_next = False
        if body:
            self.tokens.append(Token(TEXT, body, head.end()))
        self.trim_next = bool(end.group(2))
        self.pos = end.end()
        return True

    def _delimited(self, kind: str, start: int) -> None:
        close = PRINT_CLOSE if kind == "{{" else TAG_CLOSE
        self.tokens.append(Token(kind, kind, start))
        depth = 0
        src = self.source
        while True:
            space = _SPACE.match(src, self.pos)
            if space:
                self.pos = space.end()
            if self.pos >= len(src):
                fail(f"Missing '{close}' to close '{kind}'", src, start)
            if depth == 0 and self._close(close):
                return
            char = src[self.pos]
            if char in "'\"":
                self._string(char)
            elif "0" <= char <= "9":
                self._number()
            elif char.isascii() and (char.isalpha() or char == "_"):
                self._name()
            else:
                depth += self._operator(depth)

    def _close(self, close: str) -> bool:
        src = self.source
        trim = src.startswith("-" + close, self.pos)
        if not trim and not src.startswith(close, self.pos):
            return False
        self.tokens.append(Token(close, close, self.pos))
        self.pos += len(close) + (1 if trim else 0)
        self.trim_next = trim
        return True

    def _name(self) -> None:
        match = _NAME.match(self.source, self.pos)
        assert match is not None
        self.tokens.append(Token(NAME, match.group(), self.pos))
        self.pos = match.end()

    def _number(self) -> None:
        match = _NUMBER.match(self.source, self.pos)
        assert match is not None
        self.tokens.append(Token(NUMBER, match.group(), self.pos))
        self.pos = match.end()

    def _operator(self, depth: int) -> int:
        src = self.source
        for op in _OPERATORS:
            if src.startswith(op, self.pos):
                self.tokens.append(Token(OP, op, self.pos))
                self.pos += len(op)
                if op in "([{":
                    return 1
                if op in ")]}":
                    return -1 if depth > 0 else 0
                return 0
        fail(f"Unexpected character '{src[self.pos]}'", src, self.pos)

    def _string(self, quote: str) -> None:
        """A quoted string; in double quotes ``#{expr}`` interpolates (as in Pebble)."""
        src = self.source
        start = self.pos
        out: list[str] = []
        parts: list[str | list[Token]] = []
        i = start + 1
        while True:
            end = _next_special(src, i, quote)
            if end < 0:
                fail("Unclosed string literal", src, start)
            out.append(src[i:end])
            if src[end] == quote:
                break
            if src[end] == "#":
                parts.append("".join(out))
                out = []
                self.pos = end + 2
                parts.append(self._interpolation(end))
                i = self.pos
                continue
            i = self._escape(end, out)
        if parts:
            parts.append("".join(out))
            self.tokens.append(Token(INTERPOLATED, "", start, parts))
        else:
            self.tokens.append(Token(STRING, "".join(out), start))
        self.pos = end + 1

    def _interpolation(self, start: int) -> list[Token]:
        """Tokens of the expression in ``#{ ... }``, up to its closing brace."""
        mark = len(self.tokens)
        depth = 0
        src = self.source
        while True:
            space = _SPACE.match(src, self.pos)
            if space:
                self.pos = space.end()
            if self.pos >= len(src):
                fail("Missing '}' to close '#{' in a string", src, start)
            char = src[self.pos]
            if char == "}" and depth == 0:
                break
            if char in "'\"":
                self._string(char)
            elif "0" <= char <= "9":
                self._number()
            elif char.isascii() and (char.isalpha() or char == "_"):
                self._name()
            else:
                depth += self._operator(depth)
        inner = self.tokens[mark:]
        del self.tokens[mark:]
        inner.append(Token(EOF, "", self.pos))
        self.pos += 1
        return inner

    def _escape(self, at: int, out: list[str]) -> int:
        src = self.source
        code = src[at + 1 : at + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            return at + 2
        if code == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", src[at + 2 : at + 6]):
            out.append(chr(int(src[at + 2 : at + 6], 16)))
            return at + 6
        out.append("\\")
        return at + 1


def _next_special(src: str, start: int, quote: str) -> int:
    """Offset of the next quote, backslash or (in double quotes) ``#{`` from ``start``, or -1."""
    q = src.find(quote, start)
    b = src.find("\\", start)
    if quote == '"':
        h = src.find("#{", start)
        if h >= 0 and (q < 0 or h < q) and (b < 0 or h < b):
            return h
    if b < 0 or (0 <= q < b):
        return q
    return b


def tokenize(source: str) -> list[Token]:
    """Tokens of ``source``, ending with an ``eof`` token."""
    return Lexer(source).tokenize()
