"""hushflow.expressions."""
