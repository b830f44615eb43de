"""Reading a flow from YAML text, with a line and column for every problem.

The YAML is composed into nodes first, so that each error pydantic reports
(a path such as ``tasks.0.mesage``) can be traced back to where it stands in
the file. Messages say what is wrong and how to fix it, e.g.
``flows/x.yml:7:5: task 'hello': unknown property 'mesage' (did you mean 'message'?)``.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from hushflow.errors import FlowValidationError, Location
from hushflow.models.flow import Flow, Input, Output
from hushflow.models.registry import registry
from hushflow.models.task import TaskSpec
from hushflow.models.yaml_limits import YamlTooLarge, compose_bounded

MAX_SOURCE_BYTES = 1_000_000
Problem = tuple[Location | None, str]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader on YAML 1.2's core schema that refuses duplicate keys.

    The core schema is what Kestra's parser reads flows with: only
    ``true``/``false`` (in three casings) are booleans, so ``yes``, ``no``,
    ``on``, ``off`` and ``y`` stay strings (``id: no`` is a flow named "no");
    dates and sexagesimal numbers (``1:30``) are strings too; integers are
    decimal, ``0o`` octal or ``0x`` hexadecimal. Marks (line, column) are
    those of the same parser, so every position stays exact.
    """


#: (tag, pattern, the characters a matching scalar can start with; "" for empty).
_CORE_SCALARS: list[tuple[str, str, list[str]]] = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
]
# Drop the YAML 1.1 table SafeLoader inherits, then install the core schema's.
_UniqueKeyLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in _CORE_SCALARS:
    _UniqueKeyLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _loc(mark: Any, file: str | None) -> Location:
    return Location(mark.line + 1, mark.column + 1, file)


def load_yaml(text: str, file: str | None = None) -> tuple[Any, yaml.Node | None]:
    """Parse YAML into data and its node tree; malformed YAML is a FlowValidationError."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        raise FlowValidationError(
            [(None, f"flow source is larger than {MAX_SOURCE_BYTES} bytes")], file
        )
    try:
        node = compose_bounded(text, _UniqueKeyLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except YamlTooLarge as exc:
        loc = _loc(exc.mark, file) if exc.mark is not None else None
        raise FlowValidationError([(loc, f"YAML refused: {exc.message}")], file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        loc = _loc(mark, file) if mark is not None else None
        raise FlowValidationError([(loc, f"invalid YAML: {what}")], file) from None
    except yaml.YAMLError as exc:
        raise FlowValidationError([(None, f"invalid YAML: {exc}")], file) from None
    return data, node


def _child(node: yaml.Node | None, key: Any) -> tuple[yaml.Node | None, yaml.Node | None]:
    """(key node, value node) of ``key`` under ``node``; Nones when absent."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == key:
                return k, v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return None, node.value[key]
    return None, None


def _locate(root: yaml.Node | None, loc: tuple[Any, ...], file: str | None) -> Location | None:
    """The position of the deepest node that ``loc`` reaches (the key, for the last step)."""
    node = root
    best = root.start_mark if root is not None else None
    for step in loc:
        key_node, value_node = _child(node, step)
        if key_node is None and value_node is None:
            break
        best = (key_node or value_node).start_mark  # type: ignore[union-attr]
        node = value_node
    return _loc(best, file) if best is not None else None


def _walk(data: Any, loc: tuple[Any, ...]) -> list[Any]:
    """The data objects along ``loc`` (for finding the enclosing task)."""
    out = [data]
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            break
        out.append(data)
    return out


def _owner(data: Any, loc: tuple[Any, ...]) -> tuple[str, type[BaseModel]]:
    """Describe what the error is about ("task 'x'", "input 'y'", "flow") and its model."""
    chain = _walk(data, loc[:-1])
    for obj, i in zip(reversed(chain), range(len(chain) - 1, -1, -1), strict=False):
        if not isinstance(obj, dict):
            continue
        parent_key = loc[i - 2] if i >= 2 else None
        cls = registry.get(obj.get("type", "")) if isinstance(obj.get("type"), str) else None
        if cls is not None and "id" in obj:
            return f"task '{obj['id']}'", cls
        if parent_key == "inputs":
            return f"input '{obj.get('id', obj.get('name', '?'))}'", Input
        if parent_key == "outputs":
            return f"output '{obj.get('id', '?')}'", Output
        if i == 0:
            return "flow", Flow
    return "flow", Flow


