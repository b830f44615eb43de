"""hushflow.storage."""
