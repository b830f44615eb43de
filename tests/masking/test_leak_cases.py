"""Leak cases drawn from other systems' masker suites and known leaks.

Each group restates, in our terms, what the anchor's tests check: GitHub
Actions / Azure Pipelines ``SecretMasker``, Buildkite's streaming replacer,
GitLab Runner's trace masker, Jenkins credentials-binding's encoded forms and
Airflow's ``secrets_masker``. Where hushflow deliberately differs (one token
per run, where GitLab writes one per secret) the expectation says so.
Values are fake; short ones need a lower ``min_length``, as in the anchors.
"""

from __future__ import annotations

import base64
import traceback
from collections.abc import Callable

import pytest

from hushflow.masking import MASK_TOKEN as T
from hushflow.masking import Masker

MakeMasker = Callable[..., Masker]
LOREM = "Lorem ipsum dolor sit amet"


def _stream(masker: Masker, pieces: list[str]) -> str:
    stream = masker.stream()
    return "".join(stream.feed(piece) for piece in pieces) + stream.flush()


def _all_ways(masker: Masker, text: str) -> set[str]:
    """The masked text as one string, one write, and one character per write."""
    return {masker.mask(text), _stream(masker, [text]), _stream(masker, list(text))}


# GitHub Actions runner / azure-pipelines-agent SecretMasker --------------------------------

RUNNER_CASES = [
    ("basic", ["def"], "abcdefg", f"abc{T}g"),
    ("two-instances", ["def"], "abcdefgdef", f"abc{T}g{T}"),
    ("same-secret-adjacent", ["abc"], "abcabcdef", f"{T}def"),
    ("two-secrets", ["bcd", "fgh"], "abcdefghi", f"a{T}e{T}i"),
    ("overlapping", ["def", "bcd"], "abcdefg", f"a{T}g"),
    ("adjacent-different", ["efg", "bcd"], "abcdefgh", f"a{T}h"),
    ("no-masks", [], "abcdefg", "abcdefg"),
    ("empty-input", ["abcd"], "", ""),
]


@pytest.mark.parametrize(
    ("values", "text", "expected"), [c[1:] for c in RUNNER_CASES], ids=[c[0] for c in RUNNER_CASES]
)
def test_runner_secret_masker(
    make_masker: MakeMasker, values: list[str], text: str, expected: str
) -> None:
    assert _all_ways(make_masker(*values, min_length=3), text) == {expected}


# Buildkite agent replacer ---------------------------------------------------------------------

BUILDKITE_CASES = [
    ("one", ["ipsum"], f"Lorem {T} dolor sit amet"),
    ("two", ["ipsum", "amet"], f"Lorem {T} dolor sit {T}"),
    ("first-contains-second", ["ipsum dolor", "dolor"], f"Lorem {T} sit amet"),
    ("second-contains-first", ["ipsum", "ipsum dolor"], f"Lorem {T} sit amet"),
    ("overlapping", ["ipsum dolor", "dolor sit"], f"Lorem {T} amet"),
    ("partial-overlap-fails", ["ipsum dolor", "dolor sEt", "sit amet"], f"Lorem {T} {T}"),
    ("long-near-miss", ["Lorem ipsum dolor sEt", "ipsum", "dolor"], f"Lorem {T} {T} sit amet"),
    (
        "vowels",
        ["a", "e", "i", "o", "u", "Lorem ipsum dolor sit am3t"],
        f"L{T}r{T}m {T}ps{T}m d{T}l{T}r s{T}t {T}m{T}t",
    ),
    (
        "tower",
        ["do", " dol", "m dolo", "um dolor", "sum dolor ", "psum dolor s", "ipsum dolor si"],
        f"Lorem {T}t amet",
    ),
]


@pytest.mark.parametrize(
    ("values", "expected"), [c[1:] for c in BUILDKITE_CASES], ids=[c[0] for c in BUILDKITE_CASES]
)
def test_buildkite_lorem_ipsum(make_masker: MakeMasker, values: list[str], expected: str) -> None:
    assert _all_ways(make_masker(*values, min_length=1), LOREM) == {expected}


