"""Each encoded or derived form of a registered value is masked too."""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
import textwrap
from collections.abc import Callable
from urllib.parse import quote, quote_plus

import pytest

from hushflow.masking import MASK_TOKEN, Masker

Fake = Callable[..., str]
TRICKY = "P@ss w0rd/+?&=\"'<>\\$%!~é"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


ENCODINGS: dict[str, Callable[[str], str]] = {
    "base64": _b64,
    "base64-unpadded": lambda v: _b64(v).rstrip("="),
    "base64-urlsafe": lambda v: base64.urlsafe_b64encode(v.encode()).decode(),
    "base64-of-echo": lambda v: _b64(v + "\n"),
    "percent-all": lambda v: quote(v, safe=""),
    "percent-path": quote,
    "percent-plus": quote_plus,
    "percent-lower-hex": lambda v: re.sub(
        "%[0-9A-F]{2}", lambda m: m[0].lower(), quote(v, safe="")
    ),
    "json": lambda v: json.dumps(v)[1:-1],
    "json-unicode": lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
    "html": html.escape,
    "xml-apos": lambda v: html.escape(v, quote=False).replace("'", "&apos;").replace('"', "&quot;"),
    "shell-single-quote": lambda v: v.replace("'", "'\\''"),
    "shlex-quote": shlex.quote,
    "backslash-quotes": lambda v: v.replace("\\", "\\\\").replace('"', '\\"'),
    "python-repr": lambda v: repr(v)[1:-1],
    "hex": lambda v: v.encode().hex(),
    "hex-upper": lambda v: v.encode().hex().upper(),
    "dollar-doubled": lambda v: v.replace("$", "$$"),
    "go-json": lambda v: (
        json.dumps(v)[1:-1].replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    ),
    "yaml-single-quoted": lambda v: v.replace("'", "''"),
    "csv-quoted": lambda v: v.replace('"', '""'),
}


def test_printf_q_form_as_bash_prints_it() -> None:
    """``printf %q`` escapes with backslashes; the expected text is what bash 5 prints."""
    masker = Masker()
    masker.add("~fake pass^,word#1")
    assert masker.mask("+ cmd \\~fake\\ pass\\^\\,word#1 ok") == f"+ cmd {MASK_TOKEN} ok"


