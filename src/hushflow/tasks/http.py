"""Kestra's HTTP ``Request`` task, with httpx.

Every credential the request carries (an ``Authorization`` or API-key
header, a basic-auth password, a bearer token, the password of a URL) is
registered as a secret before the request is sent, so a server that echoes
it back (in the body, in a header) or an error that quotes the URL is masked
like a ``secret()`` value. The response is returned as outputs, which the
engine masks as a structure; nothing here logs a response body.

``secretOutputs`` names values to take from the response (a login token) with
a jq filter over ``{code, headers, body}`` (the body parsed when it is JSON).
They are secrets from that moment: masked in every output, the body
included, stored sealed, and read in clear only by later tasks' expressions
(``outputs.<task>.secretOutputs.<name>``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar, Literal, TypeVar, cast

import httpx
import jq as _jq
from pydantic import Field, field_validator

from hushflow.models.duration import parse_duration
from hushflow.models.task import Spec
from hushflow.tasks.context import RunContext, Runnable, TaskFailed, TaskResult, as_text

#: Header names whose values are credentials (compared lower-case).
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-auth-token", "cookie"}
)
DEFAULT_MAX_CONTENT = 10 * 1024 * 1024
DEFAULT_READ_TIMEOUT = timedelta(seconds=10)
T = TypeVar("T")
#: What a request gives back: status code, headers (name -> values), body text, final URI.
Reply = tuple[int, dict[str, list[str]], str | None, str]


class HttpAuth(Spec):
    """Kestra's ``options.auth`` block."""

    type: Literal["BASIC", "BEARER"]
    username: str | None = None
    password: str | None = None
    token: str | None = None

    @field_validator("type", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class HttpOptions(Spec):
    """Kestra's ``options``: timeouts, redirects, authentication, size limit."""

    connect_timeout: str | None = None
    read_timeout: str | None = None
    read_idle_timeout: str | None = None
    connection_pool_idle_timeout: str | None = None
    max_content_length: int | None = Field(default=None, gt=0)
    follow_redirects: bool | str = True
    allow_failed: bool | str | None = None
    basic_auth_user: str | None = None
    basic_auth_password: str | None = None
    auth: HttpAuth | None = None
    default_charset: str | None = None


def _seconds(ctx: RunContext, value: str | None, default: timedelta | None) -> float | None:
    if value is None:
        return default.total_seconds() if default else None
    try:
        return parse_duration(ctx.render_text(value)).total_seconds()
    except ValueError as exc:
        raise TaskFailed(str(exc)) from None


def _register_header(ctx: RunContext, name: str, value: str) -> None:
    if name.lower() not in CREDENTIAL_HEADERS:
        return
    ctx.register_secret(value)
    scheme, _, credential = value.partition(" ")
    if credential and scheme.isalpha():
        ctx.register_secret(credential.strip())


def _basic(ctx: RunContext, user: str, password: str) -> str:
    pair = f"{user}:{password}"
    ctx.register_secret(password)
    ctx.register_secret(pair)
    header = "Basic " + base64.b64encode(pair.encode()).decode()
    ctx.register_secret(header)
    return header


class Request(Runnable):
    """Send an HTTP request; output the status ``code``, ``headers``, ``body`` and ``uri``."""

    type_names: ClassVar[tuple[str, ...]] = (
        "io.kestra.plugin.core.http.Request",
        "io.kestra.plugin.fs.http.Request",
    )
    uri: str
    method: str = "GET"
    headers: dict[str, Any] | None = None
    body: Any = None
    form_data: dict[str, Any] | None = None
    content_type: str = "application/json"
    options: HttpOptions | None = None
    allow_failed: bool | str = False
    ssl_options: dict[str, Any] | None = None
    secret_outputs: dict[str, str] | None = None

    def run(self, ctx: RunContext) -> dict[str, Any] | TaskResult:
        uri = self._uri(ctx)
        method = ctx.render_text(self.method).upper()
        exchange = self._exchange(ctx, method, uri)
        code, headers, body, final_uri = _until_cancelled(exchange, ctx.cancelled)
        ctx.log("DEBUG", f"Request {method} {uri} answered {code}")
        if code >= 400 and not self._allowed_failure(ctx):
            raise TaskFailed(f"Failed http request with response code '{code}'")
        outputs = {"code": code, "headers": headers, "body": body, "uri": final_uri}
        if not self.secret_outputs:
            return outputs
        sealed = _take_secrets(ctx, self.secret_outputs, code, headers, body)
        return TaskResult(outputs, sealed={"secretOutputs": sealed})

    def _uri(self, ctx: RunContext) -> str:
        """The rendered URI; a password in it is a secret from now on."""
        uri = ctx.render_text(self.uri)
        try:
            parsed = httpx.URL(uri)
        except (httpx.InvalidURL, TypeError) as exc:
            raise TaskFailed(f"invalid uri '{uri}': {exc}") from None
        if parsed.password:
            ctx.register_secret(parsed.password)
        if ctx.mask(uri) != uri:
            # httpx re-encodes the URL its own way (a space becomes %20, '@' stays):
            # each piece of it that holds a secret is a secret in that form too.
            # The host too: httpx lower-cases it and writes a non-ASCII one in punycode.
            ctx.register_secret(parsed.host)
            ctx.register_secret(parsed.raw_host.decode("ascii", "replace"))
            for piece in re.split(r"[/?&=#]", str(parsed)):
                if piece and ctx.mask(urllib.parse.unquote(piece)) != urllib.parse.unquote(piece):
                    ctx.register_secret(piece)
        return uri

    def _exchange(self, ctx: RunContext, method: str, uri: str) -> Callable[[], Reply]:
        """Everything rendered (credentials registered) first; the network call comes later."""
        headers = self._headers(ctx)
        request_args = self._content(ctx, headers)
        timeout = self._timeout(ctx)
        follow = self._flag(ctx, self._opts.follow_redirects)
        verify = not self._insecure(ctx)

        def exchange() -> Reply:
            with httpx.Client(
                timeout=timeout,
                follow_redirects=follow,
                verify=verify,
                trust_env=False,  # no proxy variables, no ~/.netrc credentials
            ) as client:
                request = client.build_request(method, uri, headers=headers, **request_args)
                return self._send(client, request)

        return exchange

    @property
    def _opts(self) -> HttpOptions:
        return self.options or HttpOptions()

    def _flag(self, ctx: RunContext, value: bool | str) -> bool:
        return value if isinstance(value, bool) else ctx.truthy(ctx.render(value))

    def _allowed_failure(self, ctx: RunContext) -> bool:
        inner = self._opts.allow_failed
        return self._flag(ctx, self.allow_failed) or (inner is not None and self._flag(ctx, inner))

    def _insecure(self, ctx: RunContext) -> bool:
        value = (self.ssl_options or {}).get("insecureTrustAllCertificates", False)
        return bool(value) if isinstance(value, bool) else ctx.truthy(ctx.render(value))

    def _timeout(self, ctx: RunContext) -> httpx.Timeout:
        opts = self._opts
        read = _seconds(ctx, opts.read_timeout, DEFAULT_READ_TIMEOUT)
        connect = _seconds(ctx, opts.connect_timeout, None)
        return httpx.Timeout(read, connect=connect, read=read)

    def _headers(self, ctx: RunContext) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for name, value in (ctx.render(self.headers) or {}).items():
            for item in value if isinstance(value, list) else [value]:
                text = item if isinstance(item, str) else json.dumps(item)
                _register_header(ctx, str(name), text)
                out.append((str(name), text))
        auth = self._auth_header(ctx)
        if auth is not None:
            out = [(k, v) for k, v in out if k.lower() != "authorization"]
            out.append(("Authorization", auth))
        return out

    def _auth_header(self, ctx: RunContext) -> str | None:
        opts = self._opts
        if opts.auth is not None and opts.auth.type == "BEARER":
            token = ctx.render_text(opts.auth.token)
            if not token:
                raise TaskFailed("options.auth of type BEARER needs a token")
            ctx.register_secret(token)
            ctx.register_secret(f"Bearer {token}")
            return f"Bearer {token}"
        if opts.auth is not None:
            user, password = opts.auth.username, opts.auth.password
        else:
            user, password = opts.basic_auth_user, opts.basic_auth_password
        if user is None and password is None:
            return None
        return _basic(ctx, ctx.render_text(user), ctx.render_text(password))

    def _content(self, ctx: RunContext, headers: list[tuple[str, str]]) -> dict[str, Any]:
        content_type = ctx.render_text(self.content_type)
        has_type = any(k.lower() == "content-type" for k, _ in headers)
        if self.form_data is not None:
            form = ctx.render(self.form_data) or {}
            if content_type.lower().startswith("multipart/form-data"):
                return {"files": _multipart(form)}
            return {"data": {str(k): as_text(v) for k, v in form.items()}}
        if self.body is None:
            return {}
        if not has_type:
            headers.append(("Content-Type", content_type))
        return {"content": as_text(ctx.render(self.body)).encode()}

    def _send(self, client: httpx.Client, request: httpx.Request) -> Reply:
        limit = self._opts.max_content_length or DEFAULT_MAX_CONTENT
        try:
            response = client.send(request, stream=True)
            try:
                data = _read_capped(response, limit)
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise TaskFailed(
                f"HTTP request to {request.url} timed out ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise TaskFailed(f"HTTP request to {request.url} failed: {exc}") from None
        body = _decode(data, response.charset_encoding or self._opts.default_charset)
        headers: dict[str, list[str]] = {}
        for name, value in response.headers.multi_items():
            headers.setdefault(name, []).append(value)
        return response.status_code, headers, body, str(response.url)


def _take_secrets(
    ctx: RunContext,
    filters: dict[str, str],
    code: int,
    headers: dict[str, list[str]],
    body: str | None,
) -> dict[str, Any]:
    """Each ``secretOutputs`` filter's first result, registered as a secret at once."""
    try:
        parsed: Any = json.loads(body) if body else None
    except ValueError:
        parsed = body
    doc = {"code": code, "headers": headers, "body": parsed}
    out: dict[str, Any] = {}
    for name, expression in filters.items():
        try:
            results = _jq.compile("def env: {}; {} as $ENV | (" + expression + "\n)")
            found = results.input_value(doc).all()
        except ValueError:
            raise TaskFailed(f"secretOutputs.{name}: '{expression}' is not a jq filter "
                             "that runs on the response") from None  # fmt: skip
        if not found or found[0] is None:
            raise TaskFailed(f"secretOutputs.{name}: '{expression}' found nothing in the response")
        value = found[0]
        for text in [value] if isinstance(value, str) else [json.dumps(value)]:
            ctx.register_secret(text)
        out[name] = value
    return out


def _until_cancelled(fn: Callable[[], T], cancelled: threading.Event) -> T:
    """``fn()`` in a helper thread, given up on as soon as the run is cancelled.

    A blocking read cannot be interrupted; the abandoned thread ends at its
    own timeout, and its result is thrown away.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed back to the task's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, daemon=True, name="http-request").start()
    while not done.wait(0.05):
        if cancelled.is_set():
            raise TaskFailed("HTTP request abandoned: the run was stopped")
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


def _read_capped(response: httpx.Response, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise TaskFailed(
                f"response is larger than maxContentLength ({limit} bytes); "
                "raise options.maxContentLength"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(data: bytes, charset: str | None) -> str | None:
    if not data:
        return None
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:  # an unknown charset name
        return data.decode("utf-8", errors="replace")


def _multipart(form: dict[str, Any]) -> list[tuple[str, tuple[str | None, bytes]]]:
    parts: list[tuple[str, tuple[str | None, bytes]]] = []
    for name, value in form.items():
        if isinstance(value, dict) and "content" in value:
            filename = str(value.get("name") or name)
            parts.append((str(name), (filename, as_text(value["content"]).encode())))
        else:
            parts.append((str(name), (None, as_text(value).encode())))
    return parts


HTTP_TASKS = (Request,)
