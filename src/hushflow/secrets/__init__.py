"""hushflow's secret manager: namespaced, inherited, encrypted at rest, versioned, audited.

The engine uses :class:`SecretManager` (``SecretManager.from_env(engine)``) and
its :meth:`~SecretManager.resolve`; every backend implements :class:`SecretStore`.
"""

from hushflow.secrets.manager import Mount, SecretManager
from hushflow.secrets.model import RunRef, SecretMeta, SecretValue, VersionInfo
from hushflow.secrets.store import SecretStore

__all__ = [
    "Mount",
    "RunRef",
    "SecretManager",
    "SecretMeta",
    "SecretStore",
    "SecretValue",
    "VersionInfo",
]
