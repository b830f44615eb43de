"""The task-type registry: type name -> task spec class.

Built-in task types and third-party ones register the same way, through the
``hushflow.tasks`` entry-point group; each entry point names a sequence of
:class:`TaskSpec` subclasses. The registry loads them on first use, and a type
name claimed twice stops start-up with a message naming both owners.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Annotated, Any

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from hushflow.errors import ConfigError
from hushflow.models.task import TaskSpec

ENTRY_POINT_GROUP = "hushflow.tasks"


class TaskRegistry:
    """Type names to classes, loaded lazily from entry points."""

    def __init__(self) -> None:
        self._types: dict[str, type[TaskSpec]] = {}
        self._owners: dict[str, str] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def register(self, classes: Iterable[type[TaskSpec]], owner: str = "hushflow") -> None:
        """Add task classes; a name that is already taken is a ``ConfigError``."""
        for cls in classes:
            if not cls.type_names:
                raise ConfigError(f"task class {cls.__qualname__} ({owner}) declares no type_names")
            for name in cls.type_names:
                known = self._types.get(name)
                if known is not None and known is not cls:
                    raise ConfigError(
                        f"task type '{name}' is registered twice: by {self._owners[name]} "
                        f"and by {owner}; uninstall one of them"
                    )
                self._types[name] = cls
                self._owners[name] = owner

    def _load(self) -> None:
        with self._lock:
            if self._loaded:
                return
            for ep in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    classes = ep.load()
                except Exception as exc:
                    raise ConfigError(
                        f"cannot load task plugin '{ep.name}' ({ep.value}): {exc}"
                    ) from exc
                self.register(classes, owner=f"{ep.name} ({ep.value})")
            self._loaded = True

    def get(self, name: str) -> type[TaskSpec] | None:
        """The class for ``name``, or None."""
        if not self._loaded:
            self._load()
        return self._types.get(name)

    def names(self) -> list[str]:
        """Every canonical type name, sorted."""
        if not self._loaded:
            self._load()
        return sorted({cls.type_names[0] for cls in self._types.values()})

    def suggest(self, name: str) -> list[str]:
        """Known names close to ``name`` (for 'did you mean')."""
        if not self._loaded:
            self._load()
        every = sorted(self._types)
        tail = {n.rsplit(".", 1)[-1]: n for n in self.names()}
        close = difflib.get_close_matches(name, every, n=2, cutoff=0.93)
        short = name.rsplit(".", 1)[-1]
        close += [tail[t] for t in difflib.get_close_matches(short, tail, n=2, cutoff=0.8)]
        return list(dict.fromkeys(close))[:2]


registry = TaskRegistry()


def _validate_task(value: Any) -> TaskSpec:
    if isinstance(value, TaskSpec):
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError("task_not_map", "a task must be a map with 'id' and 'type'")
    type_name = value.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise PydanticCustomError("task_no_type", "a task needs a 'type'")
    cls = registry.get(type_name)
    if cls is None:
        hint = registry.suggest(type_name)
        more = (
            f"did you mean {' or '.join(repr(h) for h in hint)}?"
            if hint
            else "known types: " + ", ".join(registry.names())
        )
        raise PydanticCustomError(
            "unknown_task_type",
            "unknown task type '{type}' ({more})",
            {"type": type_name, "more": more},
        )
    return cls.model_validate(value)


#: A field type that holds any registered task, validated by its own class.
AnyTask = Annotated[TaskSpec, PlainValidator(_validate_task)]
