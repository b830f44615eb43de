"""Values kept sealed in an execution's ``variables`` (SECRET inputs, secret task outputs).

Both are stored the same way: ``{id: {"kid", "nonce", "ct"}}`` under one key of
the execution's variables, each ciphertext bound by its associated data to
its execution and id. This module holds that storage form and the one
resealer ``hushflow secret rotate-key`` runs for each kind.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select, update

from hushflow.secrets.crypto import Keyring, Sealed
from hushflow.storage.schema import executions


def pack(sealed: Sealed) -> dict[str, str]:
    """A sealed value as stored in JSON."""
    return {
        "kid": sealed.key_id,
        "nonce": base64.b64encode(sealed.nonce).decode(),
        "ct": base64.b64encode(sealed.ciphertext).decode(),
    }


def unpack(item: dict[str, str]) -> Sealed:
    """The sealed value a stored item holds."""
    return Sealed(item["kid"], base64.b64decode(item["nonce"]), base64.b64decode(item["ct"]))


class VariablesResealer:
    """Re-encrypts under the primary key every item of ``variables[field]`` sealed with another.

    ``aad(execution_id, item_id)`` is the associated data the items were sealed
    with; ``what(item_id)`` names an item in errors.
    """

    def __init__(
        self, field: str, aad: Callable[[str, str], bytes], what: Callable[[str], str]
    ) -> None:
        self.field = field
        self.aad = aad
        self.what = what

    def _rows(self, engine: Engine) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(execution id, its variables, its sealed items) for every execution that has some."""
        with engine.connect() as conn:
            rows = conn.execute(
                select(executions.c.id, executions.c.variables).where(
                    executions.c.variables.is_not(None)
                )
            ).all()
        found = [(r.id, r.variables or {}, (r.variables or {}).get(self.field)) for r in rows]
        return [(i, v, s) for i, v, s in found if s]

    def key_ids(self, engine: Engine) -> set[str]:
        return {item["kid"] for _, _, sealed in self._rows(engine) for item in sealed.values()}

    def reseal(self, engine: Engine, ring: Keyring, limit: int) -> int:
        done = 0
        for execution_id, variables, sealed in self._rows(engine):
            if done >= limit:
                break
            stale = {k: v for k, v in sealed.items() if v["kid"] != ring.primary_id}
            if not stale:
                continue
            fresh = dict(sealed)
            for item_id, item in stale.items():
                aad = self.aad(execution_id, item_id)
                fresh[item_id] = pack(
                    ring.seal(ring.open(unpack(item), aad, self.what(item_id)), aad)
                )
            with engine.begin() as conn:
                conn.execute(
                    update(executions)
                    .where(executions.c.id == execution_id)
                    .values(variables={**variables, self.field: fresh})
                )
            done += 1
        return done
