"""The secret audit log: every read by a run, every change by a person, never a value.

Where a value must be identified (did two reads see the same value?) the log
keeps HMAC-SHA256 under a random audit key, as Vault's audit devices do; that
key is itself sealed with the master key in the database. Reads by runs are
queued and written in batches by a background thread (every ``max_delay``
seconds, sooner when ``buffer_size`` records wait, and on :meth:`AuditLog.flush`),
so resolving a secret stays cheap; changes and reveals by people are written
at once, by the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from hushflow.secrets.crypto import Sealed, setting_aad
from hushflow.secrets.embedded import keyring_for, now
from hushflow.secrets.master_key import MasterKeySource
from hushflow.storage.secret_tables import secret_audit, secret_sealed_settings

HMAC_SETTING = "audit-hmac-key"
log = logging.getLogger("hushflow.secrets")


@dataclass(frozen=True)
class AuditEvent:
    """One audit record. ``value_hmac`` identifies a value without revealing it."""

    action: str
    namespace: str
    key: str
    actor: str | None = None
    version: int | None = None
    backend: str | None = None
    source_namespace: str | None = None
    execution_id: str | None = None
    task_run_id: str | None = None
    flow_id: str | None = None
    value_hmac: str | None = None
    detail: str | None = None
    at: datetime | None = None
    id: int | None = None


class AuditLog:
    """Writes and lists :class:`AuditEvent` rows in the ``secret_audit`` table."""

    def __init__(
        self,
        engine: Engine,
        keys: MasterKeySource,
        *,
        buffer_size: int = 256,
        max_delay: float = 1.0,
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.buffer_size = buffer_size
        self.max_delay = max_delay
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._hmac_key: bytes | None = None

    def __repr__(self) -> str:
        return f"AuditLog(pending={len(self._pending)})"

    def digest(self, value: bytes) -> str:
        """HMAC-SHA256 of a value under the audit key (hex)."""
        return hmac.new(self._key(), value, hashlib.sha256).hexdigest()

    def _key(self) -> bytes:
        if self._hmac_key is None:
            self._hmac_key = self._load_key()
        return self._hmac_key

    def _load_key(self) -> bytes:
        ring = keyring_for(self.engine, self.keys, sealing=True)
        aad = setting_aad(HMAC_SETTING)
        query = select(secret_sealed_settings).where(secret_sealed_settings.c.name == HMAC_SETTING)
        with self.engine.begin() as conn:
            row = conn.execute(query).first()
            if row is not None:
                sealed = Sealed(row.key_id, row.nonce, row.ciphertext)
                return ring.open(sealed, aad, "the audit HMAC key")
        key = os.urandom(32)
        sealed = ring.seal(key, aad)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(secret_sealed_settings).values(
                        name=HMAC_SETTING,
                        key_id=sealed.key_id,
                        nonce=sealed.nonce,
                        ciphertext=sealed.ciphertext,
                    )
                )
        except IntegrityError:  # another process created it first: use theirs
            return self._load_key()
        return key

    def record(self, event: AuditEvent, *, now_: bool = False) -> None:
        """Queue ``event`` for the background writer, or write it at once with ``now_``."""
        row = dict(event.__dict__)  # not asdict(): this runs on every warm secret() call
        del row["id"]
        row["at"] = row["at"] or now()
        with self._lock:
            self._pending.append(row)
            full = len(self._pending) >= self.buffer_size
        if now_:
            self.flush()
            return
        self._ensure_writer()
        if full:
            self._wake.set()

    def flush(self) -> None:
        """Write every queued record."""
        with self._lock:
            rows, self._pending = self._pending, []
        if rows:
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(secret_audit), rows)
            except BaseException:
                with self._lock:
                    self._pending[:0] = rows  # keep them for the next attempt
                raise

    def flush_quietly(self) -> None:
        """Flush where nobody can receive an error (writer thread, exit): log it instead."""
        try:
            self.flush()
        except Exception as exc:
            log.error("could not write secret audit records: %s", type(exc).__name__)
            with self._lock:
                dropped, self._pending = len(self._pending), []
            log.error("dropped %d secret audit records", dropped)
            self.engine.dispose()  # close, rather than leak, the connection that failed

    def _ensure_writer(self) -> None:
        if self._writer is not None and self._writer.is_alive():
            return
        with self._lock:
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=_write_in_background,
                    args=(weakref.ref(self), self._wake, self.max_delay),
                    name="hushflow-secret-audit",
                    daemon=True,
                )
                self._writer.start()

    def events(
        self,
        *,
        namespace: str | None = None,
        key: str | None = None,
        since: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEvent]:
        """Recorded events, newest first, filtered by namespace, key (any case) and time."""
        self.flush()
        a = secret_audit.c
        query = select(secret_audit).order_by(a.id.desc()).limit(limit)
        if namespace is not None:
            query = query.where(a.namespace == namespace)
        if key is not None:
            query = query.where(a.key.ilike(key.replace("\\", "\\\\").replace("_", "\\_"), "\\"))
        if since is not None:
            query = query.where(a.at >= since)
        with self.engine.connect() as conn:
            return [AuditEvent(**row._mapping) for row in conn.execute(query)]


def _write_in_background(ref: weakref.ref[AuditLog], wake: threading.Event, every: float) -> None:
    """The writer thread: flush every ``every`` seconds (or when woken) while the log lives.

    It holds the log only weakly, so a log nobody uses any more is collected
    (its last records are written by the manager's finalizer) and the thread ends.
    """
    while True:
        wake.wait(every)
        wake.clear()
        audit = ref()
        if audit is None:
            return
        if audit._pending:
            audit.flush_quietly()
        del audit
