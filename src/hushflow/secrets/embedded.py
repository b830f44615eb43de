"""The embedded store: secrets in hushflow's own database, sealed with AES-256-GCM.

Rows hold ciphertext only (see :mod:`hushflow.secrets.crypto`); a version row
keeps its key id so a rotation can find what it still has to re-encrypt.
Versions follow Vault KV v2: every write adds one, the newest ``max_versions``
are kept, old ones can be read, soft-deleted, restored or destroyed, and
``cas`` guards against lost updates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hushflow.errors import MasterKeyError, SecretError, SecretNotFound
from hushflow.secrets.crypto import Keyring, Sealed, row_aad
from hushflow.secrets.keys import check_key, check_namespace, fold
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.model import SecretMeta, SecretValue, VersionInfo
from hushflow.storage.secret_tables import secret_sealed_settings, secret_versions, secrets

DEFAULT_MAX_VERSIONS = 10
DEFAULT_MAX_VALUE_BYTES = 64 * 1024


def now() -> datetime:
    return datetime.now(UTC)


def sealed_key_ids(conn: Connection) -> set[str]:
    """Every master key id that still seals a row."""
    ids = set(conn.execute(select(secret_versions.c.key_id).distinct()).scalars())
    ids |= set(conn.execute(select(secret_sealed_settings.c.key_id).distinct()).scalars())
    return {i for i in ids if i is not None}


def keyring_for(engine: Engine, keys: MasterKeySource, *, sealing: bool) -> Keyring:
    """The keyring, checked before its first seal into this database.

    A new key file is created only when sealing into an empty store, and a key
    that cannot open what the store already holds is refused for writing, so a
    wrong key never adds rows nobody else can read.
    """
    if not sealing:
        return keys.keyring()
    url = engine.url.render_as_string(hide_password=True)
    if keys.configured:
        ring = keys.keyring()
        if url in ring.verified:
            return ring
    with engine.connect() as conn:
        ids = sealed_key_ids(conn)
    if not keys.configured:
        if ids:
            raise MasterKeyError(
                "no master key configured, but the store holds encrypted secrets: "
                f"set HUSHFLOW_MASTER_KEY or restore {keys.path}"
            )
        ring = keys.keyring(create=True)
    unknown = ids - ring.ids
    if unknown:
        raise MasterKeyError(
            f"the configured master key ({ring.primary_id}) does not open this store: rows are "
            f"sealed by {', '.join(sorted(unknown))}; set HUSHFLOW_MASTER_KEY to the right key"
        )
    ring.verified.add(url)
    return ring


def not_found(key: str) -> SecretNotFound:
    return SecretNotFound(f"Cannot find secret for key '{key}'.")


class EmbeddedStore:
    """Versioned, encrypted secrets in the SQLite or PostgreSQL database of ``engine``."""

    name = "embedded"
    read_only = False

    def __init__(
        self,
        engine: Engine,
        keys: MasterKeySource,
        *,
        max_versions: int = DEFAULT_MAX_VERSIONS,
        max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.max_versions = max_versions
        self.max_value_bytes = max_value_bytes

    def __repr__(self) -> str:
        return f"EmbeddedStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # reads

    def _select(self, key: str) -> Any:
        s, v = secrets.c, secret_versions.c
        return (
            select(s.namespace, s.key, v.version, v.key_id, v.nonce, v.ciphertext, v.deleted)
            .join_from(
                secrets,
                secret_versions,
                and_(v.namespace == s.namespace, v.key_folded == s.key_folded),
            )
            .where(s.key_folded == fold(key))
        )

    def read(self, namespace: str, key: str, version: int | None = None) -> SecretValue | None:
        s, v = secrets.c, secret_versions.c
        wanted = s.current_version if version is None else version
        query = self._select(key).where(s.namespace == namespace, v.version == wanted)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return self._open(row, key)

    def read_nearest(self, namespaces: Sequence[str], key: str) -> SecretValue | None:
        """One query for the whole chain, then the nearest readable row is decrypted."""
        s, v = secrets.c, secret_versions.c
        query = self._select(key).where(
            s.namespace.in_(list(namespaces)),
            v.version == s.current_version,
            v.deleted.is_(None),
            v.ciphertext.is_not(None),
        )
        with self.engine.connect() as conn:
            rows = {r.namespace: r for r in conn.execute(query)}
        nearest = next((rows[ns] for ns in namespaces if ns in rows), None)
        return self._open(nearest, key)

    def _open(self, row: Any, key: str) -> SecretValue | None:
        if row is None or row.deleted is not None or row.ciphertext is None:
            return None
        sealed = Sealed(row.key_id, row.nonce, row.ciphertext)
        ring = keyring_for(self.engine, self.keys, sealing=False)
        if sealed.key_id not in ring.ids:  # another process may have rotated the key
            ring = self.keys.reload()
        what = f"secret '{row.key}' version {row.version} in namespace '{row.namespace}'"
        plain = ring.open(sealed, row_aad(row.namespace, fold(key), row.version), what)
        return SecretValue(
            plain.decode(),
            backend=self.name,
            namespace=row.namespace,
            key=row.key,
            version=row.version,
        )

    def _meta_query(self) -> Any:
        s, v = secrets.c, secret_versions.c
        current = and_(
            v.namespace == s.namespace,
            v.key_folded == s.key_folded,
            v.version == s.current_version,
        )
        gone = (v.deleted.is_not(None)) | (v.destroyed == 1) | v.version.is_(None)
        return select(secrets, gone.label("gone")).outerjoin_from(secrets, secret_versions, current)

    def _meta(self, row: Any) -> SecretMeta:
        return SecretMeta(
            namespace=row.namespace,
            key=row.key,
            backend=self.name,
            current_version=row.current_version,
            description=row.description,
            tags=dict(row.tags or {}),
            created=row.created,
            updated=row.updated,
            updated_by=row.updated_by,
            deleted=bool(row.gone),
        )

    def describe(self, namespace: str, key: str) -> SecretMeta | None:
        query = self._meta_query().where(
            secrets.c.namespace == namespace, secrets.c.key_folded == fold(key)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else self._meta(row)

    def list_keys(self, namespace: str) -> list[SecretMeta]:
        query = self._meta_query().where(secrets.c.namespace == namespace)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(secrets.c.key_folded)).all()
        return [self._meta(r) for r in rows]

    def versions(self, namespace: str, key: str) -> list[VersionInfo]:
        v = secret_versions.c
        query = (
            select(v.version, v.created, v.created_by, v.deleted, v.destroyed)
            .where(v.namespace == namespace, v.key_folded == fold(key))
            .order_by(v.version)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            VersionInfo(r.version, r.created, r.created_by, r.deleted, bool(r.destroyed))
            for r in rows
        ]

    # writes

    def write(
        self,
        namespace: str,
        key: str,
        value: str,
        *,
        actor: str,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        cas: int | None = None,
    ) -> int:
        check_namespace(namespace)
        check_key(key)
        data = value.encode("utf-8")
        if len(data) > self.max_value_bytes:
            raise SecretError(
                f"secret '{key}' is {len(data)} bytes, over the limit of {self.max_value_bytes}"
            )
        ring = keyring_for(self.engine, self.keys, sealing=True)
        for attempt in (1, 2):
            try:
                with self.engine.begin() as conn:
                    version = self._bump(conn, namespace, key, actor, description, tags, cas)
                    self._add_version(conn, ring, namespace, key, version, data, actor)
                    return version
            except IntegrityError:  # a concurrent first write of the same key: now an update
                if attempt == 2:
                    raise SecretError(
                        f"secret '{key}' is being written concurrently in '{namespace}'; retry"
                    ) from None
        raise AssertionError("unreachable")

    def _bump(
        self,
        conn: Connection,
        namespace: str,
        key: str,
        actor: str,
        description: str | None,
        tags: Mapping[str, str] | None,
        cas: int | None,
    ) -> int:
        """Take the next version number with one atomic UPDATE (or the first INSERT).

        Starting with a write makes concurrent writers queue on the row (PostgreSQL)
        or the write lock (SQLite) instead of racing, so no update is ever lost.
        """
        at, folded = now(), fold(key)
        changes: dict[str, Any] = {"key": key, "updated": at, "updated_by": actor}
        if description is not None:
            changes["description"] = description
        if tags is not None:
            changes["tags"] = dict(tags)
        where = (secrets.c.namespace == namespace) & (secrets.c.key_folded == folded)
        bumped = conn.execute(
            update(secrets)
            .where(where)
            .values(current_version=secrets.c.current_version + 1, **changes)
            .returning(secrets.c.current_version)
        ).scalar()
        version = 1 if bumped is None else int(bumped)
        if cas is not None and cas != version - 1:
            raise SecretError(
                f"check-and-set failed for secret '{key}': current version is {version - 1}, "
                f"expected {cas}"
            )
        if bumped is None:
            changes.setdefault("tags", {})
            row = dict(namespace=namespace, key_folded=folded, current_version=1, created=at)
            conn.execute(insert(secrets).values(**row, **changes))
        return version

    def _add_version(
        self,
        conn: Connection,
        ring: Keyring,
        namespace: str,
        key: str,
        version: int,
        data: bytes,
        actor: str,
    ) -> None:
        folded = fold(key)
        sealed = ring.seal(data, row_aad(namespace, folded, version))
        v = secret_versions.c
        conn.execute(
            insert(secret_versions).values(
                namespace=namespace,
                key_folded=folded,
                version=version,
                key_id=sealed.key_id,
                nonce=sealed.nonce,
                ciphertext=sealed.ciphertext,
                created=now(),
                created_by=actor,
                destroyed=0,
            )
        )
        conn.execute(
            delete(secret_versions).where(
                v.namespace == namespace,
                v.key_folded == folded,
                v.version <= version - self.max_versions,
            )
        )

    def _targets(
        self, conn: Connection, namespace: str, key: str, versions: Sequence[int] | None
    ) -> list[int]:
        query = select(secrets.c.current_version).where(
            secrets.c.namespace == namespace, secrets.c.key_folded == fold(key)
        )
        current = conn.execute(query).scalar()
        if current is None:
            raise not_found(key)
        return [current] if versions is None else sorted(set(versions))

    def _mark(
        self, namespace: str, key: str, versions: Sequence[int] | None, values: dict[str, Any]
    ) -> list[int]:
        v = secret_versions.c
        with self.engine.begin() as conn:
            targets = self._targets(conn, namespace, key, versions)
            result = conn.execute(
                update(secret_versions)
                .where(
                    v.namespace == namespace,
                    v.key_folded == fold(key),
                    v.version.in_(targets),
                    v.destroyed == 0,
                )
                .values(**values)
                .returning(v.version)
            )
            return sorted(r.version for r in result)

    def delete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        return self._mark(namespace, key, versions, {"deleted": now()})

    def undelete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        return self._mark(namespace, key, versions, {"deleted": None})

    def destroy(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        if versions is not None:
            erase = {"destroyed": 1, "ciphertext": None, "nonce": None, "key_id": None}
            return self._mark(namespace, key, versions, erase)
        v, folded = secret_versions.c, fold(key)
        with self.engine.begin() as conn:
            self._targets(conn, namespace, key, None)
            gone = conn.execute(
                delete(secret_versions)
                .where(v.namespace == namespace, v.key_folded == folded)
                .returning(v.version)
            )
            erased = sorted(r.version for r in gone)
            conn.execute(
                delete(secrets).where(
                    secrets.c.namespace == namespace, secrets.c.key_folded == folded
                )
            )
        return erased
