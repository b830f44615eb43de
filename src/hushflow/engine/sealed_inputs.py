"""SECRET inputs at rest: sealed with the master key, opened only to run tasks.

An execution stores its SECRET inputs masked (``****``) in ``inputs`` and,
for restarts, sealed with AES-256-GCM under the master key, the associated
data binding each ciphertext to its execution and input id (a ciphertext
copied to another execution or input does not open).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import Engine, select, update

from hushflow.secrets.crypto import Keyring, Sealed
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.rotation import register_resealer
from hushflow.storage.schema import executions


def _aad(execution_id: str, input_id: str) -> bytes:
    return f"hushflow/execution-input/{execution_id}/{input_id}".encode()


def _pack(sealed: Sealed) -> dict[str, str]:
    return {
        "kid": sealed.key_id,
        "nonce": base64.b64encode(sealed.nonce).decode(),
        "ct": base64.b64encode(sealed.ciphertext).decode(),
    }


def _unpack(item: dict[str, str]) -> Sealed:
    return Sealed(item["kid"], base64.b64decode(item["nonce"]), base64.b64decode(item["ct"]))


def seal_inputs(keys: MasterKeySource, execution_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """``{input id: sealed JSON value}``, ready to store."""
    ring = keys.keyring(create=True)
    return {
        input_id: _pack(ring.seal(json.dumps(value).encode(), _aad(execution_id, input_id)))
        for input_id, value in values.items()
    }


def open_inputs(keys: MasterKeySource, execution_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The clear values of sealed inputs (a wrong key is a ``MasterKeyError``)."""
    ring = keys.keyring()
    out = {}
    for input_id, item in stored.items():
        what = f"SECRET input '{input_id}' of execution {execution_id}"
        out[input_id] = json.loads(ring.open(_unpack(item), _aad(execution_id, input_id), what))
    return out


def _sealed_rows(engine: Engine) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(execution id, its variables, its sealed inputs) for every execution that has some."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(executions.c.id, executions.c.variables).where(
                executions.c.variables.is_not(None)
            )
        ).all()
    out = []
    for row in rows:
        sealed = (row.variables or {}).get("sealedInputs")
        if sealed:
            out.append((row.id, row.variables, sealed))
    return out


class SealedInputsResealer:
    """Lets ``hushflow secret rotate-key`` re-encrypt executions' SECRET inputs too."""

    def key_ids(self, engine: Engine) -> set[str]:
        return {item["kid"] for _, _, sealed in _sealed_rows(engine) for item in sealed.values()}

    def reseal(self, engine: Engine, ring: Keyring, limit: int) -> int:
        done = 0
        for execution_id, variables, sealed in _sealed_rows(engine):
            if done >= limit:
                break
            stale = {k: v for k, v in sealed.items() if v["kid"] != ring.primary_id}
            if not stale:
                continue
            fresh = dict(sealed)
            for input_id, item in stale.items():
                aad = _aad(execution_id, input_id)
                plain = ring.open(_unpack(item), aad, f"SECRET input '{input_id}'")
                fresh[input_id] = _pack(ring.seal(plain, aad))
            with engine.begin() as conn:
                conn.execute(
                    update(executions)
                    .where(executions.c.id == execution_id)
                    .values(variables={**variables, "sealedInputs": fresh})
                )
            done += 1
        return done


register_resealer(SealedInputsResealer())
