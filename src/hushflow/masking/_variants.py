"""Every form in which a registered value can show up in a log.

A secret rarely reaches a log verbatim only: scripts base64 it into an
``Authorization`` header, URL-encode it into a query string, dump it inside a
JSON document, quote it for a shell, print it with ``repr`` in a traceback.
:func:`forms_of` lists those forms so the matcher can look for all of them at
once. Only forms at least ``min_length`` long are kept: a short form would
shred unrelated text.

The text-level forms (the secret, its lines, its escapes and percent
encodings) are matched ignoring ASCII letter case, so they need not list case
variants: ``tr a-z A-Z``, ``.upper()``, upper-case JSON or percent escapes
are caught by the form as written; letters outside ASCII get their upper and
lower case forms registered. Byte-level encodings (base64, hex) are matched
exactly: their case is data, and hex is registered in both cases.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple
from urllib.parse import quote, quote_plus

# What a string escaper (JSON, repr, shell) rewrites: quotes, \, $, `, controls, non-ASCII.
_REWRITTEN = re.compile(r"""["'\\$`\x00-\x1f\x7f-\U0010ffff]""")
_HTML_SAFE_JSON = re.compile(r"[<>&]")  # Go's encoding/json escapes these
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")  # .NET writes these in upper case
_PRINTF_Q = re.compile(r"[^\w./:=@%+~#-]|^[~#]")
_JSON_OPENERS = ("{", "[")
_MAX_JSON_DEPTH = 3
_NUMBER_LEAF_MIN = 6
_WRAP = 76
_HEX_WRAP = 60
_WRAPPED_LINE_MIN = 8
# Hex and base64 pieces shorter than this would match random text, whatever min_length says.
_ENCODED_MIN = 4

Encoder = Callable[[bytes], bytes]


class Forms(NamedTuple):
    """The forms of a value, by how they are matched."""

    caseless: set[str]  # text-level forms: the secret as text, escaped; any ASCII case
    exact: set[str]  # byte-level encodings (base64, hex), where case is data

    def all(self) -> set[str]:
        return self.caseless | self.exact


def forms_of(value: str, min_length: int) -> Forms:
    """All forms of ``value`` worth masking, each at least ``min_length`` long."""
    found = Forms(set(), set())
    _collect(value, min_length, found, depth=0)
    return Forms(
        {form for form in found.caseless if len(form) >= min_length},
        {form for form in found.exact if len(form) >= min_length},
    )


def od_forms_of(value: str, min_length: int) -> set[str]:
    """The value, and each string leaf of a JSON value, as ``od -c`` dumps print them.

    Kept apart from :func:`forms_of`: these forms are only searched in text
    that holds a run of three spaces, as every such dump does (see ``Masker``).
    """
    if len(value) < min_length:
        return set()
    found = set(_od_forms(value.encode("utf-8", "surrogatepass")))
    for leaf in _json_leaves(value):
        if len(leaf) >= min_length:
            found.update(_od_forms(leaf.encode("utf-8", "surrogatepass")))
    return found


def _collect(value: str, min_length: int, found: Forms, depth: int) -> None:
    """Forms of ``value`` and of its parts; a part shorter than ``min_length`` is no secret."""
    if len(value) < min_length:
        return
    for text in _case_forms(value):
        for line in _line_forms(text):
            if len(line) >= min_length:
                found.caseless.update(_escaped_twice(line))
    floor = max(min_length, _ENCODED_MIN)
    found.exact.update(form for form in _binary_forms(value) if len(form) >= floor)
    if depth < _MAX_JSON_DEPTH:
        for leaf in _json_leaves(value):
            _collect(leaf, min_length, found, depth + 1)


def _case_forms(value: str) -> Iterator[str]:
    """The value, and its upper and lower case when it has letters beyond ASCII.

    ASCII letters are matched in any case by the scanners; ``"ä".upper()``
    is another byte sequence, so it is registered as a form of its own.
    """
    yield value
    if not value.isascii():
        yield from {value.upper(), value.lower()} - {value}


