"""Rendering a flow's ``outputs`` when its execution ends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from hushflow.engine.inputs import type_input
from hushflow.engine.registration import register_rendered, register_whole
from hushflow.errors import HushflowError
from hushflow.expressions import render_data
from hushflow.masking import Masker
from hushflow.models.flow import Flow, Input


def _convert(kind: str, value: Any) -> Any:
    if kind in ("STRING", "SECRET"):
        if isinstance(value, dict | list):
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        return (
            ""
            if value is None
            else str(value)
            if not isinstance(value, bool)
            else str(value).lower()
        )
    if kind == "ARRAY":
        return value if isinstance(value, list) else json.loads(value)
    return type_input(
        Input.model_validate({"id": "output", "type": kind, "itemType": "STRING"}), value
    )


def render_outputs(
    flow: Flow, variables: Mapping[str, Any], functions: Mapping[str, Any], masker: Masker
) -> tuple[dict[str, Any] | None, str | None]:
    """(masked outputs, None) or (None, the masked reason they could not be rendered)."""
    out: dict[str, Any] = {}
    for spec in flow.outputs:
        tainted = False
        try:
            rendered = render_data(spec.value, variables, functions=functions)
            tainted = bool(rendered.tainted)
            register_rendered(masker, rendered.tainted, rendered.value)
            value = _convert(spec.type, rendered.value)
            if rendered.tainted:  # the converted forms (JSON text, parsed YAML leaves...)
                register_whole(masker, value)
        except (HushflowError, ValueError, TypeError, yaml.YAMLError) as exc:
            # A conversion error may quote (a piece of) the value: never when it is a secret's.
            detail = f"the value is not a valid {spec.type}" if tainted else str(exc)
            return None, masker.mask(f"Failed to render output '{spec.id}': {detail}")
        if spec.type == "SECRET" and value:
            masker.add(str(value))
        out[spec.id] = value
    return masker.mask_value(out), None
