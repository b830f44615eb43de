"""hushflow.ui."""
