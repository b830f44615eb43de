"""Every built-in task type, registered through the ``hushflow.tasks`` entry point.

Third-party packages register theirs the same way: an entry point in the
``hushflow.tasks`` group whose value is a sequence of task classes.
"""

from __future__ import annotations

from hushflow.models.task import TaskSpec
from hushflow.tasks.core import Fail, Log, OutputValues, Pause, Return, Sleep
from hushflow.tasks.flow import (
    EachParallel,
    EachSequential,
    ForEach,
    If,
    Parallel,
    Sequential,
    Subflow,
    Switch,
)
from hushflow.tasks.http import Request
from hushflow.tasks.scripts import PythonCommands, PythonScript, ShellCommands, ShellScript

TASK_TYPES: list[type[TaskSpec]] = [
    Log,
    Return,
    OutputValues,
    Fail,
    Sleep,
    Pause,
    Sequential,
    Parallel,
    If,
    Switch,
    ForEach,
    EachSequential,
    EachParallel,
    Subflow,
    ShellCommands,
    ShellScript,
    PythonCommands,
    PythonScript,
    Request,
]
