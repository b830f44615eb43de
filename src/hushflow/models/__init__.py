"""hushflow.models."""
