"""``hushflow secret``: manage secrets without ever putting a value on the command line.

Values come from stdin (or ``--from-file``), never from arguments, where ``ps``
and shell history would see them. ``get --reveal`` is the only command that
prints a value; it asks first when stdout is a terminal and is audited.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import click

from hushflow.cli.home import open_home_database
from hushflow.cli.server_option import server_option
from hushflow.errors import SecretError
from hushflow.secrets import SecretManager, SecretMeta, VersionInfo

OUTPUTS = click.Choice(["table", "json"])


def actor() -> str:
    """Who is making a change: ``$HUSHFLOW_USER`` or the login name."""
    return os.environ.get("HUSHFLOW_USER") or getpass.getuser()


@contextmanager
def manager() -> Iterator[SecretManager]:
    engine = open_home_database()
    try:
        with SecretManager.from_env(engine) as mgr:
            yield mgr
    finally:
        engine.dispose()


def _stamp(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def _table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    for row in [headers, *rows]:
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())


def _tags(raw: tuple[str, ...]) -> dict[str, str] | None:
    if not raw:
        return None
    tags = {}
    for item in raw:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected k=v, got {item!r}", param_hint="--tag")
        tags[name] = value
    return tags


def _read_value(from_file: str | None) -> str:
    if from_file is not None:
        with open(from_file, encoding="utf-8") as fh:
            return fh.read()
    if sys.stdin.isatty():
        return str(click.prompt("Value", hide_input=True, confirmation_prompt=True))
    value = sys.stdin.read()
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


@click.group()
def secret() -> None:
    """Namespaced, versioned, encrypted secrets (values never on the command line)."""


@secret.command("set")
@click.argument("namespace")
@click.argument("key")
@click.option("--description", help="What the secret is for.")
@click.option("--tag", "tags", multiple=True, metavar="K=V", help="A tag (repeatable).")
@click.option("--cas", type=int, help="Write only if the current version is N (0: only if new).")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Read the value from a file (kept byte for byte) instead of stdin.",
)
@server_option
def set_(
    namespace: str,
    key: str,
    description: str | None,
    tags: tuple[str, ...],
    cas: int | None,
    from_file: str | None,
    server: str | None,
) -> None:
    """Store a new version of KEY in NAMESPACE; the value is read from stdin.

    One trailing newline from stdin is dropped (as ``echo`` adds one). Prints
    the new version number.
    """
    if server and cas is not None:
        raise click.UsageError("--cas is not available with --server (the API has no such check)")
    value = _read_value(from_file)
    if not value:
        raise SecretError("refusing to store an empty value")
    if server:
        from hushflow.cli import remote

        with _remote_secret_errors(), remote.Remote.from_env(server) as client:
            item = client.put_secret(namespace, key, value, description, _tags(tags))
        click.echo(str(item.get("version")))
        return
    with manager() as mgr:
        version = mgr.set(
            namespace, key, value, actor=actor(), description=description, tags=_tags(tags), cas=cas
        )
    click.echo(str(version))


def _meta_doc(meta: SecretMeta) -> dict[str, Any]:
    return {
        "namespace": meta.namespace,
        "key": meta.key,
        "version": meta.current_version,
        "backend": meta.backend,
        "description": meta.description,
        "tags": meta.tags,
        "updated": meta.updated.isoformat() if meta.updated else None,
        "updatedBy": meta.updated_by,
        "deleted": meta.deleted,
    }


@secret.command("list")
@click.argument("namespace")
@click.option("--inherited", is_flag=True, help="Also show keys inherited from parent namespaces.")
@click.option("--output", "-o", type=OUTPUTS, default="table")
@server_option
def list_(namespace: str, inherited: bool, output: str, server: str | None) -> None:
    """Keys, versions, descriptions and tags of NAMESPACE; never values."""
    if server:
        metas = _remote_list(server, namespace, inherited)
    else:
        with manager() as mgr:
            metas = mgr.list_keys(namespace, inherited=inherited)
    if output == "json":
        click.echo(json.dumps([_meta_doc(m) for m in metas], indent=2))
        return
    rows = [
        [
            m.key,
            str(m.current_version or "-"),
            m.namespace if m.namespace != namespace else "",
            m.backend,
            m.description or "",
            ",".join(f"{k}={v}" for k, v in sorted(m.tags.items())),
            _stamp(m.updated),
            "deleted" if m.deleted else "",
        ]
        for m in metas
    ]
    headers = ["KEY", "VERSION", "FROM", "BACKEND", "DESCRIPTION", "TAGS", "UPDATED", ""]
    _table(rows, headers)


def _status(info: VersionInfo, current: int | None) -> str:
    if info.destroyed:
        return "destroyed"
    if info.deleted is not None:
        return f"deleted {_stamp(info.deleted)}"
    return "current" if info.version == current else ""


@secret.command()
@click.argument("namespace")
@click.argument("key")
def versions(namespace: str, key: str) -> None:
    """The kept versions of KEY: when, by whom, deleted or destroyed."""
    with manager() as mgr:
        infos = mgr.versions(namespace, key)
        meta = mgr.describe(namespace, key)
    if not infos:
        raise SecretError(f"Cannot find secret for key '{key}'.")
    current = meta.current_version if meta else None
    rows = [
        [str(i.version), _stamp(i.created), i.created_by or "", _status(i, current)] for i in infos
    ]
    _table(rows, ["VERSION", "CREATED", "BY", "STATUS"])


VERSION_OPTION = click.option(
    "--version", "-v", "version_list", type=int, multiple=True, help="A version (repeatable)."
)


def _done(verb: str, key: str, done: list[int]) -> None:
    listed = ", ".join(map(str, done)) or "none"
    click.echo(f"{verb} {key}: version(s) {listed}")


@secret.command()
@click.argument("namespace")
@click.argument("key")
@VERSION_OPTION
@server_option
def delete(namespace: str, key: str, version_list: tuple[int, ...], server: str | None) -> None:
    """Soft-delete versions of KEY (default: the current one); undelete restores them."""
    if server:
        if version_list:
            raise click.UsageError("--version is not available with --server")
        _done("deleted", key, _remote_delete(server, namespace, key))
        return
    with manager() as mgr:
        done = mgr.delete(namespace, key, list(version_list) or None, actor=actor())
    _done("deleted", key, done)


@contextmanager
def _remote_secret_errors() -> Iterator[None]:
    """A secret the server does not have exits 1, as ``SecretNotFound`` does locally."""
    from hushflow.cli.remote import RemoteError

    try:
        yield
    except RemoteError as exc:
        if exc.status == 404:
            exc.exit_code = 1
        raise


def _remote_list(server: str, namespace: str, inherited: bool) -> list[SecretMeta]:
    """The server's listing as the records the local table prints (no backend: '-')."""
    from hushflow.cli.remote import Remote
    from hushflow.cli.remote_shapes import when

    with _remote_secret_errors(), Remote.from_env(server) as client:
        items = client.secrets(namespace)
        above = client.inherited_secrets(namespace) if inherited else {}
    metas = [
        SecretMeta(
            namespace=str(i["namespace"]), key=str(i["key"]), current_version=i.get("version"),
            backend="-", description=i.get("description"),
            tags={str(t["key"]): str(t["value"]) for t in i.get("tags") or []},
            updated=when(i.get("updated")),
        )
        for i in items
    ]  # fmt: skip
    for parent, keys in above.items():
        metas.extend(SecretMeta(namespace=parent, key=k, backend="-") for k in keys)
    return metas


