"""Forms added in round 3: escaping applied twice, more percent-encoding safe sets,
case changes, and ``od -c`` dumps. Each form is produced the way the tool that
prints it produces it, from a generated secret that holds the characters the
form rewrites."""

from __future__ import annotations

import json
import re
import secrets
import shlex
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hushflow.masking import MASK_TOKEN, Masker, available_engines

Encoder = Callable[[str], str]


def _secret() -> str:
    """A fresh fake secret with the characters escapers and URL encoders treat differently."""
    return f"{secrets.token_hex(6)}\"q'\\x @/&+:=,;$!*~(é){secrets.token_hex(6)}"


def _json(text: str) -> str:
    return json.dumps(text)[1:-1]


def _java_url_encoder(text: str) -> str:
    """java.net.URLEncoder: keeps letters, digits and ``.-*_``; space as ``+``."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def _requote_uri(text: str) -> str:
    """python-requests' ``requote_uri`` for a value that holds no valid escape."""
    return quote(text, safe="!#$&'()*+,/:;=?@[]~")


TWICE: dict[str, Encoder] = {
    "json-in-json": lambda v: _json(_json(v)),
    "json-in-json-unicode": lambda v: _json(json.dumps(v, ensure_ascii=False)[1:-1]),
    "repr-of-dict-with-json": lambda v: repr({"body": json.dumps({"t": v})}),
    "repr-of-json-string": lambda v: repr(json.dumps(v)),
    "shell-quoted-json": lambda v: shlex.quote(json.dumps({"t": v})),
    "double-quoted-json-for-shell": lambda v: re.sub(r'([\\"$`])', r"\\\1", json.dumps(v)),
}

PERCENT: dict[str, Encoder] = {
    "quote-default": quote,
    "quote-plus-default": quote_plus,
    "requests-requote-uri": _requote_uri,
    "java-url-encoder": _java_url_encoder,
    "js-encode-uri-component": lambda v: quote(v, safe="!'()*~"),
    "js-encode-uri": lambda v: quote(v, safe="!#$&'()*+,/:;=?@~"),
    "curl-data-urlencode": lambda v: quote(v, safe=""),
}

CASES: dict[str, Encoder] = {
    "upper": str.upper,
    "lower": str.lower,
    "swapcase": str.swapcase,
    "tr-a-z-A-Z": lambda v: v.translate(
        str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    ),
    "upper-json": lambda v: _json(v).upper(),
    "upper-percent": lambda v: quote(v, safe="").upper(),
}


def _masked(masker: Masker, shown: str) -> str:
    return masker.mask(f"before [{shown}] after")


@pytest.mark.parametrize("encode", TWICE.values(), ids=TWICE.keys())
def test_escaping_applied_twice(encode: Encoder, engine: str) -> None:
    secret = _secret()
    masker = Masker(engine=engine)
    masker.add(secret)
    shown = encode(secret)
    masked = _masked(masker, shown)
    assert secret[:12] not in masked and secret[-12:] not in masked


@pytest.mark.parametrize("encode", PERCENT.values(), ids=PERCENT.keys())
def test_percent_encoding_safe_sets(encode: Encoder, engine: str) -> None:
    secret = _secret()
    masker = Masker(engine=engine)
    masker.add(secret)
    assert _masked(masker, encode(secret)) == f"before [{MASK_TOKEN}] after"


@pytest.mark.parametrize("encode", CASES.values(), ids=CASES.keys())
def test_case_changes_of_the_whole_secret(encode: Encoder, engine: str) -> None:
    secret = _secret()
    masker = Masker(engine=engine)
    masker.add(secret)
    assert _masked(masker, encode(secret)) == f"before [{MASK_TOKEN}] after"


def test_non_ascii_letters_upper_cased() -> None:
    secret = "pässwörd-" + secrets.token_hex(8)
    masker = Masker()
    masker.add(secret)
    assert masker.mask(secret.upper()) == MASK_TOKEN


def test_case_insensitive_matching_keeps_other_text() -> None:
    secret = "fk-" + secrets.token_hex(10)
    masker = Masker()
    masker.add(secret)
    assert masker.mask("FK-NOT-THE-SECRET done") == "FK-NOT-THE-SECRET done"


_OD_NAMED = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}


def od_c(data: bytes, width: int = 16) -> str:
    """What GNU ``od -c`` prints: an octal offset, then 4 columns per byte."""

    def cell(byte: int) -> str:
        if byte in _OD_NAMED:
            return f"{_OD_NAMED[byte]:>4}"
        if 32 <= byte < 127:
            return f"{chr(byte):>4}"
        return f" {byte:03o}"

    lines = [
        f"{offset:07o}" + "".join(cell(b) for b in data[offset : offset + width])
        for offset in range(0, len(data), width)
    ]
    return "\n".join([*lines, f"{len(data):07o}"]) + "\n"


def _od_leaks(masked: str, secret: str) -> list[int]:
    """Start positions of 6-byte pieces of the secret still readable in an ``od -c`` dump."""
    raw = secret.encode()
    cells = od_c(raw, width=len(raw))[7:].split("\n")[0]
    pieces = [cells[4 * i : 4 * (i + 6)] for i in range(len(raw) - 5)]
    return [i for i, piece in enumerate(pieces) if piece in masked]


@pytest.mark.parametrize("prefix", ["", "t=", "token=abc", "x" * 15], ids=lambda p: f"at-{len(p)}")
@pytest.mark.parametrize("suffix", ["", "\n"], ids=["printf", "echo"])
def test_od_c_dump_at_any_alignment(prefix: str, suffix: str, engine: str) -> None:
    secret = _secret()
    masker = Masker(engine=engine)
    masker.add(secret)
    dump = od_c((prefix + secret + suffix).encode())
    masked = masker.mask(dump)
    assert not _od_leaks(masked, secret)
    assert masked.startswith("0000000")


def test_od_c_dump_streamed_line_by_line() -> None:
    secret = _secret()
    masker = Masker()
    masker.add(secret)
    stream = masker.stream()
    out = "".join(stream.feed(line) for line in od_c(("key: " + secret).encode()).splitlines(True))
    out += stream.flush()
    assert not _od_leaks(out, secret)


# -- properties ------------------------------------------------------------------

ALPHABET = st.sampled_from("abXY09 -_/+=:@&,;$!*~\"'\\é\n%")
ENCODERS: dict[str, Encoder] = {**TWICE, **PERCENT, **CASES}
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    st.text(ALPHABET, min_size=6, max_size=20).filter(lambda v: v.strip() != ""),
    st.sampled_from(sorted(ENCODERS)),
    st.text(st.sampled_from("klmn ,.\n"), max_size=30),
    st.text(st.sampled_from("klmn ,.\n"), max_size=30),
    st.sampled_from(available_engines()),
)
def test_no_registered_form_leaves_the_secret(
    value: str, name: str, before: str, after: str, engine: str
) -> None:
    masker = Masker(engine=engine)
    masker.add(value)
    masked = masker.mask(before + ENCODERS[name](value) + after)
    assert value not in masked
    assert ENCODERS[name](value) not in masked


@SETTINGS
@given(
    st.text(ALPHABET, min_size=6, max_size=40).filter(lambda v: v.strip() != ""),
    st.text(st.sampled_from("klmn ,.\n"), max_size=20),
    st.sampled_from(available_engines()),
)
def test_no_od_dump_shows_six_bytes_of_the_secret(value: str, before: str, engine: str) -> None:
    masker = Masker(engine=engine)
    masker.add(value)
    masked = masker.mask(od_c((before + value).encode()))
    assert not _od_leaks(masked, value)
