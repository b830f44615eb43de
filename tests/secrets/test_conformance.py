"""One conformance suite for every secret backend (embedded SQLite/PostgreSQL, OpenBao, env).

The read parts run on every backend; the versioned write parts on the
writable ones. Each backend must behave the same through the SecretStore
protocol, which is what lets the manager stack them.
"""

from __future__ import annotations

import threading

import pytest
from secret_helpers import MAX_VERSIONS, Seed, fake_value

from hushflow.errors import SecretError, SecretNotFound
from hushflow.secrets.store import SecretStore

NS = "company.team"

# read parts: every backend


def test_read_returns_the_value_and_where_it_came_from(seeded_store: Seed) -> None:
    value = fake_value()
    store = seeded_store({"DB_PASSWORD": value})
    found = store.read(NS, "DB_PASSWORD")
    assert found is not None
    assert found.reveal() == value
    assert found.key == "DB_PASSWORD"
    assert found.backend == store.name


def test_lookup_is_case_insensitive_and_display_case_preserving(seeded_store: Seed) -> None:
    value = fake_value()
    store = seeded_store({"Api_Token": value})
    for spelling in ("Api_Token", "API_TOKEN", "api_token"):
        found = store.read(NS, spelling)
        assert found is not None and found.reveal() == value
        assert found.key == "Api_Token"


def test_missing_key_reads_as_none(seeded_store: Seed) -> None:
    store = seeded_store({"PRESENT": fake_value()})
    assert store.read(NS, "ABSENT") is None
    assert store.describe(NS, "ABSENT") is None


def test_listing_shows_keys_never_values(seeded_store: Seed) -> None:
    values = {"B_KEY": fake_value(), "A_KEY": fake_value()}
    store = seeded_store(values)
    listed = store.list_keys(NS)
    assert [m.key for m in listed if m.key in values] == ["A_KEY", "B_KEY"]
    text = repr(listed) + repr(store.describe(NS, "A_KEY"))
    assert all(v not in text for v in values.values())


def test_repr_of_a_value_hides_it(seeded_store: Seed) -> None:
    value = fake_value()
    store = seeded_store({"K": value})
    found = store.read(NS, "K")
    assert value not in repr(found) and value not in str(found) and value not in repr(store)


def test_multiline_and_unicode_values_round_trip(seeded_store: Seed) -> None:
    value = "-----BEGIN KEY-----\n" + fake_value() + "\nünïcødé ✓\n-----END KEY-----\n"
    store = seeded_store({"PEM": value})
    found = store.read(NS, "PEM")
    assert found is not None and found.reveal() == value


def test_read_nearest_finds_the_value_along_a_chain(seeded_store: Seed) -> None:
    value = fake_value()
    store = seeded_store({"K": value})
    found = store.read_nearest(["company.team.etl", NS, "company"], "k")
    assert found is not None and found.reveal() == value
    assert store.read_nearest(["company.team.etl", NS], "MISSING") is None


# write parts: writable backends


def test_read_nearest_prefers_the_nearest_readable_namespace(writable_store: SecretStore) -> None:
    near, far = fake_value(), fake_value()
    writable_store.write("company", "K", far, actor="a")
    writable_store.write(NS, "K", near, actor="a")
    chain = ["company.team.etl", NS, "company"]
    found = writable_store.read_nearest(chain, "K")
    assert found is not None and found.reveal() == near and found.namespace == NS
    writable_store.delete(NS, "K", actor="a")
    found = writable_store.read_nearest(chain, "K")
    assert found is not None and found.reveal() == far and found.namespace == "company"
    assert writable_store.read_nearest(["company.other"], "K") is None


def test_every_write_makes_a_new_version(writable_store: SecretStore) -> None:
    first, second = fake_value(), fake_value()
    assert writable_store.write(NS, "K", first, actor="alice") == 1
    assert writable_store.write(NS, "K", second, actor="bob") == 2
    assert writable_store.read(NS, "K").reveal() == second  # type: ignore[union-attr]
    assert writable_store.read(NS, "K", 1).reveal() == first  # type: ignore[union-attr]
    meta = writable_store.describe(NS, "K")
    assert meta is not None
    assert meta.current_version == 2 and meta.updated_by == "bob" and not meta.deleted


def test_namespaces_are_separate(writable_store: SecretStore) -> None:
    writable_store.write(NS, "K", fake_value(), actor="alice")
    assert writable_store.read("company", "K") is None
    assert writable_store.read("company.team.etl", "K") is None
    assert writable_store.read("company.other", "K") is None


def test_description_and_tags_are_kept_until_replaced(writable_store: SecretStore) -> None:
    writable_store.write(
        NS, "K", fake_value(), actor="a", description="db login", tags={"env": "prod"}
    )
    writable_store.write(NS, "K", fake_value(), actor="a")
    meta = writable_store.describe(NS, "K")
    assert meta is not None
    assert meta.description == "db login" and meta.tags == {"env": "prod"}
    writable_store.write(NS, "K", fake_value(), actor="a", tags={"env": "dev", "team": "x"})
    meta = writable_store.describe(NS, "K")
    assert meta is not None and meta.tags == {"env": "dev", "team": "x"}


