"""hushflow.cli."""
