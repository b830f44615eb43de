"""SECRET inputs at rest: sealed with the master key, opened only to run tasks.

An execution stores its SECRET inputs masked (``****``) in ``inputs`` and,
for restarts, sealed with AES-256-GCM under the master key, the associated
data binding each ciphertext to its execution and input id (a ciphertext
copied to another execution or input does not open).
"""

from __future__ import annotations

import json
from typing import Any

from hushflow.engine.sealed_variables import VariablesResealer
from hushflow.engine.sealed_variables import pack as _pack
from hushflow.engine.sealed_variables import unpack as _unpack
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.rotation import register_resealer


def _aad(execution_id: str, input_id: str) -> bytes:
    return f"hushflow/execution-input/{execution_id}/{input_id}".encode()


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


register_resealer(
    VariablesResealer("sealedInputs", _aad, lambda input_id: f"SECRET input '{input_id}'")
)
