"""A small client of hushflow's REST API, for the CLI commands run with ``--server URL``.

The CLI imports this module only when ``--server`` is given, so a local
command never pays for ``httpx``. Every failure becomes a :class:`RemoteError`
(a :class:`HushflowError`) carrying the server's own message and the exit
code the local command gives for the same mistake; nothing here prints a
traceback, and no secret value is ever put in a URL or a message: a value
travels only in the body of the ``PUT`` that stores it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from hushflow.errors import HushflowError

#: Where the API lives under a server's address.
API_PATH = "/api/v1/main"
#: Seconds to connect; a read may take longer (``wait`` on a kill, a big log).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0

Json = dict[str, Any]

#: The exit code of a refused request, by HTTP status: what the local command
#: exits with for the same mistake (bad input, unknown or hidden object, a
#: state that forbids it: 2; the server unable to serve it: 1). The secret
#: commands turn a 404 into 1, as ``SecretNotFound`` does locally.
_EXIT_CODES = {400: 2, 401: 2, 403: 2, 404: 2, 409: 2, 422: 2, 503: 1}


class RemoteError(HushflowError):
    """The server refused a request, or could not be reached."""

    def __init__(self, message: str, *, status: int = 400, exit_code: int = 2,
                 details: list[Json] | None = None) -> None:  # fmt: skip
        super().__init__(message)
        self.status = status
        self.exit_code = exit_code
        self.details = details or []


@dataclass(frozen=True)
class FlowSaved:
    """What deploying one flow did: ``created``, ``updated`` or ``unchanged``, and the revision."""

    status: str
    revision: int


def api_base(server: str) -> str:
    """``https://host`` or ``https://host/api/v1/main`` → the API's base address."""
    base = server.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise RemoteError(
            f"--server must be an http:// or https:// address, got {server!r}", exit_code=2
        )
    return base if base.endswith(API_PATH) else base + API_PATH


def token_from_env() -> str:
    """``HUSHFLOW_TOKEN``, or a clear error: the API answers nothing without one."""
    token = os.environ.get("HUSHFLOW_TOKEN", "").strip()
    if not token:
        raise RemoteError(
            "--server needs an API token in HUSHFLOW_TOKEN "
            "(create one with 'hushflow token create' on the server)",
            exit_code=2,
        )
    return token


