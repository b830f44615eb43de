"""Execution inputs from a request: a JSON object, or form fields (multipart or urlencoded).

Form fields are text, parsed by the input's type as the CLI's ``-i KEY=VALUE``
are; JSON values are checked against it. A FILE input must be an uploaded file part: a path string
would let a caller make the server copy any of its own files (the master key
among them) into an execution.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from hushflow.errors import InputError
from hushflow.models.flow import Flow

#: Largest uploaded FILE input kept (bytes).
MAX_UPLOAD = 64 * 1024 * 1024


@dataclass
class RequestInputs:
    """Raw inputs, and the folder of uploaded files to remove once they are stored."""

    values: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    def cleanup(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


async def read_inputs(request: Request, flow: Flow) -> RequestInputs:
    """The request's inputs for ``flow`` (none when the body is empty)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _form_inputs(request, flow)
    raw = await request.body()
    if not raw.strip():
        return RequestInputs()
    try:
        data = json.loads(raw)
    except ValueError:
        raise InputError("inputs must be a JSON object or form fields") from None
    if not isinstance(data, dict):
        raise InputError("inputs must be a JSON object of input ids to values")
    _refuse_file_paths(flow, data)
    _refuse_nul(data)
    return RequestInputs(data)


async def _form_inputs(request: Request, flow: Flow) -> RequestInputs:
    form = await request.form()
    out = RequestInputs()
    files = {i.id for i in flow.inputs if i.type == "FILE"}
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                out.values[name] = await _save_upload(out, name, value)
            elif name in files:
                raise InputError(f"{name}: a FILE input must be sent as a file part")
            else:
                out.values[name] = value
        _refuse_nul({k: v for k, v in out.values.items() if k not in files})
    except BaseException:
        out.cleanup()
        raise
    finally:
        await form.close()
    return out


async def _save_upload(out: RequestInputs, name: str, upload: UploadFile) -> str:
    if out.folder is None:
        out.folder = Path(tempfile.mkdtemp(prefix="hushflow-upload-"))
    safe = Path(upload.filename or name).name or name
    target = out.folder / name.replace("/", "_") / safe
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with target.open("wb") as sink:
        while chunk := await upload.read(1024 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                raise InputError(f"{name}: the file is larger than {MAX_UPLOAD} bytes")
            sink.write(chunk)
    return str(target)


def _refuse_file_paths(flow: Flow, data: dict[str, Any]) -> None:
    for spec in flow.inputs:
        if spec.type == "FILE" and data.get(spec.id) is not None:
            raise InputError(f"{spec.id}: a FILE input must be uploaded as a multipart file part")


def _refuse_nul(value: Any, where: str = "") -> None:
    """A NUL character cannot be stored by PostgreSQL: refuse it as bad input, not later."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(f"{where or 'input'}: NUL characters are not allowed")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(str(key), where or str(key))
            _refuse_nul(item, where or str(key))
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item, where)
