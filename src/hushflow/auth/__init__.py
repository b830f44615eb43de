"""hushflow.auth."""
