"""hushflow.api."""
