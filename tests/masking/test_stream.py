"""Streaming: any split of the text gives exactly ``mask(text)``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hushflow.masking import MASK_TOKEN, Masker

Fake = Callable[..., str]
MakeMasker = Callable[..., Masker]


def _feed(masker: Masker, pieces: list[str]) -> str:
    stream = masker.stream()
    return "".join(stream.feed(piece) for piece in pieces) + stream.flush()


def test_one_character_at_a_time(make_masker: MakeMasker, fake: Fake) -> None:
    first, second = fake(), fake()
    masker = make_masker(first, second)
    text = f"a {first} b {second}{first} c {first[:-1]} d"
    assert _feed(masker, list(text)) == masker.mask(text) == "a **** b **** c " + first[:-1] + " d"


def test_every_single_split_point(make_masker: MakeMasker, fake: Fake) -> None:
    secret = fake()
    masker = make_masker(secret, secret[3:] + "zz")
    text = f"x{secret}{secret[3:]}zz{secret}y {secret[:5]}"
    expected = masker.mask(text)
    for cut in range(len(text) + 1):
        assert _feed(masker, [text[:cut], text[cut:]]) == expected, cut


def test_holds_back_at_most_the_longest_form_minus_one(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    stream = masker.stream()
    longest = masker._current().longest
    emitted = ""
    for index in range(3000):
        emitted += stream.feed("abcdefghij"[index % 10])
        assert stream.pending <= longest - 1
    assert emitted + stream.flush() == "abcdefghij" * 300


def test_secret_continuing_across_writes_merges_into_one_token(fake: Fake) -> None:
    """The emitted part ends in a token; the continuation must not add a second one."""
    secret = fake()
    masker = Masker()
    masker.add(secret)
    stream = masker.stream()
    out = stream.feed("run " + secret)
    out += stream.feed("-" * 200)
    out += stream.feed(secret + " end")
    out += stream.flush()
    assert out == masker.mask("run " + secret + "-" * 200 + secret + " end")
    assert out.count(MASK_TOKEN) == 2


def test_pem_key_printed_by_a_script_in_small_writes() -> None:
    key = "-----BEGIN FAKE KEY-----\nZmFrZS1rZXktbWF0ZXJpYWwtZm9yLXRlc3Rz\n-----END FAKE KEY-----\n"
    masker = Masker()
    masker.add(key)
    script_output = "starting\n" + key + "done\n"
    pieces = [script_output[i : i + 7] for i in range(0, len(script_output), 7)]
    assert _feed(masker, pieces) == f"starting\n{MASK_TOKEN}done\n"


def test_stream_is_reusable_after_flush(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    stream = masker.stream()
    assert stream.feed(secret[:4]) + stream.flush() == secret[:4]
    assert stream.feed(secret) + stream.flush() == MASK_TOKEN


def test_stream_without_values_passes_text_through_immediately() -> None:
    stream = Masker().stream()
    assert stream.feed("hello") == "hello"
    assert stream.flush() == ""


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 4096])
def test_large_text_in_fixed_chunks(size: int, make_masker: MakeMasker, fake: Fake) -> None:
    values = [fake() for _ in range(20)]
    masker = make_masker(*values)
    text = "".join(f"line {i}: {values[i % 20] if i % 7 == 0 else 'ok'}\n" for i in range(400))
    pieces = [text[i : i + size] for i in range(0, len(text), size)]
    assert _feed(masker, pieces) == masker.mask(text)
