"""``subkey``: Kestra >= 1.0 semantics and error wording."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hushflow.errors import SecretError
from hushflow.secrets.subkey import extract

DOC = json.dumps({"token": "t0k", "port": 5432, "tls": True, "nested": {"a": [1, 2]}, "none": None})


@pytest.mark.parametrize(
    ("subkey", "expected"),
    [
        ("token", "t0k"),
        ("port", "5432"),
        ("tls", "true"),
        ("nested", '{"a":[1,2]}'),
        ("none", "null"),
    ],
    ids=["string", "number", "boolean", "object-compact", "null"],
)
def test_fields_as_text(subkey: str, expected: str) -> None:
    assert extract(DOC, "K", subkey) == expected


def test_missing_subkey_names_key_and_subkey() -> None:
    with pytest.raises(SecretError) as err:
        extract(DOC, "K", "x")
    assert str(err.value) == "Cannot find secret sub-key 'x' in secret 'K'."


@pytest.mark.parametrize("value", ["not json", "[1, 2]", '"just a string"', "{"], ids=str)
def test_non_object_value_is_a_clear_error_without_the_value(value: str) -> None:
    with pytest.raises(SecretError) as err:
        extract(value, "K", "x")
    message = str(err.value)
    assert message.startswith("Failed to read secret sub-key 'x' from secret 'K'.")
    assert "Ensure the secret contains valid JSON value." in message
    assert value not in message


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=20), min_size=1, max_size=5))
@settings(max_examples=200)
def test_every_string_field_round_trips(fields: dict[str, str]) -> None:
    doc = json.dumps(fields)
    for name, value in fields.items():
        assert extract(doc, "K", name) == value
