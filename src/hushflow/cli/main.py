"""The ``hushflow`` command: one Click group, sub-groups registered from their modules.

Errors are interpreted in one place (:func:`main`): any :class:`HushflowError`
becomes its message on stderr and its exit code (2 for bad input, 1 for a
failed run); nothing a user typed wrong produces a traceback.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from hushflow import __version__
from hushflow.cli.hardening import make_undumpable
from hushflow.errors import HushflowError

#: (module, attribute) of every sub-command group; each module owns its group.
COMMANDS: list[tuple[str, str]] = [
    ("hushflow.cli.flow_cmd", "flow"),
    ("hushflow.cli.execution_cmd", "execution"),
    ("hushflow.cli.expression_cmd", "expression"),
    ("hushflow.cli.secret_cmd", "secret"),
    ("hushflow.cli.audit_cmd", "audit"),
    ("hushflow.cli.plugins_cmd", "plugins"),
    ("hushflow.cli.server_cmd", "server"),
    ("hushflow.cli.user_cmd", "user"),
    ("hushflow.cli.token_cmd", "token"),
    ("hushflow.cli.role_cmd", "role"),
    ("hushflow.cli.binding_cmd", "binding"),
    ("hushflow.cli.service_account_cmd", "service_account"),
    ("hushflow.cli.group_cmd", "group"),
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hushflow")
def cli() -> None:
    """hushflow: run Kestra-format flows without ever leaking a secret."""


def _register() -> None:
    for module_name, attr in COMMANDS:
        try:
            module = import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that front door is not built yet
            raise
        cli.add_command(getattr(module, attr))


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: run the CLI, turning our errors into exit codes."""
    make_undumpable()
    try:
        code = cli.main(args=argv, standalone_mode=False)
    except HushflowError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    # Without standalone mode, Click returns the code of an ``Exit`` raised by a command.
    sys.exit(code if isinstance(code, int) else 0)
