"""``hushflow expression render``: try a template against variables, as Kestra's Debug Expression.

``secret()`` is refused here (``allow_secrets=False``): a debugging tool must
not become a way to print secrets. Errors are raised as ``ExpressionError``
with the template position; the CLI entry point prints them and exits 2.
"""

from __future__ import annotations

import json
from typing import Any

import click
import yaml

from hushflow.errors import ExpressionError
from hushflow.expressions import render_typed


@click.group("expression")
def expression() -> None:
    """Evaluate Pebble expressions the way flows do."""


def _load_vars(stream: Any, name: str) -> dict[str, Any]:
    text = stream.read()
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise click.BadParameter(f"{name} is neither JSON nor YAML ({exc})") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{name} must hold a mapping of variable names to values")
    return data


@expression.command("render")
@click.argument("template")
@click.option(
    "--vars",
    "vars_file",
    type=click.File("r", encoding="utf-8"),
    help="Variables as a JSON or YAML mapping; '-' reads standard input.",
)
def render_command(template: str, vars_file: Any) -> None:
    """Render TEMPLATE and print the result (secret() is not available here)."""
    variables = _load_vars(vars_file, "--vars") if vars_file is not None else {}
    try:
        result = render_typed(template, variables, allow_secrets=False)
    except ExpressionError as exc:
        raise _positioned(exc) from None
    click.echo(result.text)


def _positioned(exc: ExpressionError) -> ExpressionError:
    """Make sure the message says where: ``line L, column C``."""
    message = exc.message
    if exc.line is not None and f"line {exc.line}" not in message:
        message = f"{message} at line {exc.line}, column {exc.column}"
    return ExpressionError(message, source=exc.source, line=exc.line, column=exc.column)
