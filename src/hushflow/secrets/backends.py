"""Secret backends by type name: the built-ins and plugins, declared in one place.

A plugin package adds a store type with an entry point in the group
``hushflow.secret_backends`` whose object is a factory
``(options: Mapping[str, Any], env: Mapping[str, str]) -> SecretStore``; it is
then usable from ``hushflow.yml`` (``secrets.backends: [{type: NAME, ...}]``).
The Vault/OpenBao store is registered through the same table. A type name
registered twice is a :class:`~hushflow.errors.ConfigError` at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from hushflow.errors import ConfigError
from hushflow.secrets.store import SecretStore

GROUP = "hushflow.secret_backends"
Factory = Callable[[Mapping[str, Any], Mapping[str, str]], SecretStore]


def _vault(options: Mapping[str, Any], env: Mapping[str, str]) -> SecretStore:
    from hushflow.secrets.config import vault_config
    from hushflow.secrets.vault import VaultStore

    return VaultStore.from_config(vault_config(dict(options), env, "secrets.backends"))


BUILTIN: dict[str, Factory] = {"vault": _vault, "openbao": _vault}


def factories() -> dict[str, Factory]:
    """Every known backend type: built-ins, then plugins (a duplicate name fails)."""
    table = dict(BUILTIN)
    for ep in entry_points(group=GROUP):
        if ep.name in table:
            raise ConfigError(
                f"secret backend type '{ep.name}' is registered twice ({ep.value}); "
                "uninstall one of the packages"
            )
        try:
            table[ep.name] = ep.load()
        except Exception as exc:
            raise ConfigError(
                f"cannot load secret backend '{ep.name}' ({ep.value}): {type(exc).__name__}: {exc}"
            ) from None
    return table


def build(kind: str, options: Mapping[str, Any], env: Mapping[str, str]) -> SecretStore:
    """A store of type ``kind`` configured with ``options``."""
    table = factories()
    factory = table.get(kind)
    if factory is None:
        known = ", ".join(sorted(table))
        raise ConfigError(f"unknown secret backend type '{kind}' (known: {known})")
    store = factory(options, env)
    if not isinstance(store, SecretStore):
        raise ConfigError(f"secret backend '{kind}' did not build a SecretStore")
    return store
