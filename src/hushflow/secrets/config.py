"""Secret manager settings from ``$HUSHFLOW_HOME/hushflow.yml`` and ``HUSHFLOW_*`` variables.

``hushflow.yml``::

    secrets:
      cache_ttl: 5            # seconds a resolved value stays in the process cache
      max_versions: 10
      max_value_bytes: 65536
      vault:                  # zero or more Vault/OpenBao KV v2 mounts
        - url: http://127.0.0.1:8200
          mount: secret       # the KV v2 mount
          path_prefix: hushflow
          namespaces: [company.payments]   # subtrees this mount serves; [] = all
          token_env: PAYMENTS_VAULT_TOKEN  # or token:, or role_id/secret_id(_env) for AppRole
          read_only: false
          key_prefix: ""      # read-only mounts: only keys starting with this are visible
      backends:               # stores from plugins (entry point group hushflow.secret_backends)
        - type: my-store
          namespaces: [company.legacy]
          any_option: value   # handed to the plugin's factory

One more mount can come from the environment: ``HUSHFLOW_VAULT_ADDR`` plus
``HUSHFLOW_VAULT_TOKEN`` or ``HUSHFLOW_VAULT_ROLE_ID``/``HUSHFLOW_VAULT_SECRET_ID``,
``HUSHFLOW_VAULT_MOUNT``, ``HUSHFLOW_VAULT_PATH_PREFIX``, ``HUSHFLOW_VAULT_NAMESPACES``
(comma-separated), ``HUSHFLOW_VAULT_READ_ONLY``, ``HUSHFLOW_VAULT_KEY_PREFIX``.
Tokens are better kept out of the file (``token_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from hushflow.errors import ConfigError
from hushflow.secrets.keys import check_namespace
from hushflow.storage.database import home

TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class VaultConfig:
    """One Vault/OpenBao KV v2 mount and how to log in to it."""

    url: str
    mount: str = "secret"
    path_prefix: str = "hushflow"
    namespaces: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)
    role_id: str | None = field(default=None, repr=False)
    secret_id: str | None = field(default=None, repr=False)
    read_only: bool = False
    key_prefix: str = ""
    max_versions: int = 10
    timeout: float = 10.0


@dataclass(frozen=True)
class BackendSpec:
    """A third-party (or built-in) store from ``secrets.backends``: its type and options."""

    type: str
    namespaces: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class SecretsConfig:
    cache_ttl: float = 5.0
    max_versions: int = 10
    max_value_bytes: int = 64 * 1024
    vault: tuple[VaultConfig, ...] = ()
    backends: tuple[BackendSpec, ...] = ()


def load(env: Mapping[str, str]) -> SecretsConfig:
    """The settings from the YAML file (if any) plus the environment."""
    section = _yaml_section(env)
    try:
        mounts = [
            vault_config(m, env, f"secrets.vault[{i}]")
            for i, m in enumerate(section.pop("vault", []) or [])
        ]
        from_env = _env_vault(env)
        if from_env is not None:
            mounts.append(from_env)
        return SecretsConfig(
            cache_ttl=float(section.pop("cache_ttl", 5.0)),
            max_versions=int(section.pop("max_versions", 10)),
            max_value_bytes=int(section.pop("max_value_bytes", 64 * 1024)),
            vault=tuple(mounts),
            backends=tuple(_backends(section.pop("backends", []) or [])),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid secrets settings: {exc}") from None


def _backends(specs: Any) -> list[BackendSpec]:
    out = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict) or not spec.get("type"):
            raise ConfigError(f"secrets.backends[{i}]: each backend needs a 'type'")
        options = {k: v for k, v in spec.items() if k not in ("type", "namespaces")}
        namespaces = tuple(check_namespace(str(n)) for n in spec.get("namespaces") or ())
        out.append(BackendSpec(str(spec["type"]), namespaces, options))
    return out


def _yaml_section(env: Mapping[str, str]) -> dict[str, Any]:
    path = home(env) / "hushflow.yml"
    if not path.exists():
        return {}
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    section = doc.get("secrets", {}) if isinstance(doc, dict) else None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'secrets' must be a mapping")
    return dict(section)


def _from(spec: Mapping[str, Any], env: Mapping[str, str], name: str) -> str | None:
    direct = spec.get(name)
    if direct:
        return str(direct)
    var = spec.get(f"{name}_env")
    return env.get(str(var)) if var else None


def vault_config(spec: Any, env: Mapping[str, str], where: str) -> VaultConfig:
    """A :class:`VaultConfig` from a mapping of options (YAML or plugin style)."""
    if not isinstance(spec, dict) or not spec.get("url"):
        raise ConfigError(f"{where}: a Vault mount needs at least 'url'")
    namespaces = tuple(check_namespace(str(n)) for n in spec.get("namespaces") or ())
    return VaultConfig(
        url=str(spec["url"]),
        mount=str(spec.get("mount", "secret")),
        path_prefix=str(spec.get("path_prefix", "hushflow")).strip("/"),
        namespaces=namespaces,
        token=_from(spec, env, "token"),
        role_id=_from(spec, env, "role_id"),
        secret_id=_from(spec, env, "secret_id"),
        read_only=bool(spec.get("read_only", False)),
        key_prefix=str(spec.get("key_prefix", "")),
        max_versions=int(spec.get("max_versions", 10)),
    )


def _env_vault(env: Mapping[str, str]) -> VaultConfig | None:
    url = env.get("HUSHFLOW_VAULT_ADDR")
    if not url:
        return None
    spec = {
        "url": url,
        "mount": env.get("HUSHFLOW_VAULT_MOUNT", "secret"),
        "path_prefix": env.get("HUSHFLOW_VAULT_PATH_PREFIX", "hushflow"),
        "namespaces": [
            n.strip() for n in env.get("HUSHFLOW_VAULT_NAMESPACES", "").split(",") if n.strip()
        ],
        "token": env.get("HUSHFLOW_VAULT_TOKEN"),
        "role_id": env.get("HUSHFLOW_VAULT_ROLE_ID"),
        "secret_id": env.get("HUSHFLOW_VAULT_SECRET_ID"),
        "read_only": env.get("HUSHFLOW_VAULT_READ_ONLY", "").lower() in TRUE,
        "key_prefix": env.get("HUSHFLOW_VAULT_KEY_PREFIX", ""),
    }
    return vault_config(spec, env, "HUSHFLOW_VAULT_*")
