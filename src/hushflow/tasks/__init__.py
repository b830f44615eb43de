"""hushflow.tasks."""