@pytest.mark.parametrize(
    ("pieces", "values"),
    [
        (["Lorem ip", "sum dolor sit amet"], ["ipsum"]),
        (["Lorem ipsum dol", "or sit amet"], ["ipsum dolor", "um do"]),
        (["Lorem ipsum dol", "or sit amet"], ["ipsum dolor", "sum", "do", "dolor"]),
    ],
    ids=["mid-secret", "pending-inner-match", "several-pending"],
)
def test_buildkite_write_boundaries(
    make_masker: MakeMasker, pieces: list[str], values: list[str]
) -> None:
    masker = make_masker(*values, min_length=2)
    assert _stream(masker, pieces) == f"Lorem {T} sit amet" or values == ["ipsum"]
    assert _stream(masker, pieces) == masker.mask("".join(pieces))


def test_buildkite_value_added_mid_stream() -> None:
    masker = Masker()
    masker.add("fake1111")
    stream = masker.stream()
    out = stream.feed("redact fake1111 but not yet fake2222 until\n")
    masker.add("fake2222")
    out += stream.feed("now fake1111 and fake2222\n") + stream.flush()
    head, _, tail = out.partition("\n")
    assert "fake1111" not in out
    assert tail == f"now {T} and {T}\n"
    assert head.startswith(f"redact {T} but not yet ")


def test_buildkite_multibyte() -> None:
    masker = Masker(min_length=1)
    masker.add("ÿ")
    assert _all_ways(masker, "fooÿbar") == {f"foo{T}bar"}


OPENSSH = (
    "-----BEGIN FAKE OPENSSH PRIVATE KEY-----\n"
    "ZmFrZWtleQ==\n"
    "-----END FAKE OPENSSH PRIVATE KEY-----\n"
)


@pytest.mark.parametrize(
    ("newline", "expected"),
    [("\n", f"lalalala\n{T}lalalala\n"), ("\r\n", f"lalalala\r\n{T}lalalala\r\n")],
    ids=["lf", "crlf"],
)
def test_buildkite_multi_line_written_line_by_line(newline: str, expected: str) -> None:
    masker = Masker()
    masker.add(OPENSSH)
    lines = ["lalalala", *OPENSSH.splitlines(), "lalalala"]
    assert _stream(masker, [line + newline for line in lines]) == expected


def test_multi_line_value_echoed_unquoted_has_spaces_for_newlines() -> None:
    """``echo $KEY`` without quotes joins the lines with spaces."""
    masker = Masker()
    masker.add(OPENSSH)
    flat = " ".join(OPENSSH.split())
    assert masker.mask(f"lalalala {flat} lalalala") == f"lalalala {T} lalalala"


@pytest.mark.parametrize(
    "newline", ["\r\r\n", "\n\n", "\n\t \n"], ids=["cr-cr-lf", "blank", "junk"]
)
def test_multi_line_value_with_odd_line_breaks_leaks_no_line(newline: str) -> None:
    masker = Masker()
    masker.add(OPENSSH)
    printed = newline.join(OPENSSH.splitlines()) + newline
    masked = masker.mask(f"lalalala\n{printed}lalalala")
    assert all(line not in masked for line in OPENSSH.splitlines())
    assert masked.startswith("lalalala\n") and masked.endswith("lalalala")


# GitLab Runner trace masker ("|" marks where one write ends) ---------------------------------

GITLAB_CASES = [
    ("no-values", [], "no escaping at all", "no escaping at all"),
    ("whole", ["secrets"], "secrets", T),
    ("split-late", ["secrets"], "secret|s", T),
    ("split-early", ["secrets"], "s|ecrets", T),
    ("repeated-merges", ["secrets"], "secretssecrets", T),  # GitLab: two tokens
    ("prefix-char", ["secrets"], "ssecrets", f"s{T}"),
    ("prefix-char-split", ["secrets"], "s|secrets", f"s{T}"),
    ("start", ["at"], "at the start of the buffer", f"{T} the start of the buffer"),
    ("middle", ["middle"], "in the middle of the buffer", f"in the {T} of the buffer"),
    ("end", ["buffer"], "at the end of the buffer", f"at the end of the {T}"),
    ("all", ["all", "values", "are", "masked"], "all values are masked", f"{T} {T} {T} {T}"),
    (
        "affixes",
        ["foo", "bar"],
        "xfoox ybary ffoo barr ffooo bbarr",
        f"x{T}x y{T}y f{T} {T}r f{T}o b{T}r",
    ),
    (
        "affixes-split",
        ["foo", "bar"],
        "pre|fix, xfo|ox y|bary ffo|o ba|rr ffooo b|barr",
        f"prefix, x{T}x y{T}y f{T} {T}r f{T}o b{T}r",
    ),
    (
        "split-all",
        ["split", "all", "values", "are", "masked"],
        "sp|lit al|l val|ues ar|e |mask|ed",
        f"{T} {T} {T} {T} {T}",
    ),
    (
        "one-inside-another",
        ["mask", "prefix_mask"],
        "prefix_mask mask prefix_|mask prefix_ma|sk mas|k",
        f"{T} {T} {T} {T} {T}",
    ),
    (
        "overlap-near-miss",
        ["this is the end", "en foobar", "en"],
        "overlap: this is the en| foobar",
        f"overlap: this is the {T}",
    ),
    ("repeating-prefix", ["xyxyz-fake"], "xyxy|xyz-fake xyxyxy|z-fake", f"xy{T} xy{T}"),
    ("repeating-prefix-2", ["aaab-fake"], "aa|aa|aab-fake", f"aaa{T}"),
]


