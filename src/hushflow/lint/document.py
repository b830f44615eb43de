"""The linter's view of a flow: its YAML nodes, its tasks, and every string in it.

The linter reads the composed YAML tree, not the validated :class:`Flow`
model: a flow that uses a plugin hushflow does not know, or that has a typo
somewhere else, is still worth checking, and only the node tree knows where
each string stands in the file. Each string scalar becomes a :class:`Site`
that knows its task, its property path and (if it holds ``{{ }}`` or
``{% %}``) its parsed template.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from hushflow.errors import ExpressionError, FlowValidationError, Location
from hushflow.expressions import nodes as n
from hushflow.expressions.parser import parse
from hushflow.lint.source_map import LineIndex, ScalarMap
from hushflow.lint.task_kinds import Kind, kind_of
from hushflow.models.flow_source import load_yaml

try:
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

STR_TAG = "tag:yaml.org,2002:str"
#: Properties whose list items are tasks, besides the top-level branches.
TASK_SECTIONS = ("tasks", "errors", "finally", "afterExecution", "triggers")
Path = tuple[str | int, ...]


@dataclass(slots=True, eq=False)
class Task:
    """A task (or trigger) of the flow: its id, type and where it stands."""

    id: str
    type: str
    kind: Kind
    node: yaml.MappingNode
    path: Path
    parent: Task | None
    section: str

    def prop(self, name: str) -> yaml.Node | None:
        for key, value in self.node.value:
            if key.value == name and isinstance(value, yaml.Node):
                return value
        return None


@dataclass(slots=True, eq=False)
class Site:
    """One string scalar of the flow and what the linter knows about it."""

    node: yaml.ScalarNode
    path: Path
    section: str
    task: Task | None
    prop: Path
    template: n.Template | None = None
    error: ExpressionError | None = None

    @property
    def value(self) -> str:
        return str(self.node.value)

    @property
    def prop_name(self) -> str:
        return str(self.prop[0]) if self.prop else ""


@dataclass(slots=True, eq=False)
class FlowDoc:
    """A flow's source, node tree, tasks and string sites."""

    text: str
    file: str | None
    root: yaml.MappingNode
    lines: LineIndex
    flow_id: str = ""
    namespace: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    sites: list[Site] = field(default_factory=list)
    by_task: dict[int, list[Site]] = field(default_factory=dict)
    #: the sites that hold an expression (the only ones with secrets to follow)
    expressions: list[Site] = field(default_factory=list)

    def position(self, site: Site, value_offset: int | None = None) -> tuple[int, int]:
        """1-based line and column of a site (or of an offset in its value)."""
        if value_offset is None:
            mark = site.node.start_mark
            return mark.line + 1, mark.column + 1
        offset = ScalarMap(self.text, site.node).file_offset(value_offset)
        return self.lines.position(offset)

    def node_position(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def key_node(self, task: Task, name: str) -> yaml.Node | None:
        for key, _ in task.node.value:
            if key.value == name:
                return key  # type: ignore[no-any-return]
        return None

    def task_sites(self, task: Task) -> Iterator[Site]:
        return iter(self.by_task.get(id(task), ()))


def load(text: str, file: str | None = None) -> FlowDoc:
    """Compose ``text`` into a :class:`FlowDoc`; bad YAML is a positioned FlowValidationError."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        load_yaml(text, file)  # raises the usual positioned error
        raise FlowValidationError([(None, "invalid YAML")], file) from None
    if not isinstance(root, yaml.MappingNode):
        where = Location(1, 1, file)
        message = "a flow must be a YAML map with 'id', 'namespace' and 'tasks'"
        raise FlowValidationError([(where, message)], file)
    doc = FlowDoc(text, file, root, LineIndex(text))
    _Walker(doc).mapping(root, (), "", None, ())
    return doc


class _Walker:
    """Visits every node once, building tasks and sites."""

    def __init__(self, doc: FlowDoc) -> None:
        self.doc = doc

    def node(
        self, node: yaml.Node, path: Path, section: str, task: Task | None, prop: Path
    ) -> None:
        if isinstance(node, yaml.ScalarNode):
            self.scalar(node, path, section, task, prop)
        elif isinstance(node, yaml.MappingNode):
            self.mapping(node, path, section, task, prop)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.node(item, (*path, i), section, task, (*prop, i))

    def mapping(
        self, node: yaml.MappingNode, path: Path, section: str, task: Task | None, prop: Path
    ) -> None:
        found = self.as_task(node, path, section, task)
        if found is not None:
            self.doc.tasks.append(found)
            task, prop = found, ()
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen and isinstance(key, yaml.ScalarNode):
                where = Location(key.start_mark.line + 1, key.start_mark.column + 1, self.doc.file)
                raise FlowValidationError([(where, f"duplicate key '{name}'")], self.doc.file)
            seen.add(name)
            if not path:
                self.top_level(name, value)
                section = name
            self.node(value, (*path, name), section, task, (*prop, name))

    def as_task(
        self, node: yaml.MappingNode, path: Path, section: str, parent: Task | None
    ) -> Task | None:
        if not path or section not in TASK_SECTIONS or not isinstance(path[-1], int):
            return None
        fields = {k.value: v for k, v in node.value if isinstance(v, yaml.ScalarNode)}
        task_type = fields.get("type")
        task_id = fields.get("id")
        if task_type is None or task_id is None or "." not in str(task_type.value):
            return None
        type_name = str(task_type.value)
        kind = Kind.TRIGGER if section == "triggers" else kind_of(type_name)
        return Task(str(task_id.value), type_name, kind, node, path, parent, section)

    def top_level(self, name: str, value: yaml.Node) -> None:
        doc = self.doc
        if isinstance(value, yaml.ScalarNode) and name in ("id", "namespace"):
            setattr(doc, "flow_id" if name == "id" else "namespace", str(value.value))
        elif name == "labels":
            doc.labels = _labels(value)
        elif name == "inputs" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode):
                    fields = {k.value: v.value for k, v in item.value}
                    ident = fields.get("id", fields.get("name"))
                    if isinstance(ident, str):
                        kind = fields.get("type", "STRING")
                        doc.inputs[ident] = kind if isinstance(kind, str) else "STRING"

    def scalar(
        self, node: yaml.ScalarNode, path: Path, section: str, task: Task | None, prop: Path
    ) -> None:
        if node.tag != STR_TAG or not isinstance(node.value, str):
            return
        site = Site(node, path, section, task, prop)
        value = node.value
        if "{{" in value or "{%" in value:
            site.template, site.error = _parse(value)
            if site.template is not None:
                self.doc.expressions.append(site)
        self.doc.sites.append(site)
        if task is not None:
            self.doc.by_task.setdefault(id(task), []).append(site)


@lru_cache(maxsize=4096)
def _parse(value: str) -> tuple[n.Template | None, ExpressionError | None]:
    """The parsed template, cached: an editor or API re-lints the same strings again and again.

    The linter only reads the tree, never changes it, so sharing it is safe.
    """
    try:
        return parse(value), None
    except ExpressionError as exc:
        return None, exc
    except (AssertionError, IndexError, ValueError, RecursionError):
        # A parser bug (e.g. a non-ASCII letter inside {{ }} trips an assertion in
        # the lexer): the linter reports the string as unreadable instead of crashing.
        return None, ExpressionError("the expression parser failed on this text")


def _labels(node: yaml.Node) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[str(key.value)] = str(value.value) if isinstance(value, yaml.ScalarNode) else ""
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                fields = {k.value: v.value for k, v in item.value}
                out[str(fields.get("key", ""))] = str(fields.get("value", ""))
    return out
