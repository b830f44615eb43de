"""hushflow.masking."""
