"""hushflow: a workflow orchestrator for Kestra flows that never lets a secret out in clear."""

__version__ = "0.1.0"
