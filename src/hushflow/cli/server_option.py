"""The ``--server URL`` option shared by the commands that can talk to a remote hushflow.

Kept apart (and free of imports beyond Click) so a command module can carry
the option without loading the HTTP client; :mod:`hushflow.cli.remote` is
imported only when the option is given.
"""

from __future__ import annotations

import click

server_option = click.option(
    "--server",
    envvar="HUSHFLOW_SERVER",
    metavar="URL",
    help="Ask this hushflow server's API instead of the local database "
    "(token in HUSHFLOW_TOKEN; env HUSHFLOW_SERVER).",
)
