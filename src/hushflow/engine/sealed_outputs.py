"""Secret task outputs: sealed at rest, the mask token when shown, clear only to expressions.

A script's ``secretOutputs`` (or the HTTP task's) come back from the task in
clear, beside its ordinary outputs. Each value is registered with the
execution's masker; the task run stores the mask token in its place; the
clear value is kept in memory for the rest of the execution and, for
restarts, stored sealed with the master key (AES-256-GCM, the associated data
binding it to its execution and task run). A later task reads it through
``outputs.<task>...`` like any output, tainted, so whatever is computed from
it is masked too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hushflow.engine.sealed_variables import VariablesResealer
from hushflow.engine.sealed_variables import pack as _pack
from hushflow.engine.sealed_variables import unpack as _unpack
from hushflow.masking import Masker
from hushflow.secrets.master_key import MasterKeySource
from hushflow.secrets.rotation import register_resealer


def _aad(execution_id: str, task_run_id: str) -> bytes:
    return f"hushflow/task-output/{execution_id}/{task_run_id}".encode()


def seal_output(
    keys: MasterKeySource, execution_id: str, task_run_id: str, value: dict[str, Any]
) -> dict[str, str]:
    """One task run's secret outputs, ready to store."""
    ring = keys.keyring(create=True)
    return _pack(ring.seal(json.dumps(value).encode(), _aad(execution_id, task_run_id)))


def open_outputs(
    keys: MasterKeySource, execution_id: str, stored: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """``{task run id: secret outputs}`` in clear (a wrong key is a ``MasterKeyError``).

    Nothing sealed needs no key: an execution without secret outputs opens on a
    machine that has never made a master key.
    """
    if not stored:
        return {}
    ring = keys.keyring()
    out: dict[str, dict[str, Any]] = {}
    for run_id, item in stored.items():
        what = f"secret outputs of task run {run_id} of execution {execution_id}"
        out[run_id] = json.loads(ring.open(_unpack(item), _aad(execution_id, run_id), what))
    return out


def leaves(value: Any) -> list[str]:
    """Every leaf of a JSON value as text (numbers too: they are printed as text)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]


def register(masker: Masker, sealed: dict[str, Any]) -> str | None:
    """Register every secret output; the reason one cannot be masked, if one cannot."""
    for text in leaves(sealed):
        if text and not masker.add(text):
            return (
                f"a secret output is shorter than {masker.min_length} characters, too short "
                "to be masked: return a longer value or an ordinary output"
            )
    return None


def overlay(outputs: Any, sealed: Any, leaf: Callable[[Any], Any]) -> Any:
    """``outputs`` with each sealed value put in at its place, through ``leaf``."""
    if isinstance(sealed, dict):
        base = dict(outputs) if isinstance(outputs, dict) else {}
        for key, value in sealed.items():
            base[key] = overlay(base.get(key), value, leaf)
        return base
    return leaf(sealed)


register_resealer(
    VariablesResealer("sealedOutputs", _aad, lambda run_id: f"secret outputs of task run {run_id}")
)
