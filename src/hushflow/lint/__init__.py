"""hushflow.lint."""