def _names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        names.append(field.alias or name)
    return names


def _describe(err: Any, data: Any) -> str:
    loc: tuple[Any, ...] = tuple(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden" and loc:
        owner, model = _owner(data, loc)
        key = loc[-1]
        close = difflib.get_close_matches(str(key), _names(model), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{owner}: unknown property '{key}'{hint}"
    if kind.startswith("task_") or kind == "unknown_task_type":
        task = _walk(data, loc)[-1]
        name = task.get("id", "?") if isinstance(task, dict) else "?"
        return f"task '{name}': {err['msg']}"
    owner, _ = _owner(data, (*loc, "_"))
    where = ".".join(str(p) for p in loc)
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "missing":
        return f"{owner}: missing required property '{loc[-1]}'"
    if kind == "string_type" and isinstance(err.get("input"), bool):
        msg += " (YAML reads true and false as booleans: quote the value)"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "namespace":
        hint = "use dotted lower-case segments such as 'company.team'"
        return f"invalid namespace '{err['input']}': {hint}"
    return f"{owner}: {where}: {msg}" if where else f"{owner}: {msg}"


def _apply_defaults(data: Any, defaults: list[dict[str, Any]]) -> Any:
    """Fill task properties from ``pluginDefaults``; forced ones win over the task's."""
    if isinstance(data, list):
        return [_apply_defaults(item, defaults) for item in data]
    if not isinstance(data, dict):
        return data
    out = {k: _apply_defaults(v, defaults) for k, v in data.items()}
    if "id" in out and isinstance(out.get("type"), str):
        for d in defaults:
            if (
                isinstance(d, dict)
                and d.get("type") == out["type"]
                and isinstance(d.get("values"), dict)
            ):
                for key, value in d["values"].items():
                    if d.get("forced") or key not in out:
                        out[key] = value
    return out


def parse_flow(text: str, file: str | None = None) -> Flow:
    """Parse and validate a flow; every problem is reported with its position."""
    data, root = load_yaml(text, file)
    if not isinstance(data, dict):
        raise FlowValidationError(
            [
                (
                    Location(1, 1, file),
                    "a flow must be a YAML map with 'id', 'namespace' and 'tasks'",
                )
            ],
            file,
        )
    defaults = data.get("pluginDefaults") or data.get("taskDefaults") or []
    prepared = dict(data)
    for branch in ("tasks", "errors", "finally", "afterExecution"):
        if branch in prepared and isinstance(defaults, list):
            prepared[branch] = _apply_defaults(prepared[branch], defaults)
    try:
        return Flow.model_validate(prepared)
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors():
            problems.append((_locate(root, tuple(err["loc"]), file), _describe(err, data)))
        raise FlowValidationError(_dedupe(problems), file) from None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[str] = set()
    out = []
    for loc, msg in problems:
        if msg not in seen:
            seen.add(msg)
            out.append((loc, msg))
    return out


def locate(text: str, loc: tuple[Any, ...], file: str | None = None) -> Location | None:
    """Where the node at ``loc`` (e.g. ``("triggers", 0)``) stands in ``text``."""
    try:
        root = compose_bounded(text, _UniqueKeyLoader)
    except (yaml.YAMLError, YamlTooLarge):
        return None
    return _locate(root, loc, file)


def read_flow(path: str | Path) -> Flow:
    """Read and parse a flow file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FlowValidationError(
            [(None, f"cannot read flow file: {exc.strerror}")], str(path)
        ) from None
    except UnicodeDecodeError:
        raise FlowValidationError([(None, "flow file is not UTF-8 text")], str(path)) from None
    return parse_flow(text, str(path))


__all__ = ["TaskSpec", "load_yaml", "locate", "parse_flow", "read_flow"]
