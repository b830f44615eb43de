"""What a render derived from a secret registers with the masker."""

from __future__ import annotations

from hushflow.engine.registration import leaves, number_forms, register_rendered
from hushflow.masking import Masker


def test_number_forms_cover_python_and_integer_text() -> None:
    assert number_forms("1.23456789E8") == ["123456789.0", "123456789"]
    assert number_forms("000482913775") == ["482913775.0", "482913775"]
    assert number_forms("0.5") == ["0.5"]
    assert number_forms("not a number") == [] and number_forms("NaN") == []


def test_leaves_include_keys_and_number_forms() -> None:
    got = set(leaves({"k-secret": [1.5, "v-secret", True, None], "n": 10}))
    assert got == {"k-secret", "1.5", "v-secret", "n", "10", "10.0"}


def test_a_refused_piece_registers_the_value_whole() -> None:
    masker = Masker()
    register_rendered(masker, frozenset({"a", "b"}), "a-b-c-d")
    assert masker.mask("seen: a-b-c-d") == "seen: ****"


def test_without_a_refused_piece_only_the_fragments_are_registered() -> None:
    masker = Masker()
    register_rendered(masker, frozenset({"token-123"}), "Bearer token-123")
    assert masker.mask("Bearer token-123 and Bearer x") == "Bearer **** and Bearer x"


def test_a_numeric_fragment_masks_its_python_form() -> None:
    masker = Masker()
    register_rendered(masker, frozenset({"1.23456789E8"}), 123456789.0)
    assert masker.mask_value({"n": 123456789.0, "s": "123456789.0"}) == {"n": "****", "s": "****"}
