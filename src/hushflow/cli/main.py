"""The ``hushflow`` command: one Click group, sub-groups registered from their modules.

Errors are interpreted in one place (:func:`main`): any :class:`HushflowError`
becomes its message on stderr and its exit code (2 for bad input, 1 for a
failed run); nothing a user typed wrong produces a traceback.

Sub-command modules are imported only when their command runs: the engine,
SQLAlchemy and the expression engine take most of a second to import, and
``hushflow --help`` (or any command that does not need them) should not wait
for that. The help listing reads each group's one-line summary from
:data:`COMMANDS` instead of importing the module.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from hushflow import __version__
from hushflow.cli.hardening import make_undumpable
from hushflow.errors import HushflowError

#: (module, attribute, one-line summary) of every sub-command group; each module
#: owns its group, and the command's name is the attribute's. The summary is what
#: ``hushflow --help`` lists; a test checks it matches the group's docstring.
COMMANDS: list[tuple[str, str, str]] = [
    ("hushflow.cli.flow_cmd", "flow", "Validate, deploy and run flows."),
    ("hushflow.cli.execution_cmd", "execution", "List and inspect executions."),
    ("hushflow.cli.expression_cmd", "expression", "Evaluate Pebble expressions the way flows do."),
    (
        "hushflow.cli.secret_cmd",
        "secret",
        "Namespaced, versioned, encrypted secrets (values never on the command line).",
    ),
    ("hushflow.cli.audit_cmd", "audit", "The secret audit log."),
    ("hushflow.cli.plugins_cmd", "plugins", "Task types: built-in and from installed plugins."),
    ("hushflow.cli.server_cmd", "server", "Run hushflow as a service."),
    ("hushflow.cli.user_cmd", "user", "Users: create, list, disable, set passwords."),
    ("hushflow.cli.token_cmd", "token", "API tokens: create (shown once), list, revoke."),
    (
        "hushflow.cli.role_cmd",
        "role",
        "Roles: list, create and delete custom roles (managed roles cannot change).",
    ),
    (
        "hushflow.cli.binding_cmd",
        "binding",
        "Bindings: which role a subject holds where (a namespace and its children).",
    ),
    (
        "hushflow.cli.service_account_cmd",
        "service_account",
        "Service accounts: create, list, delete.",
    ),
    ("hushflow.cli.group_cmd", "group", "Groups: create, list, delete, add and remove members."),
]


class LazyGroup(click.Group):
    """A group whose sub-commands are imported the first time one is asked for."""

    def __init__(self, *args: Any, lazy: list[tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = {attr.replace("_", "-"): (module, attr, help_) for module, attr, help_ in lazy}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in self.lazy:
            return command
        module_name, attr, _ = self.lazy[cmd_name]
        command = getattr(import_module(module_name), attr)
        assert isinstance(command, click.Command)
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][2]) for name in sorted(self.lazy)]
        rows += [
            (name, cmd.get_short_help_str())
            for name, cmd in sorted(self.commands.items())
            if name not in self.lazy
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(sorted(rows))


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="hushflow")
def cli() -> None:
    """hushflow: run Kestra-format flows without ever leaking a secret."""


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
