"""The environment backend: Kestra's ``SECRET_*`` convention."""

import base64
import logging
import secrets as pysecrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushflow.errors import SecretError, SecretNotFound
from hushflow.secrets import SecretManager
from hushflow.secrets.environment import EnvironmentStore, decode


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def fake() -> str:
    return "fake-" + pysecrets.token_hex(8)


def test_reads_base64_values_case_insensitively() -> None:
    value = fake()
    store = EnvironmentStore({"SECRET_MY_PASSWORD": b64(value)})
    found = store.read("any.namespace", "my_password")
    assert found is not None
    assert found.reveal() == value
    assert found.key == "MY_PASSWORD"


def test_line_breaks_in_base64_are_ignored() -> None:
    value = fake() * 10
    raw = b64(value)
    wrapped = "\n".join(raw[i : i + 16] for i in range(0, len(raw), 16)) + "\r\n"
    store = EnvironmentStore({"SECRET_LONG": wrapped})
    found = store.read("ns", "LONG")
    assert found is not None and found.reveal() == value


def test_invalid_base64_is_skipped_with_a_warning_naming_only_the_variable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    raw = "not base64 !!" + fake()
    with caplog.at_level(logging.WARNING, logger="hushflow.secrets"):
        store = EnvironmentStore({"SECRET_BROKEN": raw, "OTHER": "x"})
    assert store.read("ns", "BROKEN") is None
    assert "SECRET_BROKEN" in caplog.text
    assert raw not in caplog.text


@given(st.text(min_size=1, max_size=200), st.integers(min_value=1, max_value=80))
@settings(max_examples=200)
def test_any_text_round_trips_through_wrapped_base64(value: str, width: int) -> None:
    raw = b64(value)
    wrapped = "\n".join(raw[i : i + width] for i in range(0, len(raw), width))
    assert decode(wrapped) == value


def test_visible_from_every_namespace_through_the_manager() -> None:
    value = fake()
    mgr = SecretManager.from_env(None, {"SECRET_API_TOKEN": b64(value)})
    assert mgr.resolve("a", "API_TOKEN") == value
    assert mgr.resolve("x.y.z", "api_token") == value


def test_missing_key_message_is_kestras() -> None:
    mgr = SecretManager.from_env(None, {})
    with pytest.raises(SecretNotFound) as err:
        mgr.resolve("ns", "NOPE")
    assert str(err.value) == "Cannot find secret for key 'NOPE'."


def test_is_read_only() -> None:
    store = EnvironmentStore({})
    with pytest.raises(SecretError, match="read-only"):
        store.write("ns", "K", "v", actor="me")


def test_repr_shows_no_value() -> None:
    value = fake()
    store = EnvironmentStore({"SECRET_K": b64(value)})
    found = store.read("ns", "K")
    assert value not in repr(store)
    assert value not in repr(found) and value not in str(found)
    assert value not in repr(SecretManager.from_env(None, {"SECRET_K": b64(value)}))
