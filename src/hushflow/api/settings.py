"""The server's configuration: ``server:`` in ``$HUSHFLOW_HOME/hushflow.yml``, then
``HUSHFLOW_SERVER_*`` variables, then command-line options, validated at start-up.

``hushflow.yml``::

    server:
      host: 127.0.0.1
      port: 8080
      flows: ./flows      # deployed at start-up
      workers: 8          # task runs at once
      grace: 10           # seconds running task runs get on shutdown
      trusted_proxies: [] # addresses of an SSO proxy whose X-Forwarded-User is believed

A key hushflow does not know, in the file (at the top level or under
``server``) or as a ``HUSHFLOW_*`` variable, is an error that names it:
a misspelt setting must not be silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hushflow.errors import ConfigError
from hushflow.storage.database import home

#: Top-level sections of hushflow.yml; each is validated by its owner.
SECTIONS = {"server", "secrets", "auth", "ui", "lint", "sandbox", "kv"}

#: ``HUSHFLOW_*`` variables hushflow reads somewhere (others are a typo).
KNOWN_ENV = {
    "HUSHFLOW_HOME",
    "HUSHFLOW_DATABASE_URL",
    "HUSHFLOW_MASTER_KEY",
    "HUSHFLOW_MASTER_KEY_PREVIOUS",
    "HUSHFLOW_USER",
    "HUSHFLOW_TOKEN",
    "HUSHFLOW_SERVER",
    "HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN",
    "HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD",
    "HUSHFLOW_KESTRA_FLOWS",
    "HUSHFLOW_MAX_SUBFLOW_DEPTH",
}
#: Prefixes of families of variables (each family's owner checks its members).
KNOWN_ENV_PREFIXES = (
    "HUSHFLOW_VAULT_",
    "HUSHFLOW_SERVER_",
    "HUSHFLOW_AUTH_",
    "HUSHFLOW_SANDBOX_",
    "HUSHFLOW_TEST_",
)

_ENV_FIELDS = {
    "HUSHFLOW_SERVER_HOST": "host",
    "HUSHFLOW_SERVER_PORT": "port",
    "HUSHFLOW_SERVER_FLOWS": "flows",
    "HUSHFLOW_SERVER_WORKERS": "workers",
    "HUSHFLOW_SERVER_GRACE": "grace",
    "HUSHFLOW_SERVER_TRUSTED_PROXIES": "trusted_proxies",
}


class ServerSettings(BaseModel):
    """Validated server settings (unknown fields refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    flows: Path | None = None
    workers: int = Field(default=8, ge=1, le=1024)
    grace: float = Field(default=10.0, ge=0)
    trusted_proxies: tuple[str, ...] = ()


def load_settings(
    env: Mapping[str, str], overrides: Mapping[str, Any] | None = None
) -> ServerSettings:
    """File, then environment, then ``overrides`` (options given on the command line)."""
    check_env(env)
    values: dict[str, Any] = dict(_file_section(env))
    for name, field in _ENV_FIELDS.items():
        if name in env:
            values[field] = env[name]
    if isinstance(values.get("trusted_proxies"), str):
        values["trusted_proxies"] = [p for p in values["trusted_proxies"].split(",") if p.strip()]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return ServerSettings.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def check_env(env: Mapping[str, str]) -> None:
    """Refuse a ``HUSHFLOW_*`` variable nothing reads."""
    for name in sorted(env):
        if not name.startswith("HUSHFLOW_") or name in KNOWN_ENV:
            continue
        if name.startswith("HUSHFLOW_SERVER_") and name not in _ENV_FIELDS:
            raise ConfigError(f"unknown setting {name}; known: {', '.join(sorted(_ENV_FIELDS))}")
        if not name.startswith(KNOWN_ENV_PREFIXES):
            raise ConfigError(f"unknown setting {name} in the environment; is it misspelt?")


def _file_section(env: Mapping[str, str]) -> Mapping[str, Any]:
    path = home(env) / "hushflow.yml"
    if not path.is_file():
        return {}
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path} must hold a mapping of sections")
    for key in doc:
        if key not in SECTIONS:
            raise ConfigError(
                f"{path}: unknown section '{key}'; known: {', '.join(sorted(SECTIONS))}"
            )
    section = doc.get("server") or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'server' must be a mapping")
    return section


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown server setting '{where}'")
        else:
            problems.append(f"server setting '{where}': {err['msg']}")
    return "; ".join(problems)
