"""The :class:`SecretManager`: one front for the engine, the API and the CLI.

Resolution order for ``resolve(namespace, key)`` (first hit wins):

1. the embedded store, along the namespace chain, nearest first
   (``a.b.c``, then ``a.b``, then ``a``; never siblings or children);
2. each Vault/OpenBao mount whose subtree covers a namespace of the chain
   (most specific mount first), along the chain, nearest first;
3. the environment backend (``SECRET_*``), visible from every namespace.

The embedded store comes first because it is the one hushflow manages and
audits end to end; a mount only answers for the subtrees it is configured for.
A soft-deleted secret counts as absent, so a parent's value shows through.
``explicit_namespace`` (Kestra's ``secret('K', namespace='x')``) reads exactly
that namespace (then the environment), and only if ``x`` is in the caller's
chain or lists the caller in its ``allowedNamespaces``. Once found, a key
whose definition carries a usage rule (``allowedNamespaces``/``allowedFlows``
of that key, see ``secrets.usage``) is handed only to the readers it allows;
a refusal is an :class:`AccessDenied` and an audit record. Writes go to the most
specific writable mount covering the namespace (a mount without subtrees
covers every namespace), else the embedded store; changes to an existing key
(delete, undelete, destroy) go to the store where it lives.

Every resolution and every change is recorded in the audit log of the
database (``engine``); a manager built without one (environment and Vault
only) has no audit log. Values are returned as plain ``str`` (the engine
taints and masks them); they are never logged, and every object here that
holds one hides it in ``repr``.
"""

from __future__ import annotations

import dataclasses
import os
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from hushflow.errors import AccessDenied, SecretError, SecretNotFound
from hushflow.secrets import backends, config
from hushflow.secrets.audit import AuditEvent, AuditLog
from hushflow.secrets.cache import Entry, ResolutionCache
from hushflow.secrets.embedded import EmbeddedStore
from hushflow.secrets.environment import EnvironmentStore
from hushflow.secrets.keys import chain, check_key, check_namespace, fold, within
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.model import RunRef, SecretMeta, SecretValue, VersionInfo
from hushflow.secrets.sharing import NamespaceAccess
from hushflow.secrets.store import SecretStore
from hushflow.secrets.subkey import extract
from hushflow.secrets.usage import SecretUsage, UsageRule


@dataclass(frozen=True)
class Mount:
    """A store serving the namespace subtrees under ``roots`` (empty: every namespace)."""

    store: SecretStore
    roots: tuple[str, ...] = ()

    def covers(self, namespace: str) -> bool:
        return not self.roots or any(within(namespace, r) for r in self.roots)

    @property
    def depth(self) -> int:
        return max((r.count(".") + 1 for r in self.roots), default=0)


def _flush_quietly(audit: AuditLog) -> None:
    audit.flush_quietly()