def _line_forms(value: str) -> Iterator[str]:
    """The value, its LF/CRLF twins and each line, for multi-line secrets (PEM keys)."""
    yield value
    if "\n" not in value and "\r" not in value:
        return
    unix = value.replace("\r\n", "\n")
    yield unix
    yield unix.replace("\n", "\r\n")
    yield unix.replace("\n", "\r\r\n")  # a PTY in cooked mode doubles the CR
    yield " ".join(value.split())  # `echo $KEY` unquoted: the shell splits words
    for line in unix.split("\n"):
        yield line.rstrip("\r")
        yield line.strip()


def _escaped_twice(text: str) -> set[str]:
    """Text-level escapes, and the string escapes applied to their results once more.

    JSON inside JSON (``json.dumps({"payload": json.dumps(body)})``), the
    ``repr`` of a dict holding a JSON body, a JSON body quoted for the shell:
    each doubles the escapes of a secret holding ``"`` or ``\\``. Only values
    that hold a character some escaper rewrites gain new forms.
    """
    forms = set(_escaped_forms(text))
    if _REWRITTEN.search(text):
        for first in set(_string_escapes(text)) - {text}:
            forms.update(_string_escapes(first))
    return forms


def _string_escapes(text: str) -> Iterator[str]:
    """The escapes a string goes through when it is embedded in another string."""
    yield json.dumps(text)[1:-1]
    yield json.dumps(text, ensure_ascii=False)[1:-1]
    yield repr(text)[1:-1]
    yield text.replace("\\", "\\\\").replace("'", "\\'")  # repr in single quotes
    yield text.replace("\\", "\\\\").replace('"', '\\"')
    yield text.replace("'", "'\\''")  # inside '...' for the shell, as set -x prints it
    yield text.replace("'", "'\"'\"'")  # shlex.quote
    yield re.sub(r'([\\"$`])', r"\\\1", text)  # inside "..." for the shell


def _escaped_forms(text: str) -> Iterator[str]:
    """How text-level serialisers rewrite the value: JSON, repr, shell, HTML, URLs."""
    yield text
    yield json.dumps(text)[1:-1]
    yield json.dumps(text, ensure_ascii=False)[1:-1]
    yield json.dumps(text, ensure_ascii=False)[1:-1].replace("/", "\\/")
    yield _HTML_SAFE_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text)[1:-1])
    yield _UNICODE_ESCAPE.sub(
        lambda m: m.group(0).upper().replace("\\U", "\\u"), json.dumps(text)[1:-1]
    )
    yield repr(text)[1:-1]
    yield text.replace("\\", "\\\\").replace('"', '\\"')
    yield text.replace("\\", "\\\\").replace("'", "\\'")
    yield text.replace("'", "''")  # YAML and SQL single-quoted strings
    yield text.replace('"', '""')  # CSV fields
    yield from _shell_forms(text)
    yield from _markup_forms(text)
    yield from _percent_forms(text)


def _shell_forms(text: str) -> Iterator[str]:
    """Shell and build-tool quoting, as ``set -x``, make or cmd.exe echo it back."""
    single = text.replace("'", "'\\''")
    yield single
    yield f"'{single}'"
    yield text.replace("'", "'\"'\"'")
    yield shlex.quote(text)
    yield re.sub(r'([\\"$`])', r"\\\1", text)
    yield re.sub(r"\\(\\?)", r"\1", text)
    yield _PRINTF_Q.sub(r"\\\g<0>", text)  # printf %q, zsh
    yield text.replace("$", "$$")
    yield re.sub(r"([\^&<>|])", r"^\1", text).replace("%", "%%")


def _markup_forms(text: str) -> Iterator[str]:
    yield html.escape(text, quote=False)
    yield html.escape(text, quote=True)
    escaped = html.escape(text, quote=False)
    yield escaped.replace('"', "&quot;").replace("'", "&apos;")
    yield escaped.replace('"', "&#34;").replace("'", "&#39;")


# What common URL encoders leave as it is (letters, digits and ``_.-~`` aside).
_PERCENT_SAFE = (
    "",  # quote(safe=""), curl --data-urlencode and curl_easy_escape
    "/",  # Python's quote() default
    "!'()*",  # JavaScript's encodeURIComponent
    "!#$&'()*+,/:;=?@",  # JavaScript's encodeURI
    "!#$&'()*+,/:;=?@[]",  # python-requests' requote_uri (it keeps '%' when escapes are valid)
    "!#$%&'()*+,/:;=?@[]",
)
_PLUS_SAFE = ("", "/", "*")  # quote_plus(safe=""), its default, Java's URLEncoder