class Remote:
    """One server, one token; methods named for what the CLI asks."""

    def __init__(self, server: str, token: str, transport: httpx.BaseTransport | None = None):
        self.server = server
        self.base = api_base(server)
        self._client = httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            transport=transport,
        )

    @classmethod
    def from_env(cls, server: str) -> Remote:
        return cls(server, token_from_env())

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise RemoteError(
                f"cannot reach hushflow server at {self.server}: {reason}", exit_code=2
            ) from None
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RemoteError(
                f"{self.server} answered {method} {path} with something that is not JSON; "
                "is it a hushflow server?",
                exit_code=1,
            ) from None

    # Flows

    def flow_revision(self, namespace: str, flow_id: str) -> int | None:
        """The newest stored revision of a flow, or None if there is none (or it is hidden)."""
        try:
            found = self._json(
                "GET", f"/flows/{_seg(namespace)}/{_seg(flow_id)}", params={"source": "false"}
            )
        except RemoteError as exc:
            if exc.status == 404:
                return None
            raise
        return int(found["revision"])

    def deploy_flow(self, namespace: str, flow_id: str, source: str) -> FlowSaved:
        """Create the flow, or store a new revision of it (none if the source is the same)."""
        yaml_type = {"Content-Type": "application/x-yaml"}
        before = self.flow_revision(namespace, flow_id)
        if before is None:
            body = self._json("POST", "/flows", content=source.encode(), headers=yaml_type)
            return FlowSaved("created", int(body["revision"]))
        path = f"/flows/{_seg(namespace)}/{_seg(flow_id)}"
        body = self._json("PUT", path, content=source.encode(), headers=yaml_type)
        revision = int(body["revision"])
        return FlowSaved("updated" if revision != before else "unchanged", revision)

    def validate_flows(self, source: str) -> list[Json]:
        """The server's verdict on each YAML document of ``source`` (nothing is stored)."""
        yaml_type = {"Content-Type": "application/x-yaml"}
        found: list[Json] = self._json(
            "POST", "/flows/validate", content=source.encode(), headers=yaml_type
        )
        return found

    # Executions

    def executions(self, namespace: str | None, flow_id: str | None, limit: int) -> list[Json]:
        """The newest executions first, as Kestra's ``Execution`` JSON (no task runs)."""
        params: dict[str, str | int] = {"size": min(limit, 1000)}
        if namespace:
            params["namespace"] = namespace
        if flow_id:
            params["flowId"] = flow_id
        out: list[Json] = []
        while len(out) < limit:
            page = self._json("GET", "/executions/search", params=params)
            out.extend(page["results"])
            if not page.get("next") or not page["results"]:
                break
            params["after"] = page["next"]
        return out[:limit]

    def execution(self, execution_id: str) -> Json:
        found: Json = self._json("GET", f"/executions/{_seg(execution_id)}")
        return found

    def logs(self, execution_id: str, min_level: str) -> list[Json]:
        found: list[Json] = self._json(
            "GET", f"/logs/{_seg(execution_id)}", params={"minLevel": min_level}
        )
        return found

    def kill(self, execution_id: str) -> Json:
        found: Json = self._json("DELETE", f"/executions/{_seg(execution_id)}/kill")
        return found

    # Secrets

    def put_secret(self, namespace: str, key: str, value: str, description: str | None,
                   tags: dict[str, str] | None) -> Json:  # fmt: skip
        """Store a new version; the value goes in this request's body and nowhere else.

        The API replaces the description and tags with what the body holds;
        the local command keeps the stored ones when none are given, so they
        are carried over from the current version (when the caller may list it).
        """
        current = self._current(namespace, key) if description is None or tags is None else {}
        if description is None:
            description = current.get("description")
        body: Json = {"key": key, "value": value}
        if description is not None:
            body["description"] = description
        body["tags"] = (
            [{"key": k, "value": v} for k, v in tags.items()]
            if tags is not None
            else current.get("tags") or []
        )
        items: list[Json] = self._json("PUT", f"/namespaces/{_seg(namespace)}/secrets", json=body)
        return items[0]

    def _current(self, namespace: str, key: str) -> Json:
        try:
            found = self._json("GET", f"/namespaces/{_seg(namespace)}/secrets", params={"q": key})
        except RemoteError as exc:
            if exc.status in (403, 404):
                return {}
            raise
        return next((i for i in found["results"] if i.get("key") == key), {})

    def secrets(self, namespace: str) -> list[Json]:
        found: list[Json] = self._json("GET", f"/namespaces/{_seg(namespace)}/secrets")["results"]
        return found

    def inherited_secrets(self, namespace: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = self._json(
            "GET", f"/namespaces/{_seg(namespace)}/inherited-secrets"
        )
        return found

    def secret_versions(self, namespace: str, key: str) -> list[Json]:
        found: list[Json] = self._json(
            "GET", f"/namespaces/{_seg(namespace)}/secrets/{_seg(key)}/versions"
        )
        return found

    def delete_secret(self, namespace: str, key: str) -> None:
        self._send("DELETE", f"/namespaces/{_seg(namespace)}/secrets/{_seg(key)}")


def _seg(part: str) -> str:
    """One path segment, escaped: a ``/`` or ``?`` typed in a name cannot reach another route."""
    return quote(part, safe="")


def _refusal(response: httpx.Response) -> RemoteError:
    """The API's ``{"message", "status", "details"}`` as an error (or a plain one if not)."""
    status = response.status_code
    message = f"the server answered {status}"
    details: list[Json] = []
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = body["message"]
        raw = body.get("details")
        details = [d for d in raw if isinstance(d, dict)] if isinstance(raw, list) else []
    if status == 401:
        message = f"{message} (check HUSHFLOW_TOKEN)"
    return RemoteError(
        message, status=status, exit_code=_EXIT_CODES.get(status, 1), details=details
    )


def detail_lines(file: str, details: list[Json]) -> list[str]:
    """Positioned details as the local ``FILE:LINE:COL: message`` lines."""
    out = []
    for d in details:
        line, column = d.get("line"), d.get("column")
        where = f"{file}:{line}:{column}" if line is not None else file
        out.append(f"{where}: {d.get('message', '')}")
    return out