def test_only_the_last_versions_are_kept(writable_store: SecretStore) -> None:
    values = [fake_value() for _ in range(MAX_VERSIONS + 2)]
    for value in values:
        writable_store.write(NS, "K", value, actor="a")
    kept = [v.version for v in writable_store.versions(NS, "K")]
    assert kept == list(range(3, MAX_VERSIONS + 3))
    assert writable_store.read(NS, "K", 1) is None
    assert writable_store.read(NS, "K", 3).reveal() == values[2]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("existing", "cas", "succeeds"),
    [(0, 0, True), (1, 0, False), (1, 1, True), (2, 1, False), (0, 3, False)],
    ids=["create-if-absent", "create-but-exists", "matching", "stale", "ahead"],
)
def test_check_and_set(
    writable_store: SecretStore, existing: int, cas: int, succeeds: bool
) -> None:
    for _ in range(existing):
        writable_store.write(NS, "K", fake_value(), actor="a")
    value = fake_value()
    if succeeds:
        assert writable_store.write(NS, "K", value, actor="a", cas=cas) == existing + 1
        assert writable_store.read(NS, "K").reveal() == value  # type: ignore[union-attr]
    else:
        with pytest.raises(SecretError, match="check-and-set failed"):
            writable_store.write(NS, "K", value, actor="a", cas=cas)
        assert len(writable_store.versions(NS, "K")) == existing


def test_soft_delete_is_recoverable(writable_store: SecretStore) -> None:
    value = fake_value()
    writable_store.write(NS, "K", value, actor="a")
    assert writable_store.delete(NS, "K", actor="a") == [1]
    assert writable_store.read(NS, "K") is None
    meta = writable_store.describe(NS, "K")
    assert meta is not None and meta.deleted
    assert writable_store.versions(NS, "K")[0].deleted is not None
    assert writable_store.undelete(NS, "K", actor="a") == [1]
    assert writable_store.read(NS, "K").reveal() == value  # type: ignore[union-attr]


def test_delete_of_one_old_version_keeps_the_others(writable_store: SecretStore) -> None:
    values = [fake_value() for _ in range(3)]
    for value in values:
        writable_store.write(NS, "K", value, actor="a")
    assert writable_store.delete(NS, "K", [2], actor="a") == [2]
    assert writable_store.read(NS, "K", 2) is None
    assert writable_store.read(NS, "K").reveal() == values[2]  # type: ignore[union-attr]


def test_destroy_versions_is_final(writable_store: SecretStore) -> None:
    values = [fake_value(), fake_value()]
    for value in values:
        writable_store.write(NS, "K", value, actor="a")
    assert writable_store.destroy(NS, "K", [1], actor="a") == [1]
    assert writable_store.read(NS, "K", 1) is None
    assert writable_store.undelete(NS, "K", [1], actor="a") == []
    assert writable_store.read(NS, "K", 1) is None
    info = {v.version: v for v in writable_store.versions(NS, "K")}
    assert info[1].destroyed and info[2].readable


def test_destroy_all_removes_the_key(writable_store: SecretStore) -> None:
    writable_store.write(NS, "K", fake_value(), actor="a")
    writable_store.write(NS, "K", fake_value(), actor="a")
    assert writable_store.destroy(NS, "K", actor="a") == [1, 2]
    assert writable_store.describe(NS, "K") is None
    assert writable_store.versions(NS, "K") == []
    assert writable_store.write(NS, "K", fake_value(), actor="a", cas=0) == 1


def test_changing_a_missing_key_is_not_found(writable_store: SecretStore) -> None:
    for change in (writable_store.delete, writable_store.undelete, writable_store.destroy):
        with pytest.raises(SecretNotFound, match="Cannot find secret for key 'NOPE'"):
            change(NS, "NOPE", actor="a")


def test_write_with_other_case_updates_the_same_secret(writable_store: SecretStore) -> None:
    writable_store.write(NS, "Mixed_Key", fake_value(), actor="a")
    value = fake_value()
    assert writable_store.write(NS, "MIXED_KEY", value, actor="a") == 2
    assert writable_store.read(NS, "mixed_key").reveal() == value  # type: ignore[union-attr]
    assert len([m for m in writable_store.list_keys(NS) if m.key.upper() == "MIXED_KEY"]) == 1


@pytest.mark.parametrize("key", ["", "bad key", "a/b"], ids=["empty", "space", "slash"])
def test_invalid_keys_are_refused(writable_store: SecretStore, key: str) -> None:
    with pytest.raises(SecretError, match="Invalid secret key"):
        writable_store.write(NS, key, fake_value(), actor="a")


def test_concurrent_writers_never_lose_an_update(writable_store: SecretStore) -> None:
    writable_store.write(NS, "K", fake_value(), actor="a")
    got: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(3):
                got.append(writable_store.write(NS, "K", fake_value(), actor="w"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == list(range(2, 20))
    meta = writable_store.describe(NS, "K")
    assert meta is not None and meta.current_version == 19


def test_concurrent_first_writes_of_a_new_key(writable_store: SecretStore) -> None:
    got: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            got.append(writable_store.write(NS, "NEW", fake_value(), actor="w"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == [1, 2, 3, 4]


def test_concurrent_check_and_set_lets_exactly_one_writer_win(
    writable_store: SecretStore,
) -> None:
    writable_store.write(NS, "K", fake_value(), actor="a")
    won: list[int] = []
    lost: list[str] = []
    other: list[BaseException] = []

    def writer() -> None:
        try:
            won.append(writable_store.write(NS, "K", fake_value(), actor="w", cas=1))
        except SecretError as exc:
            lost.append(str(exc))
        except BaseException as exc:
            other.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not other
    assert won == [2]
    assert len(lost) == 5 and all("check-and-set failed" in m for m in lost)