class SecretManager:
    """Namespaced, inherited, versioned, audited secrets over stacked stores."""

    def __init__(
        self,
        *,
        embedded: SecretStore | None = None,
        mounts: Sequence[Mount] = (),
        environment: SecretStore | None = None,
        audit: AuditLog | None = None,
        access: NamespaceAccess | None = None,
        cache_ttl: float = 5.0,
        usage: SecretUsage | None = None,
    ) -> None:
        self.embedded = embedded
        self.mounts = sorted(mounts, key=lambda m: -m.depth)
        self.environment = environment
        self.audit = audit
        self.access = access
        self.cache = ResolutionCache(cache_ttl)
        self.usage = usage
        if audit is not None:
            weakref.finalize(self, _flush_quietly, audit)

    @classmethod
    def from_env(cls, engine: Engine | None, env: Mapping[str, str] | None = None) -> SecretManager:
        """The configured stack: embedded (with ``engine``), Vault mounts, environment."""
        env = dict(os.environ if env is None else env)
        cfg = config.load(env)
        keys = MasterKeySource(env)
        mounts = [Mount(_vault_store(vc), vc.namespaces) for vc in cfg.vault]
        mounts += [
            Mount(backends.build(b.type, b.options, env), b.namespaces) for b in cfg.backends
        ]
        embedded = audit = access = usage = None
        if engine is not None:
            usage = SecretUsage(engine, cfg.cache_ttl)
            embedded = EmbeddedStore(
                engine, keys, max_versions=cfg.max_versions, max_value_bytes=cfg.max_value_bytes
            )
            audit, access = AuditLog(engine, keys), NamespaceAccess(engine)
        return cls(
            embedded=embedded,
            mounts=mounts,
            environment=EnvironmentStore(env),
            audit=audit,
            access=access,
            cache_ttl=cfg.cache_ttl,
            usage=usage,
        )

    def __repr__(self) -> str:
        names = [s.name for s in self.stores()]
        return f"SecretManager(stores={names!r})"

    def stores(self) -> list[SecretStore]:
        found = [self.embedded, *(m.store for m in self.mounts), self.environment]
        return [s for s in found if s is not None]

    # resolution (the engine's path)

    def resolve(
        self,
        namespace: str,
        key: str,
        subkey: str | None = None,
        *,
        explicit_namespace: str | None = None,
        run: RunRef | None = None,
    ) -> str:
        """The value of ``key`` as seen from a flow in ``namespace`` (see the module doc)."""
        folded, slot = fold(key), (namespace, explicit_namespace)
        entry = self.cache.get(folded, slot)
        if entry is None:
            entry = self._lookup(namespace, key, explicit_namespace)
            self.cache.put(folded, slot, entry)
        self._check_usage(namespace, entry, run)
        if self.audit is not None:
            self.audit.record(_read_event(namespace, entry, run))
        value = entry.data.decode()
        return value if subkey is None else extract(value, key, subkey)

    def _check_usage(self, namespace: str, entry: Entry, run: RunRef | None) -> None:
        """Refuse (and audit) a reader the key's usage rule does not allow."""
        if self.usage is None:
            return
        flow_id = None if run is None else run.flow_id
        if self.usage.rule(entry.namespace, entry.key).allows(namespace, flow_id):
            return
        reader = f"flow '{namespace}.{flow_id}'" if flow_id else f"namespace '{namespace}'"
        if self.audit is not None:
            refused = dataclasses.replace(
                _read_event(namespace, entry, run),
                action="read-refused",
                value_hmac=None,
                detail="not in allowedNamespaces/allowedFlows",
            )
            self.audit.record(refused, now_=True)
        raise AccessDenied(
            f"secret '{entry.key}' of namespace '{entry.namespace}' may not be read by "
            f"{reader}: it is not in the key's allowedNamespaces or allowedFlows; "
            f"ask the owners of '{entry.namespace}' to allow it"
        )

    def _lookup(self, namespace: str, key: str, explicit: str | None) -> Entry:
        check_key(key)
        for store, names in self._candidates(namespace, explicit):
            found = store.read_nearest(names, key)
            if found is not None:
                return self._entry(found)
        raise SecretNotFound(f"Cannot find secret for key '{key}'.")

    def _entry(self, found: SecretValue) -> Entry:
        data = found.reveal().encode()
        digest = self.audit.digest(data) if self.audit is not None else None
        return Entry(
            data,
            found.backend,
            found.namespace,
            found.key,
            found.version,
            digest,
            self.cache.expiry(),
        )

    def _candidates(
        self, namespace: str, explicit: str | None
    ) -> Iterator[tuple[SecretStore, list[str]]]:
        """Each store with the namespaces it is asked about, in resolution order."""
        if explicit is not None:
            self._check_explicit(namespace, explicit)
            names = [explicit]
        else:
            names = chain(namespace)
        if self.embedded is not None:
            yield self.embedded, names
        for mount in self.mounts:
            covered = [ns for ns in names if mount.covers(ns)]
            if covered:
                yield mount.store, covered
        if self.environment is not None:
            yield self.environment, [explicit or namespace]

    def _check_explicit(self, namespace: str, explicit: str) -> None:
        check_namespace(explicit)
        if explicit in chain(namespace):
            return
        if self.access is not None and self.access.shares_with(explicit, namespace):
            return
        raise AccessDenied(
            f"namespace '{explicit}' does not share its secrets with namespace '{namespace}'"
        )

    # management (API and CLI)

    def owner(self, namespace: str) -> SecretStore:
        """The store that takes writes for ``namespace``.

        The most specific writable mount covering it, else the embedded store;
        a namespace covered only by read-only mounts gets the first of them
        (whose writes fail with a clear error).
        """
        covering = self._holders(namespace)
        writable = [s for s in covering if not s.read_only]
        if writable:
            return writable[0]
        if covering:
            return covering[0]
        raise SecretError(f"no secret store is configured for namespace '{namespace}'")

    def _holders(self, namespace: str) -> list[SecretStore]:
        """Stores that can hold ``namespace`` (mounts most specific first, then embedded)."""
        check_namespace(namespace)
        found = [m.store for m in self.mounts if m.covers(namespace)]
        return found + ([self.embedded] if self.embedded is not None else [])

    def holder(self, namespace: str, key: str) -> SecretStore:
        """The store holding ``key`` in exactly ``namespace`` (resolution order), else the owner."""
        in_order = ([self.embedded] if self.embedded is not None else []) + [
            m.store for m in self.mounts if m.covers(namespace)
        ]
        for store in in_order:
            if store.describe(namespace, key) is not None:
                return store
        return self.owner(namespace)

    def set(
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
        """Write a new version; returns its number. Audited (with the value's HMAC)."""
        store = self.owner(namespace)
        digest = self.audit.digest(value.encode()) if self.audit is not None else None
        version = store.write(
            namespace, key, value, actor=actor, description=description, tags=tags, cas=cas
        )
        self.cache.invalidate(fold(key))
        self._changed("set", store, namespace, key, actor, [version], digest)
        return version

    def reveal(
        self, namespace: str, key: str, version: int | None = None, *, actor: str
    ) -> SecretValue:
        """One value of exactly ``namespace`` for a person (``secret get --reveal``); audited."""
        store = self.holder(namespace, key)
        found = store.read(namespace, key, version)
        if found is None:
            raise SecretNotFound(f"Cannot find secret for key '{key}'.")
        if self.audit is not None:
            event = AuditEvent(
                "reveal",
                namespace,
                found.key,
                actor=actor,
                version=found.version,
                backend=found.backend,
                source_namespace=namespace,
                value_hmac=self.audit.digest(found.reveal().encode()),
            )
            self.audit.record(event, now_=True)
        return found

    def describe(self, namespace: str, key: str) -> SecretMeta | None:
        found = self.holder(namespace, key).describe(namespace, key)
        return None if found is None else self._with_usage(found)

    def _with_usage(self, meta: SecretMeta) -> SecretMeta:
        if self.usage is None:
            return meta
        rule = self.usage.rule(meta.namespace, meta.key)
        if not rule.restricts:
            return meta
        return dataclasses.replace(
            meta, allowed_namespaces=rule.allowed_namespaces, allowed_flows=rule.allowed_flows
        )

    def usage_rule(self, namespace: str, key: str) -> UsageRule:
        """The ``allowedNamespaces``/``allowedFlows`` of ``key`` as defined in ``namespace``."""
        if self.usage is None:
            return UsageRule()
        return self.usage.rule(namespace, key)

    def restrict(
        self,
        namespace: str,
        key: str,
        *,
        allowed_namespaces: Sequence[str] | None,
        allowed_flows: Sequence[str] | None,
        actor: str,
    ) -> UsageRule:
        """Set who may read ``key`` of ``namespace`` at run time (both ``None``: all); audited."""
        if self.usage is None:
            raise SecretError("usage rules need the database (no engine configured)")
        rule = self.usage.set_rule(namespace, key, allowed_namespaces, allowed_flows, actor=actor)
        if self.audit is not None:
            detail = (
                f"allowedNamespaces={_listed(rule.allowed_namespaces)};"
                f"allowedFlows={_listed(rule.allowed_flows)}"
            )
            event = AuditEvent("restrict", namespace, key, actor=actor, detail=detail)
            self.audit.record(event, now_=True)
        return rule

    def list_keys(self, namespace: str, *, inherited: bool = False) -> list[SecretMeta]:
        """Keys stored in ``namespace`` (deleted ones flagged), in every store that can hold it.

        With ``inherited``, every key the namespace resolves instead: each from
        the namespace and store that ``resolve`` would use, deleted ones left out.
        """
        seen: dict[str, SecretMeta] = {}
        for store, names in self._candidates(namespace, None):
            if not inherited:
                if store is self.environment:
                    continue
                names = [namespace]
            for ns in names:
                for meta in store.list_keys(ns):
                    if not (inherited and meta.deleted):
                        seen.setdefault(fold(meta.key), meta)
        seen = {k: self._with_usage(m) for k, m in seen.items()}
        return sorted(seen.values(), key=lambda m: fold(m.key))

    def versions(self, namespace: str, key: str) -> list[VersionInfo]:
        return self.holder(namespace, key).versions(namespace, key)

    def delete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        store = self.holder(namespace, key)
        done = store.delete(namespace, key, versions, actor=actor)
        return self._after("delete", store, namespace, key, actor, done)

    def undelete(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        store = self.holder(namespace, key)
        done = store.undelete(namespace, key, versions, actor=actor)
        return self._after("undelete", store, namespace, key, actor, done)

    def destroy(
        self, namespace: str, key: str, versions: Sequence[int] | None = None, *, actor: str
    ) -> list[int]:
        store = self.holder(namespace, key)
        done = store.destroy(namespace, key, versions, actor=actor)
        action = "destroy" if versions is not None else "destroy-all"
        return self._after(action, store, namespace, key, actor, done)

    def share(self, namespace: str, allowed: Sequence[str], *, actor: str) -> list[str]:
        """Set ``allowedNamespaces`` of ``namespace``; audited."""
        if self.access is None:
            raise SecretError("sharing needs the database (no engine configured)")
        names = self.access.set_allowed(namespace, allowed)
        self.cache.clear()
        if self.audit is not None:
            detail = "allowedNamespaces=" + ",".join(names)
            self.audit.record(
                AuditEvent("share", namespace, "*", actor=actor, detail=detail), now_=True
            )
        return names

    def _after(
        self, action: str, store: SecretStore, namespace: str, key: str, actor: str, done: list[int]
    ) -> list[int]:
        self.cache.invalidate(fold(key))
        self._changed(action, store, namespace, key, actor, done, None)
        return done

    def _changed(
        self,
        action: str,
        store: SecretStore,
        namespace: str,
        key: str,
        actor: str,
        versions: list[int],
        digest: str | None,
    ) -> None:
        if self.audit is None:
            return
        detail = "versions=" + ",".join(map(str, versions)) if len(versions) != 1 else None
        version = versions[0] if len(versions) == 1 else None
        event = AuditEvent(
            action,
            namespace,
            key,
            actor=actor,
            version=version,
            backend=store.name,
            source_namespace=namespace,
            value_hmac=digest,
            detail=detail,
        )
        self.audit.record(event, now_=True)

    def flush(self) -> None:
        """Write pending audit records (the engine calls this when a task run ends)."""
        if self.audit is not None:
            self.audit.flush()

    def close(self) -> None:
        """Flush the audit log and drop cached values."""
        self.flush()
        self.cache.clear()

    def __enter__(self) -> SecretManager:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _read_event(namespace: str, entry: Entry, run: RunRef | None) -> AuditEvent:
    return AuditEvent(
        "read",
        namespace,
        entry.key,
        actor=None if run is None else f"execution:{run.execution_id}",
        version=entry.version,
        backend=entry.backend,
        source_namespace=entry.namespace,
        execution_id=None if run is None else run.execution_id,
        task_run_id=None if run is None else run.task_run_id,
        flow_id=None if run is None else run.flow_id,
        value_hmac=entry.digest,
    )


def _listed(names: tuple[str, ...] | None) -> str:
    return "-" if names is None else ",".join(names)


def _vault_store(vc: config.VaultConfig) -> SecretStore:
    from hushflow.secrets.vault import VaultStore  # hvac is only imported when configured

    return VaultStore.from_config(vc)
