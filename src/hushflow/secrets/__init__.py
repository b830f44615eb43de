"""hushflow.secrets."""
