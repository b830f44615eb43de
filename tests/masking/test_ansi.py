"""Terminal colour codes inside a secret do not hide it from the masker."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hushflow.masking import MASK_TOKEN, Masker, available_engines

Fake = Callable[..., str]
CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_colour_code_inside_the_value(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    coloured = f"{secret[:5]}\x1b[1;31m{secret[5:9]}\x1b[0m{secret[9:]}"
    assert masker.mask(f"grep: {coloured}!") == f"grep: {MASK_TOKEN}!"


def test_colour_codes_outside_the_value_are_kept(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    text = f"\x1b[32mok\x1b[0m {secret[:3]}\x1b[1m{secret[3:]}\x1b[0m \x1b[32mdone\x1b[0m"
    assert masker.mask(text) == f"\x1b[32mok\x1b[0m {MASK_TOKEN}\x1b[0m \x1b[32mdone\x1b[0m"


def test_colour_codes_without_secrets_are_unchanged(fake: Fake) -> None:
    masker = Masker()
    masker.add(fake())
    text = "\x1b[1;32mPASSED\x1b[0m tests/test_x.py \x1b[" + "unfinished"
    assert masker.mask(text) == text


@pytest.mark.parametrize("split", range(0, 40))
def test_stream_split_inside_a_colour_code(split: int) -> None:
    masker = Masker()
    masker.add("fake-secret-value")
    text = "x fake-\x1b[38;5;196msecret\x1b[0m-value y"
    stream = masker.stream()
    out = stream.feed(text[:split]) + stream.feed(text[split:]) + stream.flush()
    assert out == masker.mask(text) == f"x {MASK_TOKEN} y"


CODES = st.sampled_from(["\x1b[0m", "\x1b[1;31m", "\x1b[38;5;2m", "\x1b[", "\x1b", "\x1b[3"])
PLAIN = st.text(st.sampled_from("abcXYZ01 -[;m3\n"), max_size=20)


@st.composite
def coloured_case(draw: st.DrawFn) -> tuple[list[str], str]:
    values = draw(
        st.lists(
            st.text(st.sampled_from("abcXYZ01-"), min_size=4, max_size=12), min_size=1, max_size=3
        )
    )
    pieces: list[str] = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            value = draw(st.sampled_from(values))
            cut = draw(st.integers(0, len(value)))
            pieces.append(value[:cut] + draw(CODES) + value[cut:])
        else:
            pieces.append(draw(PLAIN))
        pieces.append(draw(st.one_of(st.just(""), CODES)))
    return values, "".join(pieces)


@SETTINGS
@given(
    coloured_case(), st.sampled_from(available_engines()), st.lists(st.integers(0, 200), max_size=8)
)
def test_streaming_equals_mask_with_colour_codes(
    case: tuple[list[str], str], engine: str, cuts: list[int]
) -> None:
    values, text = case
    masker = Masker(engine=engine)
    masker.add_all(values)
    points = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    stream = masker.stream()
    assert "".join(stream.feed(p) for p in pieces) + stream.flush() == masker.mask(text)


@SETTINGS
@given(coloured_case())
def test_no_value_visible_after_masking(case: tuple[list[str], str]) -> None:
    values, text = case
    masker = Masker()
    masker.add_all(values)
    shown = CSI.sub("", masker.mask(text))
    for value in values:
        assert value not in shown


@pytest.mark.xfail(
    strict=True,
    reason="known gap: the token's '*' can complete a broken escape introducer that stood "
    "right before the secret, and a terminal then swallows the next character",
)
@pytest.mark.parametrize(
    ("values", "text", "revealed"),
    [
        (["0000", "X-000-"], "X-000\x1b[-0000X-\x1b[000-", "X-000-"),
        # a value inside an escape's parameters: masking it breaks the escape open
        (["1X00", "0000"], "\x1b[00001X\x1b[0m00", "1X00"),
    ],
    ids=["token-completes-escape", "value-inside-escape"],
)
def test_a_broken_escape_before_a_secret_cannot_eat_into_the_text_after_the_token(
    values: list[str], text: str, revealed: str
) -> None:
    masker = Masker()
    masker.add_all(values)
    assert revealed not in CSI.sub("", masker.mask(text))
