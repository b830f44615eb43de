"""``python -m hushflow`` runs the CLI."""

from hushflow.cli.main import main

main()