def _percent_forms(text: str) -> Iterator[str]:
    """Percent-encodings under each common safe set; hex case is matched either way."""
    raw = text.encode("utf-8", "surrogatepass")  # output decoded with surrogateescape
    encoded = {quote(raw, safe=safe) for safe in _PERCENT_SAFE}
    encoded.update(quote_plus(raw, safe=safe) for safe in _PLUS_SAFE)
    for form in encoded:
        yield form
        yield form.replace("~", "%7E")  # Java's URLEncoder, PHP, .NET encode '~' too


def _binary_forms(value: str) -> Iterator[str]:
    """Byte-level encodings: hex and base64 in every alignment and flavour."""
    raw = value.encode("utf-8", "surrogatepass")
    yield raw.hex()
    yield raw.hex().upper()
    yield from _wrapped_hex(raw.hex())
    yield repr(raw)[2:-1]  # Python's bytes repr: b'p\xc3\xa4ss...'
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        yield from _base64_forms(raw, encode)


def _wrapped_hex(encoded: str) -> Iterator[str]:
    """Hex as ``xxd -p`` prints it: lines of 60 characters (and each long line alone)."""
    if len(encoded) <= _HEX_WRAP:
        return
    lines = [encoded[i : i + _HEX_WRAP] for i in range(0, len(encoded), _HEX_WRAP)]
    yield "\n".join(lines)
    yield from (line for line in lines if len(line) >= _WRAPPED_LINE_MIN)


_OD_NAMED = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
_OD_CELLS = tuple(
    f"{_OD_NAMED[byte]:>4}"
    if byte in _OD_NAMED
    else f"{chr(byte):>4}"
    if 32 <= byte < 127
    else f" {byte:03o}"
    for byte in range(256)
)
_OD_WINDOW = 4


def _od_forms(raw: bytes) -> Iterator[str]:
    """The value as ``od -c`` (and ``hexdump -c``) print it: four columns per byte.

    A dump cuts the value into lines of 16 bytes wherever it starts, so every
    window of four bytes is a form: any piece of four bytes or more on a line
    is covered by overlapping windows, which merge into one masked run.
    """
    cells = [_OD_CELLS[byte] for byte in raw]
    size = min(_OD_WINDOW, len(cells))
    for start in range(len(cells) - size + 1):
        yield "".join(cells[start : start + size])


def _base64_forms(raw: bytes, encode: Encoder) -> Iterator[str]:
    for payload in (raw, raw + b"\n", raw + b"\r\n"):
        full = encode(payload).decode("ascii")
        yield full
        yield full.rstrip("=")
        yield from _wrapped(full)
    for offset in range(3):
        yield _stable_base64(raw, offset, encode)


def _wrapped(encoded: str) -> Iterator[str]:
    """Base64 as `base64` and MIME print it: lines of 76 characters."""
    if len(encoded) <= _WRAP:
        return
    lines = [encoded[i : i + _WRAP] for i in range(0, len(encoded), _WRAP)]
    yield "\n".join(lines)
    yield "\r\n".join(lines)
    # A short last line ("Zg==") is common in unrelated base64: only longer lines alone.
    yield from (line for line in lines if len(line) >= _WRAPPED_LINE_MIN)


def _stable_base64(raw: bytes, offset: int, encode: Encoder) -> str:
    """The characters of ``base64(prefix + raw + suffix)`` that depend on ``raw`` alone.

    ``offset`` is ``len(prefix) % 3``: a value embedded in a larger encoded
    payload (``user:password`` in a Basic auth header) lands at any of the
    three byte alignments, and each gives a different encoding.
    """
    encoded = encode(bytes(offset) + raw).decode("ascii")
    first = -(-8 * offset // 6)
    last = 8 * (offset + len(raw)) // 6
    return encoded[first:last]


def _json_leaves(value: str) -> Iterable[str]:
    """String leaves (and long number leaves) of a value that is a JSON document."""
    if not value.lstrip().startswith(_JSON_OPENERS):
        return ()
    try:
        document = json.loads(value)
    except (ValueError, RecursionError):
        return ()
    leaves: list[str] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            leaves.append(node)
        elif isinstance(node, int | float) and not isinstance(node, bool):
            number = json.dumps(node)
            if len(number) >= _NUMBER_LEAF_MIN:
                leaves.append(number)
    return leaves
