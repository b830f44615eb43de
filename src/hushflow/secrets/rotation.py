"""``hushflow secret rotate-key``: re-encrypt every sealed row under a new master key.

The rotation is resumable and safe to interrupt. With the key file, step one
writes the file with the new key first and every old key after it (so both
kinds of rows stay readable); then rows still sealed by an old key are
re-encrypted in small committed batches; only when none is left are the old
keys dropped from the file. Running the command again after an interruption
finds the file with several keys and resumes instead of starting over. With
``HUSHFLOW_MASTER_KEY``, the operator sets the new key there and the old one(s)
in ``HUSHFLOW_MASTER_KEY_PREVIOUS`` until the command reports completion.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, select, update

from hushflow.errors import MasterKeyError
from hushflow.secrets.crypto import KEY_BYTES, Keyring, Sealed, row_aad, setting_aad
from hushflow.secrets.embedded import sealed_key_ids
from hushflow.secrets.master_key import MasterKeySource, file_keys
from hushflow.storage.secret_tables import secret_sealed_settings, secret_versions


class Resealer(Protocol):
    """Other sealed data (e.g. the engine's SECRET inputs) that a rotation must re-encrypt.

    Register one with :func:`register_resealer`; without it, such data would
    stop opening once the old key is dropped from the key file.
    """

    def key_ids(self, engine: Engine) -> set[str]:
        """Every key id still sealing one of its items."""
        ...

    def reseal(self, engine: Engine, ring: Keyring, limit: int) -> int:
        """Re-seal up to ``limit`` items not sealed by ``ring.primary_id``; how many."""
        ...


RESEALERS: list[Resealer] = []


def register_resealer(resealer: Resealer) -> None:
    """Have every future rotation re-encrypt ``resealer``'s data too."""
    if resealer not in RESEALERS:
        RESEALERS.append(resealer)


@dataclass(frozen=True)
class RotationReport:
    primary_id: str
    reencrypted: int
    resumed: bool
    finished: bool


def _all_key_ids(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        ids = sealed_key_ids(conn)
    for resealer in RESEALERS:
        ids |= resealer.key_ids(engine)
    return ids


def _check_opens_everything(engine: Engine, ring: Keyring) -> None:
    unknown = _all_key_ids(engine) - ring.ids
    if unknown:
        raise MasterKeyError(
            f"the store holds rows sealed by master key(s) {', '.join(sorted(unknown))}, "
            "which are not configured; refusing to rotate"
        )


def _start(keys: MasterKeySource) -> tuple[Keyring, bool]:
    """Make (or find) the new primary key; returns the keyring and whether we resume."""
    if keys.from_env:
        return keys.reload(), False
    current = file_keys(keys) if keys.path.exists() else []
    if len(current) > 1:
        return keys.reload(), True
    keys.write_file([os.urandom(KEY_BYTES), *current])
    return keys.reload(), False


def rotate_key(
    engine: Engine,
    keys: MasterKeySource,
    *,
    batch_size: int = 100,
    on_batch: Callable[[int], None] | None = None,
) -> RotationReport:
    """Rotate the master key (see the module doc); ``on_batch(n)`` follows progress."""
    _check_opens_everything(engine, keys.reload())
    ring, resumed = _start(keys)
    done = 0
    batches: list[Callable[[int], int]] = [partial(_reencrypt_batch, engine, ring)]
    batches += [partial(r.reseal, engine, ring) for r in RESEALERS]
    for batch in batches:
        while count := batch(batch_size):
            done += count
            if on_batch is not None:
                on_batch(done)
    finished = _all_key_ids(engine) <= {ring.primary_id}
    if finished and not keys.from_env:
        keys.write_file(file_keys(keys)[:1])
        keys.reload()
    return RotationReport(ring.primary_id, done, resumed, finished)


def _reencrypt_batch(engine: Engine, ring: Keyring, size: int) -> int:
    """Re-seal up to ``size`` old rows in one transaction; returns how many."""
    with engine.begin() as conn:
        n = _reseal(conn, ring, secret_versions, size, _version_aad)
        if n < size:
            n += _reseal(conn, ring, secret_sealed_settings, size - n, _setting_aad)
    return n


def _version_aad(row: Any) -> tuple[bytes, list[Any]]:
    t = secret_versions.c
    where = [t.namespace == row.namespace, t.key_folded == row.key_folded, t.version == row.version]
    return row_aad(row.namespace, row.key_folded, row.version), where


def _setting_aad(row: Any) -> tuple[bytes, list[Any]]:
    return setting_aad(row.name), [secret_sealed_settings.c.name == row.name]


def _reseal(
    conn: Connection,
    ring: Keyring,
    table: Table,
    limit: int,
    aad_of: Callable[[Any], tuple[bytes, list[Any]]],
) -> int:
    old = table.c.key_id.is_not(None) & (table.c.key_id != ring.primary_id)
    rows = conn.execute(select(table).where(old).limit(limit)).all()
    for row in rows:
        aad, where = aad_of(row)
        what = "the audit HMAC key" if table is secret_sealed_settings else "a secret version"
        plain = ring.open(Sealed(row.key_id, row.nonce, row.ciphertext), aad, what)
        new = ring.seal(plain, aad)
        conn.execute(
            update(table)
            .where(*where, table.c.key_id == row.key_id)
            .values(key_id=new.key_id, nonce=new.nonce, ciphertext=new.ciphertext)
        )
    return len(rows)
