"""What a task type does with its properties, as far as the secret rules care.

Kestra has renamed its core types over the years (``io.kestra.core.tasks.log.Log``
became ``io.kestra.plugin.core.log.Log``), and plugins follow the same
naming, so a type is recognised by its last segment and a package hint
rather than by an exact list.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    LOG = "log"
    RETURN = "return"
    OUTPUT_VALUES = "output-values"
    FAIL = "fail"
    IF = "if"
    SWITCH = "switch"
    SUBFLOW = "subflow"
    FOREACH = "foreach"
    KV_SET = "kv-set"
    HTTP = "http"
    TRIGGER = "trigger"
    OTHER = "other"


_BY_NAME = {
    "Log": Kind.LOG,
    "Echo": Kind.LOG,
    "Return": Kind.RETURN,
    "OutputValues": Kind.OUTPUT_VALUES,
    "Fail": Kind.FAIL,
    "If": Kind.IF,
    "Switch": Kind.SWITCH,
    "Subflow": Kind.SUBFLOW,
    "ForEachItem": Kind.SUBFLOW,
    "ForEach": Kind.FOREACH,
    "EachSequential": Kind.FOREACH,
    "EachParallel": Kind.FOREACH,
}


def kind_of(type_name: str) -> Kind:
    """The :class:`Kind` of a task type name (``OTHER`` when it plays no special role)."""
    package, _, last = type_name.rpartition(".")
    if last == "Set" and package.endswith(".kv"):
        return Kind.KV_SET
    if last in ("Request", "Download") and ".http" in package:
        return Kind.HTTP
    if last == "Flow" and package.endswith((".flows", ".flow")):
        return Kind.SUBFLOW
    return _BY_NAME.get(last, Kind.OTHER)


#: Properties Kestra writes to the task's log, by kind.
LOGGED: dict[Kind, frozenset[str]] = {
    Kind.LOG: frozenset({"message", "format"}),
    Kind.RETURN: frozenset({"format"}),
    Kind.FAIL: frozenset({"errorMessage", "message"}),
}
#: Properties that become task outputs, by kind.
OUTPUTS: dict[Kind, frozenset[str]] = {
    Kind.RETURN: frozenset({"format"}),
    Kind.OUTPUT_VALUES: frozenset({"values"}),
}
#: Properties evaluated as conditions, by kind; ``runIf`` and ``allowFailure`` apply to all.
CONDITIONS: dict[Kind, frozenset[str]] = {
    Kind.IF: frozenset({"condition"}),
    Kind.SWITCH: frozenset({"value"}),
    Kind.FAIL: frozenset({"condition"}),
}
ANY_TASK_CONDITIONS = frozenset({"runIf", "allowFailure", "allowWarning"})
#: Script properties an interpreter reads as code.
COMMAND_PROPERTIES = frozenset({"commands", "script", "beforeCommands"})
