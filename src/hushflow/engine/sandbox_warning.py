"""The start-up warning for a database that scripts could reach over loopback.

A sandboxed script with the host's network (``networkMode: host``) can open
connections to 127.0.0.1 like any local program. A PostgreSQL server that
trusts loopback connections (no password) would let it read hushflow's whole
database: sealed values stay sealed, but flows, outputs and the queue do not.
The safe setups are a password (or a socket the sandbox cannot see), or
``network: none`` for the namespaces that do not need the network.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from hushflow.tasks.sandbox_config import SandboxConfig

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def loopback_trust_warning(url: URL, config: SandboxConfig) -> str | None:
    """A warning when scripts with host network could log in to the database; else None."""
    if not url.drivername.startswith("postgresql") or url.password:
        return None
    if (url.host or "") not in LOOPBACK:
        return None
    if config.network == "none" and all(m == "none" for _, m in config.namespace_network):
        return None
    return (
        f"the database is PostgreSQL on {url.host} without a password, and script tasks may "
        "use the host's network: if the server trusts loopback connections, any script can "
        "read hushflow's database. Give the database user a password, or set "
        "sandbox.network: none in hushflow.yml (per namespace with sandbox.namespaces)"
    )
