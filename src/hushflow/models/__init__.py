"""Pydantic models: flows, task specs, executions, task runs, states, log entries."""

from hushflow.models.execution import Attempt, Execution, LogEntry, TaskRun, new_id
from hushflow.models.flow import Flow, Input, Output
from hushflow.models.flow_source import parse_flow, read_flow
from hushflow.models.registry import registry
from hushflow.models.state import State
from hushflow.models.task import FlowableSpec, Retry, TaskSpec

__all__ = [
    "Attempt",
    "Execution",
    "Flow",
    "FlowableSpec",
    "Input",
    "LogEntry",
    "Output",
    "Retry",
    "State",
    "TaskRun",
    "TaskSpec",
    "new_id",
    "parse_flow",
    "read_flow",
    "registry",
]
