"""``secret('K', subkey='field')``: one field of a JSON secret (Kestra >= 1.0 semantics).

Strings come back as they are, numbers and booleans as their JSON text, objects
and arrays as compact JSON. The error messages follow Kestra's wording and
never quote the value.
"""

from __future__ import annotations

import json

from hushflow.errors import SecretError


def extract(value: str, key: str, subkey: str) -> str:
    """The ``subkey`` field of the JSON object held in ``value``."""
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        data = None
        parsed = False
    else:
        parsed = True
    if not parsed or not isinstance(data, dict):
        raise SecretError(
            f"Failed to read secret sub-key '{subkey}' from secret '{key}'. "
            "Ensure the secret contains valid JSON value."
        )
    if subkey not in data:
        raise SecretError(f"Cannot find secret sub-key '{subkey}' in secret '{key}'.")
    return as_text(data[subkey])


def as_text(field: object) -> str:
    """A JSON field as text: strings raw, everything else compact JSON."""
    if isinstance(field, str):
        return field
    return json.dumps(field, separators=(",", ":"), ensure_ascii=False)
