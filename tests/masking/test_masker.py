"""The Masker's contract: one token per run, refusals, fail-closed, fork, threads."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from hushflow.masking import MASK_TOKEN, MASKING_FAILED, Masker, available_engines

MakeMasker = Callable[..., Masker]
Fake = Callable[..., str]


def test_registered_value_is_replaced_by_the_token(make_masker: MakeMasker, fake: Fake) -> None:
    secret = fake()
    masker = make_masker(secret)
    assert masker.mask(f"connecting with {secret} now") == f"connecting with {MASK_TOKEN} now"


def test_text_without_secrets_is_returned_unchanged(make_masker: MakeMasker, fake: Fake) -> None:
    masker = make_masker(fake())
    text = "INFO task started\n\tnothing to hide here: ünïcødé ✓"
    assert masker.mask(text) == text
    assert masker.mask("") == ""


def test_every_occurrence_is_masked(make_masker: MakeMasker, fake: Fake) -> None:
    secret = fake()
    masker = make_masker(secret)
    assert masker.mask(f"{secret} and {secret}, {secret}") == "**** and ****, ****"


def test_custom_token(make_masker: MakeMasker, fake: Fake) -> None:
    secret = fake()
    assert make_masker(secret, token="[MASKED]").mask(f"x{secret}y") == "x[MASKED]y"


def test_non_ascii_text_and_values(make_masker: MakeMasker, fake: Fake) -> None:
    secret = "pässwörd-日本語-" + fake()
    masker = make_masker(secret)
    assert masker.mask(f"é→{secret}←é") == "é→****←é"


def test_short_values_are_refused_with_a_warning_that_hides_them() -> None:
    masker = Masker()
    assert masker.add("abc") is False
    assert masker.mask("abc abc") == "abc abc"
    assert len(masker.warnings) == 1
    assert "abc" not in masker.warnings[0]
    assert "min_length=4" in masker.warnings[0]


def test_lower_min_length_accepts_short_values() -> None:
    masker = Masker(min_length=2)
    assert masker.add("ab") is True
    assert masker.mask("xaby") == "x****y"


def test_blank_values_are_refused() -> None:
    masker = Masker()
    assert masker.add("      ") is False
    assert masker.mask("a      b") == "a      b"
    assert masker.warnings


def test_add_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        Masker().add(12345)  # type: ignore[arg-type]


def test_min_length_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Masker(min_length=0)


def test_add_is_idempotent(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    assert masker.add(secret) and masker.add(secret)
    assert len(masker) == 1
    assert masker.mask(secret) == MASK_TOKEN


def test_len_contains_and_repr_do_not_reveal_values(fake: Fake) -> None:
    secret = fake()
    masker = Masker()
    masker.add(secret)
    assert len(masker) == 1
    assert secret in masker
    assert "other-value" not in masker
    assert secret not in repr(masker)
    assert secret not in str(masker)


def test_value_added_after_a_mask_is_masked_next_time(make_masker: MakeMasker, fake: Fake) -> None:
    first, second = fake(), fake()
    masker = make_masker(first)
    assert masker.mask(second) == second
    masker.add(second)
    assert masker.mask(f"{first} {second}") == "**** ****"


def test_many_values_added_one_at_a_time_between_masks(make_masker: MakeMasker, fake: Fake) -> None:
    masker = make_masker()
    values = [fake() for _ in range(120)]
    for value in values:
        masker.add(value)
        assert masker.mask(f"<{value}>") == "<****>"
    assert all(masker.mask(f"<{value}>") == "<****>" for value in values)


def test_mask_fails_closed_on_bad_input(fake: Fake) -> None:
    masker = Masker()
    masker.add(fake())
    assert masker.mask(None) == MASKING_FAILED  # type: ignore[arg-type]
    assert masker.mask(b"bytes") == MASKING_FAILED  # type: ignore[arg-type]


class _Exploding:
    def __str__(self) -> str:
        raise RuntimeError("cannot render")


def test_mask_value_fails_closed() -> None:
    masker = Masker()
    assert masker.mask_value({"a": _Exploding()}) == MASKING_FAILED


def test_fork_starts_with_parent_values_and_keeps_its_own(fake: Fake) -> None:
    parent_secret, child_secret = fake(), fake()
    parent = Masker(token="[X]")
    parent.add(parent_secret)
    parent.mask("warm up the index")
    child = parent.fork()
    child.add(child_secret)
    assert child.mask(f"{parent_secret} {child_secret}") == "[X] [X]"
    assert parent.mask(child_secret) == child_secret
    assert len(child) == 2 and len(parent) == 1


def test_engine_is_reported_and_can_be_pinned() -> None:
    assert Masker(engine="regex").engine == "regex"
    assert Masker().engine == available_engines()[0]
    with pytest.raises(ValueError):
        Masker(engine="no-such-engine")


@pytest.mark.skipif("hyperscan" not in available_engines(), reason="needs hyperscan")
def test_busy_masker_is_compacted_to_hyperscan_with_the_same_results(fake: Fake) -> None:
    masker = Masker()
    values = [fake() for _ in range(60)]
    for value in values:  # one at a time: several small segments
        masker.add(value)
        masker.mask("a line between two adds")
    text = "".join(f"line {i} {values[i % 60]} end\n" for i in range(6000))
    first = masker.mask(text)
    assert "ahocorasick" in masker.engine
    for _ in range(6):
        assert masker.mask(text) == first
    assert masker._settle()  # compaction runs in a background thread
    assert masker.mask(text) == first
    assert masker.engine == "hyperscan"
    assert len(masker._current().segments) == 1
    assert not any(value in first for value in values)


@pytest.mark.parametrize("merge_in_between", [False, True], ids=["installed", "discarded"])
def test_values_added_while_compacting_are_kept(merge_in_between: bool, fake: Fake) -> None:
    masker = Masker()
    old, news = fake(), [fake() for _ in range(3)]
    masker.add(old)
    snapshot = masker._current()
    masker.add_all(news)
    if merge_in_between:
        masker._current()  # the new, larger segment absorbs the snapshot's one
        assert masker._registry.segments[0] not in snapshot.segments
    masker._compact(snapshot)
    assert masker.mask(" ".join([old, *news])) == " ".join([MASK_TOKEN] * 4)


def test_concurrent_adds_and_masks(engine: str, fake: Fake) -> None:
    """A value is masked by every mask that starts after its add returned."""
    masker = Masker(engine=engine)
    errors: list[str] = []

    def worker(worker_id: int) -> None:
        for step in range(40):
            value = f"thread{worker_id}-step{step}-{fake()}"
            masker.add(value)
            if masker.mask(f"[{value}]") != "[****]":
                errors.append(f"worker {worker_id} step {step} leaked")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(masker) == 240


def test_value_that_is_a_prefix_of_its_own_longer_forms(make_masker: MakeMasker) -> None:
    """Found by hypothesis: the shell-quoted form starts with the value itself."""
    value = "\\00000'"
    masker = make_masker(value)
    assert masker.mask(value + value) == MASK_TOKEN
    assert masker.mask(f"a {value}\\ b") == f"a {MASK_TOKEN}\\ b"


@pytest.mark.parametrize(
    "value",
    ["fake\udcffsecret", "fake\x00secret\x00", "\ud800\udc00-fake-pair"],
    ids=["lone-surrogate", "nul", "surrogate-pair"],
)
def test_values_that_are_not_plain_utf8(make_masker: MakeMasker, value: str) -> None:
    """Subprocess output decoded with surrogateescape, or binary secrets, still mask."""
    masker = make_masker(value)
    assert masker.mask(f"<{value}>") == f"<{MASK_TOKEN}>"


def test_concurrent_adds_and_masks_while_compacting(fake: Fake) -> None:
    """Large texts make the masker compact while other threads keep adding and masking."""
    masker = Masker()
    errors: list[str] = []
    filler = "x" * 40_000

    def worker(worker_id: int) -> None:
        mine: list[str] = []
        for step in range(25):
            value = f"w{worker_id}s{step}-{fake()}"
            masker.add(value)
            mine.append(value)
            masked = masker.mask(filler + " ".join(mine) + filler)
            if any(seen in masked for seen in mine):
                errors.append(f"worker {worker_id} step {step} leaked")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(masker) == 100


def test_fork_keeps_forms_sharing_an_anchor_apart(fake: Fake) -> None:
    """Forms are grouped by their first characters; a fork's group is its own copy."""
    parent = Masker()
    parent.add("shared-prefix-" + fake())
    parent.mask("build the index")
    child = parent.fork()
    only_child = "shared-prefix-" + fake()
    child.add(only_child)
    assert child.mask(f"[{only_child}]") == f"[{MASK_TOKEN}]"
    assert parent.mask(f"[{only_child}]") == f"[{only_child}]"