def _remote_delete(server: str, namespace: str, key: str) -> list[int]:
    """Delete through the API; the versions it removes are read first, to print them."""
    from hushflow.cli.remote import Remote

    with _remote_secret_errors(), Remote.from_env(server) as client:
        versions = client.secret_versions(namespace, key)
        client.delete_secret(namespace, key)
    return [
        int(v["version"]) for v in versions if v.get("deleted") is None and not v.get("destroyed")
    ]


@secret.command()
@click.argument("namespace")
@click.argument("key")
@VERSION_OPTION
def undelete(namespace: str, key: str, version_list: tuple[int, ...]) -> None:
    """Restore soft-deleted versions of KEY (default: the current one)."""
    with manager() as mgr:
        done = mgr.undelete(namespace, key, list(version_list) or None, actor=actor())
    _done("restored", key, done)


@secret.command()
@click.argument("namespace")
@click.argument("key")
@VERSION_OPTION
@click.option("--all", "everything", is_flag=True, help="Destroy every version and the key.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def destroy(
    namespace: str, key: str, version_list: tuple[int, ...], everything: bool, yes: bool
) -> None:
    """Erase versions of KEY for good (``--version N`` or ``--all``): no undo."""
    if bool(version_list) == everything:
        raise click.UsageError("give --version N (repeatable) or --all")
    what = "every version" if everything else "version(s) " + ", ".join(map(str, version_list))
    if not yes:
        click.confirm(f"Destroy {what} of {key} in {namespace} for good?", abort=True)
    with manager() as mgr:
        done = mgr.destroy(
            namespace, key, None if everything else list(version_list), actor=actor()
        )
    _done("destroyed", key, done)


@secret.command()
@click.argument("namespace")
@click.argument("key")
@click.option("--reveal", is_flag=True, help="Print the value (audited).")
@click.option("--version", "-v", "version", type=int, help="A given version.")
@click.option("--yes", is_flag=True, help="Do not ask before printing on a terminal.")
def get(namespace: str, key: str, reveal: bool, version: int | None, yes: bool) -> None:
    """Metadata of KEY; with ``--reveal``, its value (the only way to print one)."""
    if not reveal:
        with manager() as mgr:
            meta = mgr.describe(namespace, key)
        if meta is None:
            raise SecretError(f"Cannot find secret for key '{key}'.")
        click.echo(json.dumps(_meta_doc(meta), indent=2))
        return
    terminal = sys.stdout.isatty()
    if terminal and not yes:
        click.confirm(f"Print the value of {key} ({namespace}) on this terminal?", abort=True)
    with manager() as mgr:
        found = mgr.reveal(namespace, key, version, actor=actor())
    click.echo(found.reveal(), nl=terminal)