@pytest.mark.parametrize(
    ("values", "writes", "expected"),
    [c[1:] for c in GITLAB_CASES],
    ids=[c[0] for c in GITLAB_CASES],
)
def test_gitlab_masker(
    make_masker: MakeMasker, values: list[str], writes: str, expected: str
) -> None:
    masker = make_masker(*values, min_length=2)
    assert _stream(masker, writes.split("|")) == expected
    assert masker.mask(writes.replace("|", "")) == expected


def test_gitlab_large_secret_split_in_the_middle() -> None:
    secret = "_" * 16000
    masker = Masker()
    masker.add(secret)
    assert _stream(masker, ["large secret: " + "_" * 8000, "_" * 8000]) == f"large secret: {T}"


# Jenkins credentials-binding: the forms shells and tools print -------------------------------

JENKINS_PASSWORD = "]%Q9'zK&m!{$w_^<fake>"


@pytest.mark.parametrize(
    "printed",
    [
        JENKINS_PASSWORD,
        base64.b64encode(JENKINS_PASSWORD.encode()).decode(),
        JENKINS_PASSWORD.replace("'", "'\\''"),
        "'" + JENKINS_PASSWORD.replace("'", "'\\''") + "'",
        JENKINS_PASSWORD.replace("$", "$$"),
        "".join("^" + c if c in "^&<>|" else c for c in JENKINS_PASSWORD).replace("%", "%%"),
    ],
    ids=["literal", "base64", "bash-quoted", "bash-quoted-surrounded", "dollar", "batch"],
)
def test_jenkins_encoded_forms(printed: str) -> None:
    masker = Masker()
    masker.add(JENKINS_PASSWORD)
    assert masker.mask(f"+ echo {printed}") == f"+ echo {T}"


# Airflow secrets_masker -----------------------------------------------------------------------


def test_airflow_message_args_and_connection_strings() -> None:
    masker = Masker()
    masker.add("fake-password")
    assert masker.mask("Xfake-passwordY") == f"X{T}Y"
    assert masker.mask("Cannot connect to user:fake-password") == f"Cannot connect to user:{T}"
    assert (
        masker.mask("postgres://user:fake-password@db:5432/x") == f"postgres://user:{T}@db:5432/x"
    )


def test_airflow_url_quoted_adaptation() -> None:
    masker = Masker()
    masker.add("fake<>&")
    assert masker.mask("GET /?p=fake%3C%3E%26 HTTP/1.1") == f"GET /?p={T} HTTP/1.1"


def test_airflow_traceback_and_chained_exceptions() -> None:
    masker = Masker()
    masker.add("fake-password")
    try:
        try:
            raise RuntimeError("Cannot connect to user:fake-password")
        except RuntimeError as inner:
            raise RuntimeError(f"Exception: {inner!r}") from inner
    except RuntimeError as outer:
        formatted = "".join(traceback.format_exception(outer))
    masked = masker.mask(formatted)
    assert "fake-password" not in masked
    assert masked.count(f"user:{T}") == 3  # source line, inner and outer messages


def test_airflow_redact_structures() -> None:
    masker = Masker()
    masker.add_all(["fake-secret", "fake-foo"])
    assert masker.mask_value(
        {"apikey": "fake-secret", "other": {"val": "innocent", "password": "fake-foo"}}
    ) == {"apikey": T, "other": {"val": "innocent", "password": T}}
    assert masker.mask_value(["fake-secret", "other"]) == [T, "other"]
    # Airflow leaves dict keys alone; hushflow masks them too.
    assert masker.mask_value({"data": {"fake-secret": "fake-secret"}}) == {"data": {T: T}}
    assert masker.mask_value({"env": {"api_key": "unregistered", "other": "x"}}) == {
        "env": {"api_key": T, "other": "x"}
    }
