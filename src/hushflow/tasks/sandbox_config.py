"""Script sandbox settings: the ``sandbox`` section of ``$HUSHFLOW_HOME/hushflow.yml``.

::

    sandbox:
      network: host             # default networkMode of script tasks: host | none
      allow_unsandboxed: false  # may a task (or default_runner) run scripts unconfined?
      default_runner: sandbox   # sandbox | unsandboxed (needs allow_unsandboxed)
      uid: 65534                # the user scripts run as when hushflow runs as root
      gid: 65534
      limits:                   # per task; a task may ask for less, never more
        cpu: 600                # seconds of CPU time
        memory: 4GiB            # address space (virtual memory: generous, threads reserve much)
        processes: 256
        open_files: 1024
        output: 16MiB           # bytes of stdout + stderr
        disk: 1GiB              # the working folder (each file, and the whole folder)
        tmp: 256MiB             # the private /tmp
      namespaces:               # the nearest namespace wins (an admin's setting)
        company.team.a: { network: none }

These are the server's decisions: a flow can narrow them (``networkMode:
none``, smaller ``limits``), never widen them. The file is read again when it
changes, so a change applies to the next task without a restart.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from hushflow.errors import ConfigError

NETWORK_MODES = ("host", "none")
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
          "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}  # fmt: skip
_SIZE = re.compile(r"^\s*(\d+)\s*([a-zA-Z]*)\s*$")
_SIZE_LIMITS = ("memory", "output", "disk", "tmp")


@dataclass(frozen=True)
class Limits:
    """What one script task may use; exceeding one fails that task only."""

    cpu: int = 600
    memory: int = 4 << 30
    processes: int = 256
    open_files: int = 1024
    output: int = 16 << 20
    disk: int = 1 << 30
    tmp: int = 256 << 20

    def narrowed(self, asked: Mapping[str, Any], where: str) -> Limits:
        """These limits with a task's own (smaller or equal) values put in."""
        values = _limit_values(asked, where)
        for name, value in values.items():
            allowed = getattr(self, name)
            if value > allowed:
                raise ConfigError(
                    f"{where}.{name} is {value}, above the server's limit of {allowed}; "
                    "ask an administrator to raise it in hushflow.yml (sandbox.limits)"
                )
        return replace(self, **values)


@dataclass(frozen=True)
class SandboxConfig:
    """The server's sandbox settings (see the module docstring for the file format)."""

    network: str = "host"
    allow_unsandboxed: bool = False
    default_runner: str = "sandbox"
    uid: int = 65534
    gid: int = 65534
    limits: Limits = field(default_factory=Limits)
    namespace_network: tuple[tuple[str, str], ...] = ()

    def network_for(self, namespace: str) -> str:
        """The network mode a namespace gets by default: its nearest configured ancestor's."""
        best, mode = -1, self.network
        for prefix, value in self.namespace_network:
            if (namespace == prefix or namespace.startswith(prefix + ".")) and len(prefix) > best:
                best, mode = len(prefix), value
        return mode


def parse_size(value: Any, where: str) -> int:
    """``1GiB``, ``512M``, ``1048576`` -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(str(value))
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS or int(match.group(1)) <= 0:
        raise ConfigError(f"{where}: '{value}' is not a size (write e.g. 512MiB, 2GiB, 1048576)")
    return int(match.group(1)) * _UNITS[unit]


def _positive(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ConfigError(f"{where}: '{value}' must be a positive whole number")
    if int(value) <= 0:
        raise ConfigError(f"{where}: '{value}' must be a positive whole number")
    return int(value)


def _limit_values(spec: Mapping[str, Any], where: str) -> dict[str, int]:
    known = Limits.__dataclass_fields__
    out: dict[str, int] = {}
    for name, value in spec.items():
        key = str(name).replace("-", "_")
        key = {"openFiles": "open_files"}.get(str(name), key)
        if key not in known:
            raise ConfigError(f"{where}: unknown limit '{name}' (known: {', '.join(known)})")
        place = f"{where}.{name}"
        out[key] = parse_size(value, place) if key in _SIZE_LIMITS else _positive(value, place)
    return out


def _network(value: Any, where: str) -> str:
    text = str(value).lower()
    if text not in NETWORK_MODES:
        raise ConfigError(f"{where}: network must be one of {', '.join(NETWORK_MODES)}")
    return text


def from_mapping(section: Mapping[str, Any], where: str = "sandbox") -> SandboxConfig:
    """Settings from the ``sandbox`` mapping of hushflow.yml."""
    spaces = section.get("namespaces") or {}
    if not isinstance(spaces, dict):
        raise ConfigError(f"{where}.namespaces must be a mapping of namespace to settings")
    rules = []
    for namespace, rule in spaces.items():
        if not isinstance(rule, dict) or "network" not in rule:
            raise ConfigError(f"{where}.namespaces.{namespace}: give a 'network' (host | none)")
        rules.append((str(namespace), _network(rule["network"], f"{where}.namespaces")))
    limits = section.get("limits") or {}
    if not isinstance(limits, dict):
        raise ConfigError(f"{where}.limits must be a mapping")
    config = SandboxConfig(
        network=_network(section.get("network", "host"), f"{where}.network"),
        allow_unsandboxed=bool(section.get("allow_unsandboxed", False)),
        default_runner=str(section.get("default_runner", "sandbox")),
        uid=_positive(section.get("uid", 65534), f"{where}.uid"),
        gid=_positive(section.get("gid", 65534), f"{where}.gid"),
        limits=replace(Limits(), **_limit_values(limits, f"{where}.limits")),
        namespace_network=tuple(rules),
    )
    if config.default_runner not in ("sandbox", "unsandboxed"):
        raise ConfigError(f"{where}.default_runner must be 'sandbox' or 'unsandboxed'")
    if config.default_runner == "unsandboxed" and not config.allow_unsandboxed:
        raise ConfigError(f"{where}.default_runner 'unsandboxed' needs allow_unsandboxed: true")
    return config


def _home(env: Mapping[str, str]) -> Path:
    raw = env.get("HUSHFLOW_HOME")
    return Path(raw).expanduser() if raw else Path.home() / ".hushflow"


_cache: dict[Path, tuple[float, SandboxConfig]] = {}


def load(env: Mapping[str, str] | None = None) -> SandboxConfig:
    """The settings in effect now (defaults when hushflow.yml has no ``sandbox`` section)."""
    path = _home(os.environ if env is None else env) / "hushflow.yml"
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return SandboxConfig()
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    section = doc.get("sandbox") if isinstance(doc, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{path}: 'sandbox' must be a mapping")
    config = from_mapping(section or {})
    _cache[path] = (stamp, config)
    return config
