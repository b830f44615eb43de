"""Every form in which a registered value can show up in a log.

A secret rarely reaches a log verbatim only: scripts base64 it into an
``Authorization`` header, URL-encode it into a query string, dump it inside a
JSON document, quote it for a shell, print it with ``repr`` in a traceback.
:func:`forms_of` lists those forms so the matcher can look for all of them at
once. Only forms at least ``min_length`` long are kept: a short form would
shred unrelated text.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote, quote_plus

_PERCENT_HEX = re.compile(r"%[0-9A-F]{2}")
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


def forms_of(value: str, min_length: int) -> set[str]:
    """All forms of ``value`` worth masking, each at least ``min_length`` long."""
    found: set[str] = set()
    _collect(value, min_length, found, depth=0)
    return {form for form in found if len(form) >= min_length}


def _collect(value: str, min_length: int, found: set[str], depth: int) -> None:
    """Forms of ``value`` and of its parts; a part shorter than ``min_length`` is no secret."""
    if len(value) < min_length:
        return
    for text in _line_forms(value):
        if len(text) >= min_length:
            found.update(_escaped_forms(text))
    floor = max(min_length, _ENCODED_MIN)
    found.update(form for form in _binary_forms(value) if len(form) >= floor)
    if depth < _MAX_JSON_DEPTH:
        for leaf in _json_leaves(value):
            _collect(leaf, min_length, found, depth + 1)


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


def _percent_forms(text: str) -> Iterator[str]:
    raw = text.encode("utf-8", "surrogatepass")  # output decoded with surrogateescape
    for encoded in (
        quote(raw, safe=""),
        quote(raw),
        quote(raw, safe="!'()*~"),
        quote_plus(raw, safe=""),
        quote_plus(raw),
    ):
        yield encoded
        yield encoded.replace("~", "%7E")  # Java's URLEncoder, PHP, .NET encode '~' too
        yield _PERCENT_HEX.sub(lambda m: m.group(0).lower(), encoded)


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
