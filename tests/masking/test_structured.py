"""mask_value: masked deep copies of JSON-like data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hushflow.masking import DEFAULT_SENSITIVE_KEYS, MASK_TOKEN, Masker, SensitiveKeys

Fake = Callable[..., str]


def test_strings_keys_and_nested_values_are_masked(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    data = {"out": [f"got {secret}", {"deep": [[secret]]}], secret: "as a key", "n": 7}
    assert masker.mask_value(data) == {
        "out": [f"got {MASK_TOKEN}", {"deep": [[MASK_TOKEN]]}],
        MASK_TOKEN: "as a key",
        "n": 7,
    }


def test_input_is_not_modified(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    data = {"a": [secret]}
    masker.mask_value(data)
    assert data == {"a": [secret]}


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "db_password",
        "passwd",
        "secret",
        "client_secret",
        "token",
        "access_token",
        "api_key",
        "X-Api-Key",
        "apiKey",
        "GOOGLE_APIKEY",
        "access_key",
        "private_key",
        "privateKey",
        "Authorization",
        "credentials",
        "passphrase",
        "Cookie",
    ],
)
def test_sensitive_keys_hide_unregistered_values(key: str) -> None:
    masked = Masker().mask_value({key: "never-registered-value", "other": "visible"})
    assert masked == {key: MASK_TOKEN, "other": "visible"}


@pytest.mark.parametrize("key", ["user", "keyword", "pass", "count", "description"])
def test_ordinary_keys_are_left_alone(key: str) -> None:
    assert Masker().mask_value({key: "visible"}) == {key: "visible"}


def test_everything_under_a_sensitive_key_is_hidden() -> None:
    data = {"credentials": {"user": "bob", "ids": [1, 2.5, "x"], "ok": True, "none": None}}
    assert Masker().mask_value(data) == {
        "credentials": {"user": MASK_TOKEN, "ids": [MASK_TOKEN] * 3, "ok": True, "none": None}
    }


def test_sensitive_keys_are_configurable() -> None:
    masker = Masker(sensitive_keys={"pin"})
    assert masker.mask_value({"pin": "1", "password": "shown"}) == {
        "pin": MASK_TOKEN,
        "password": "shown",
    }
    extended = Masker(sensitive_keys=DEFAULT_SENSITIVE_KEYS | {"pin"})
    assert extended.mask_value({"pin": "1", "password": "x"}) == {
        "pin": MASK_TOKEN,
        "password": MASK_TOKEN,
    }
    assert SensitiveKeys(["api_key"])("MY-API-KEY")


def test_registered_number_is_masked() -> None:
    masker = Masker()
    masker.add("90817263")
    assert masker.mask_value({"code": 90817263, "port": 8080}) == {"code": MASK_TOKEN, "port": 8080}


def test_tuples_sets_bytes_and_objects(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)

    class Holder:
        def __str__(self) -> str:
            return f"Holder({secret})"

    masked = masker.mask_value(((secret,), {secret}, secret.encode(), Holder()))
    assert masked == [[MASK_TOKEN], [MASK_TOKEN], MASK_TOKEN, f"Holder({MASK_TOKEN})"]


def test_deep_nesting_beyond_the_recursion_limit(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    data: Any = secret
    for _ in range(5000):
        data = [data]
    masked = masker.mask_value(data)
    for _ in range(5000):
        masked = masked[0]
    assert masked == MASK_TOKEN


def test_cycles_and_shared_references_are_copied_once(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    shared = [secret]
    data: dict[str, Any] = {"a": shared, "b": shared}
    data["self"] = data
    masked = masker.mask_value(data)
    assert masked["a"] == [MASK_TOKEN] and masked["a"] is masked["b"]
    assert masked["self"] is masked