@pytest.mark.parametrize("encode", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_encoded_form_is_masked(encode: Callable[[str], str], fake: Fake) -> None:
    secret = TRICKY + fake()
    masker = Masker()
    masker.add(secret)
    encoded = encode(secret)
    assert encoded != secret or encode is quote
    assert masker.mask(f"value=[{encoded}]") == f"value=[{MASK_TOKEN}]"


def _stable_range(prefix: bytes, secret: bytes) -> tuple[int, int]:
    """Indices of the base64 characters that depend on the secret's bytes alone."""
    first_bit, end_bit = 8 * len(prefix), 8 * (len(prefix) + len(secret))
    return -(-first_bit // 6), end_bit // 6


@pytest.mark.parametrize("prefix", ["", "u", "us", "use", "user:", "api_key="])
@pytest.mark.parametrize("suffix", ["", "!", "\n", "@host:5432"])
@pytest.mark.parametrize("urlsafe", [False, True], ids=["std", "urlsafe"])
def test_base64_at_every_alignment(prefix: str, suffix: str, urlsafe: bool, fake: Fake) -> None:
    """A secret inside a larger encoded payload (Basic auth) is masked at any byte offset."""
    secret = fake() + "?>~"
    masker = Masker()
    masker.add(secret)
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    encoded = encode((prefix + secret + suffix).encode()).decode()
    masked = masker.mask(encoded)
    first, last = _stable_range(prefix.encode(), secret.encode())
    start = masked.index(MASK_TOKEN)
    after = len(masked) - start - len(MASK_TOKEN)
    end = len(encoded) - after
    assert masked[:start] == encoded[:start] and masked[start + len(MASK_TOKEN) :] == encoded[end:]
    assert start <= first and end >= last


def test_base64_wrapped_at_76_columns(fake: Fake) -> None:
    secret = " ".join(fake() for _ in range(6))
    masker = Masker()
    masker.add(secret)
    wrapped = "\n".join(textwrap.wrap(_b64(secret), 76))
    assert wrapped.count("\n") >= 2
    assert masker.mask(wrapped) == MASK_TOKEN
    for line in wrapped.splitlines():
        assert masker.mask(f"> {line}") == f"> {MASK_TOKEN}"


PEM_BODY = [
    "MIIEowIBAAKCAQEAfakefakefakefakefakefakefakefakefakefakefakefake",
    "c2VjcmV0LWJ1dC1mYWtlLWtleS1tYXRlcmlhbC1mb3ItdGVzdHMtb25seQ==",
]


def _pem(newline: str) -> str:
    lines = ["-----BEGIN FAKE PRIVATE KEY-----", *PEM_BODY, "-----END FAKE PRIVATE KEY-----"]
    return newline.join(lines) + newline


@pytest.mark.parametrize("registered", ["\n", "\r\n"], ids=["lf-value", "crlf-value"])
@pytest.mark.parametrize("printed", ["\n", "\r\n"], ids=["lf-log", "crlf-log"])
def test_multi_line_value_with_either_line_ending(registered: str, printed: str) -> None:
    masker = Masker()
    masker.add(_pem(registered))
    assert masker.mask("key:\n" + _pem(printed) + "done") == f"key:\n{MASK_TOKEN}done"


def test_each_line_of_a_multi_line_value_is_masked_alone() -> None:
    masker = Masker()
    masker.add(_pem("\n"))
    for line in PEM_BODY:
        assert masker.mask(f"2024-01-01 INFO {line}") == f"2024-01-01 INFO {MASK_TOKEN}"
    assert masker.mask(f"    {PEM_BODY[0]}   ") == f"    {MASK_TOKEN}   "


def test_multi_line_value_printed_json_escaped() -> None:
    masker = Masker()
    masker.add(_pem("\n"))
    document = json.dumps({"key": _pem("\n")})
    assert masker.mask(document) == '{"key": "' + MASK_TOKEN + '"}'


def test_json_secret_leaves(fake: Fake) -> None:
    password, token = fake(), fake()
    secret = json.dumps(
        {"user": "bob", "password": password, "nested": {"tokens": [token]}, "pin": 48213377}
    )
    masker = Masker()
    masker.add(secret)
    assert masker.mask(f"pw={password}") == "pw=****"
    assert masker.mask(f"jq output: {token}") == "jq output: ****"
    assert masker.mask("pin 48213377") == "pin ****"
    assert masker.mask(f"b64 {_b64(password)}") == "b64 ****"
    assert masker.mask("user bob") == "user bob"
    assert masker.mask(secret) == MASK_TOKEN


def test_short_json_number_leaves_are_not_masked(fake: Fake) -> None:
    masker = Masker()
    masker.add(json.dumps({"password": fake(), "port": 5432, "retries": 3}))
    assert masker.mask("port 5432, retries 3") == "port 5432, retries 3"


def test_short_encoded_pieces_are_not_registered() -> None:
    """With min_length=1, a 1-character value must not turn its 1-char base64 piece into a mask."""
    masker = Masker(min_length=1)
    masker.add("a")
    assert masker.mask("hello world") == "hello world"
    assert masker.mask("a cat") == "**** c****t"


def test_value_with_ansi_colour_around_it(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    assert masker.mask(f"\x1b[31m{secret}\x1b[0m") == f"\x1b[31m{MASK_TOKEN}\x1b[0m"


def test_value_with_escaped_quotes_in_a_log(fake: Fake) -> None:
    secret = 'say "hi" to ' + fake()
    masker = Masker()
    masker.add(secret)
    line = 'msg="' + secret.replace('"', '\\"') + '"'
    assert masker.mask(line) == f'msg="{MASK_TOKEN}"'
