"""Keys, namespaces and the inheritance chain."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushflow.errors import SecretError
from hushflow.secrets.keys import chain, check_key, check_namespace, fold, within

segment = st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True)


@pytest.mark.parametrize(
    ("namespace", "expected"),
    [
        ("company", ["company"]),
        ("company.team", ["company.team", "company"]),
        ("company.team.etl", ["company.team.etl", "company.team", "company"]),
    ],
    ids=["one", "two", "three"],
)
def test_chain_is_nearest_first(namespace: str, expected: list[str]) -> None:
    assert chain(namespace) == expected


@given(st.lists(segment, min_size=1, max_size=6))
@settings(max_examples=200)
def test_chain_never_contains_siblings_or_children(parts: list[str]) -> None:
    namespace = ".".join(parts)
    found = chain(namespace)
    assert len(found) == len(parts)
    assert all(within(namespace, ancestor) for ancestor in found)
    assert f"{namespace}.child" not in found
    assert all(not within(n, f"{parts[0]}x") for n in found)


@pytest.mark.parametrize(
    "key", ["A", "db_password", "a.b-c_D9", "x" * 255], ids=["one", "snake", "mixed", "longest"]
)
def test_valid_keys(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    "key",
    ["", "has space", "slash/key", "x" * 256, "é"],
    ids=["empty", "space", "slash", "long", "accent"],
)
def test_invalid_keys(key: str) -> None:
    with pytest.raises(SecretError, match="Invalid secret key"):
        check_key(key)


@pytest.mark.parametrize("namespace", ["", ".a", "a.", "a..b", "a b", "a/b"], ids=str)
def test_invalid_namespaces(namespace: str) -> None:
    with pytest.raises(SecretError, match="Invalid namespace"):
        check_namespace(namespace)


def test_fold_is_case_insensitive() -> None:
    assert fold("Db_Password") == fold("DB_PASSWORD") == fold("db_password")


def test_within_needs_a_dot_boundary() -> None:
    assert within("company.team", "company")
    assert not within("companyx", "company")