@secret.command("rotate-key")
@click.option("--batch-size", type=int, default=100, show_default=True)
def rotate_key(batch_size: int) -> None:
    """Re-encrypt every stored version under a new master key (resumable)."""
    import hushflow.engine.sealed_inputs
    import hushflow.engine.sealed_outputs  # noqa: F401 - and the secret-output one
    from hushflow.secrets.master_key import MasterKeySource
    from hushflow.secrets.rotation import rotate_key as rotate

    engine = open_home_database()
    try:
        report = rotate(
            engine,
            MasterKeySource(os.environ),
            batch_size=batch_size,
            on_batch=lambda n: click.echo(f"re-encrypted {n} rows", err=True),
        )
    finally:
        engine.dispose()
    state = "resumed and finished" if report.resumed else "finished"
    click.echo(f"{state}: {report.reencrypted} rows now sealed by master key {report.primary_id}")
    if os.environ.get("HUSHFLOW_MASTER_KEY"):
        click.echo("you can now remove HUSHFLOW_MASTER_KEY_PREVIOUS", err=True)


@secret.command()
@click.argument("namespace")
@click.argument("allowed", nargs=-1)
def share(namespace: str, allowed: tuple[str, ...]) -> None:
    """Set NAMESPACE's allowedNamespaces (``*`` for all; none to stop sharing)."""
    with manager() as mgr:
        names = mgr.share(namespace, list(allowed), actor=actor())
    click.echo(f"{namespace} shares its secrets with: {', '.join(names) or 'nobody'}")


@secret.command()
@click.argument("namespace")
@click.argument("key")
@click.option(
    "--allow-namespace",
    "namespaces",
    multiple=True,
    help="A namespace (and its children) whose flows may read KEY (repeatable).",
)
@click.option(
    "--allow-flow",
    "flows",
    multiple=True,
    metavar="NAMESPACE.FLOW_ID",
    help="A flow that may read KEY (repeatable).",
)
@click.option("--clear", is_flag=True, help="Remove the rule: every flow of the chain may read.")
def restrict(namespace: str, key: str, namespaces: tuple[str, ...], flows: tuple[str, ...],
             clear: bool) -> None:  # fmt: skip
    """Set which flows may read KEY of NAMESPACE at run time (allowedNamespaces/allowedFlows).

    Without options, shows the current rule. The lists are exhaustive: list
    NAMESPACE itself to keep its own flows reading the key.
    """
    with manager() as mgr:
        if clear:
            rule = mgr.restrict(
                namespace, key, allowed_namespaces=None, allowed_flows=None, actor=actor()
            )
        elif namespaces or flows:
            rule = mgr.restrict(
                namespace,
                key,
                allowed_namespaces=list(namespaces) if namespaces else None,
                allowed_flows=list(flows) if flows else None,
                actor=actor(),
            )
        else:
            rule = mgr.usage_rule(namespace, key)
    if not rule.restricts:
        click.echo(f"{namespace}/{key}: every flow of the namespace chain may read it")
        return
    click.echo(f"allowedNamespaces: {', '.join(rule.allowed_namespaces or ()) or '-'}")
    click.echo(f"allowedFlows: {', '.join(rule.allowed_flows or ()) or '-'}")


@secret.command()
@click.option(
    "--flows", "flows_dir", type=click.Path(exists=True),
    help="Read these flow files instead of the deployed flows.",
)  # fmt: skip
@click.option("--output", "-o", type=OUTPUTS, default="table")
def placement(flows_dir: str | None, output: str) -> None:
    """Keys stored higher in the namespace tree than every flow that reads them.

    A key at 'company' that only 'company.team' flows read could live in
    'company.team'; a key no flow reads may not be needed at all. Reads the
    deployed flows (or --flows) and the keys of their namespaces and parents.
    """
    from hushflow.cli import app, lint_support
    from hushflow.storage.repository import FlowRepository

    if flows_dir is not None:
        sources = [(p.read_text(encoding="utf-8")) for p in app.flow_files([flows_dir])]
        pairs = [(lint_support.namespace_of(s), s) for s in sources]
    else:
        db = open_home_database()
        pairs = [(f.namespace, f.source) for f in FlowRepository(db).list()]
        db.dispose()
    with manager() as mgr:
        rows = lint_support.placement_rows(mgr, [(ns, s) for ns, s in pairs if ns])
    docs = [
        {"key": r.key, "stored_at": r.namespace, "read_by": list(r.readers),
         "suggested": r.suggested}
        for r in rows
    ]  # fmt: skip
    if output == "json":
        click.echo(json.dumps(docs, indent=2))
        return
    table = [
        [r.key, r.namespace, ", ".join(r.readers) or "-",
         f"move to {r.suggested}" if r.suggested else "no flow reads it"]
        for r in rows
    ]  # fmt: skip
    _table(table, ["KEY", "STORED AT", "READ BY", "SUGGESTION"])
