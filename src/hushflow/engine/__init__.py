"""hushflow.engine."""
