"""``hushflow plugins``: which task types this installation knows."""

from __future__ import annotations

import json

import click

from hushflow.models.registry import registry


@click.group()
def plugins() -> None:
    """Task types: built-in and from installed plugins."""


@plugins.command("list")
@click.option(
    "--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_(output: str) -> None:
    """Every task type, with its aliases and first line of documentation."""
    rows = []
    for name in registry.names():
        cls = registry.get(name)
        assert cls is not None
        doc = (cls.__doc__ or "").strip().splitlines()
        rows.append(
            {"type": name, "aliases": list(cls.type_names[1:]), "summary": doc[0] if doc else ""}
        )
    if output == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['type']}\n    {row['summary']}")
