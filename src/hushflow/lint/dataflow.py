"""Where secrets go inside one template: a static walk over the expression AST.

This is the engine's taint tracking done before the flow runs. The walk gives
each expression node the set of :class:`Trace` values it may carry: a trace
starts at a ``secret()`` call, a ``SECRET`` input, or a flow variable or task
output that already carries one, and records the filters, operators and
accesses applied to it on the way (:class:`Step`). What reaches the printed
output, what feeds a condition, and which whole maps (``inputs``, ``vars``)
are printed are collected in :class:`Facts`, which the rules read.

Offsets are positions in the site's value (``node.pos`` from the parser);
:mod:`hushflow.lint.source_map` turns them into file lines and columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hushflow.expressions import nodes as n

#: Comparisons and tests: the result is a bit about the secret, not the secret.
COMPARISONS = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "equals", "contains", "in", "not in", "and", "or"}
)
WHOLE_MAPS = ("inputs", "vars", "outputs")


@dataclass(frozen=True, slots=True)
class Step:
    """One operation applied to a secret-derived value: a filter, ``~``, an access..."""

    kind: str  # filter | function | concat | operator | access | compare | test | loop
    name: str
    pos: int
    arg: str | None = None  # a literal first argument (``jq('.token')``), or the accessed key


@dataclass(frozen=True, slots=True)
class Trace:
    """A secret-derived value: which secret, how it entered this template, what was done to it."""

    key: str | None  # the literal key of secret('KEY'), else None
    pos: int  # where it enters this template: the secret( call, or the vars./inputs. reference
    via: str = ""  # "" for a direct call, else "flow variable 'x'", "SECRET input 'y'"...
    steps: tuple[Step, ...] = ()
    subkey: bool = False

    def then(self, step: Step) -> Trace:
        return Trace(self.key, self.pos, self.via, (*self.steps, step), self.subkey)

    def entering(self, via: str, pos: int) -> Trace:
        """The same secret seen from another template, through ``via``."""
        return Trace(self.key, pos, via, (), self.subkey)

    @property
    def direct(self) -> bool:
        return not self.via


@dataclass(slots=True)
class Env:
    """What names carry secrets when a template is rendered."""

    variables: dict[str, tuple[Trace, ...]] = field(default_factory=dict)
    secret_inputs: frozenset[str] = frozenset()
    #: task id -> output name ("*" for any) -> traces
    outputs: dict[str, dict[str, tuple[Trace, ...]]] = field(default_factory=dict)
    taskrun_value: tuple[Trace, ...] = ()


@dataclass(slots=True)
class Facts:
    """What one template does with secrets."""

    printed: list[Trace] = field(default_factory=list)
    conditions: list[Trace] = field(default_factory=list)
    #: every trace met anywhere (filters applied on the way are reported from here)
    seen: list[Trace] = field(default_factory=list)
    #: whole maps printed: ("inputs" | "vars" | "outputs" | "render(vars)", pos)
    whole: list[tuple[str, int]] = field(default_factory=list)
    #: every secret() call: (literal key or None, pos)
    calls: list[tuple[str | None, int]] = field(default_factory=list)


class Analyzer:
    """Walks one template; :func:`analyze` is the entry point."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.facts = Facts()
        self.locals: dict[str, tuple[Trace, ...]] = {}

    # statements

    def body(self, nodes: list[n.Node]) -> list[Trace]:
        out: list[Trace] = []
        for node in nodes:
            out.extend(self.statement(node))
        return out

    def statement(self, node: n.Node) -> list[Trace]:
        if isinstance(node, n.Print):
            return list(self.expr(node.expr))
        if isinstance(node, n.If):
            out: list[Trace] = []
            for cond, body, _ in node.branches:
                self.condition(cond)
                out.extend(self.body(body))
            return out + self.body(node.otherwise)
        if isinstance(node, n.For):
            return self.loop(node)
        if isinstance(node, n.Set):
            self.locals[node.name] = tuple(
                t.then(Step("variable", node.name, node.pos)) for t in self.expr(node.expr)
            )
            return []
        if isinstance(node, n.FilterBlock):
            inner = self.body(node.body)
            for f in node.filters:
                inner = [t.then(Step("filter", f.name, f.pos, _first_arg(f))) for t in inner]
            return inner
        if isinstance(node, n.Macro):
            saved = dict(self.locals)
            self.body(node.body)
            self.locals = saved
        return []

    def loop(self, node: n.For) -> list[Trace]:
        items = tuple(
            t.then(Step("loop", node.targets[-1], node.pos)) for t in self.expr(node.iterable)
        )
        for target in node.targets:
            self.locals[target] = items
        return self.body(node.body) + self.body(node.otherwise)

    def condition(self, node: n.Node) -> None:
        self.facts.conditions.extend(self.expr(node))

    # expressions

    def expr(self, node: n.Node) -> tuple[Trace, ...]:
        traces = self._expr(node)
        self.facts.seen.extend(traces)
        return traces

    def _expr(self, node: n.Node) -> tuple[Trace, ...]:
        if isinstance(node, n.Call):
            return self.call(node)
        if isinstance(node, n.FilterCall):
            return self.filter(node)
        if isinstance(node, n.GetItem):
            return self.get_item(node)
        if isinstance(node, n.Name):
            return self.name(node)
        if isinstance(node, n.Binary):
            return self.binary(node)
        if isinstance(node, n.Unary):
            return tuple(
                t.then(Step("operator", node.op, node.pos)) for t in self.expr(node.operand)
            )
        if isinstance(node, n.Ternary):
            self.condition(node.cond)
            return self.expr(node.then) + self.expr(node.otherwise)
        if isinstance(node, n.TestCall):
            found = self.expr(node.value) + self.args(node.args)
            return tuple(t.then(Step("test", node.name, node.pos)) for t in found)
        if isinstance(node, n.ListLit):
            return self.args(node.items)
        if isinstance(node, n.MapLit):
            return self.args([v for pair in node.pairs for v in pair])
        return ()

    def args(self, nodes: list[n.Node] | dict[str, n.Node]) -> tuple[Trace, ...]:
        items = nodes.values() if isinstance(nodes, dict) else nodes
        out: tuple[Trace, ...] = ()
        for item in items:
            out += self.expr(item)
        return out

    def call(self, node: n.Call) -> tuple[Trace, ...]:
        inner = self.args(node.args) + self.args(node.kwargs)
        if node.name == "secret":
            key = _literal(node.args[0] if node.args else node.kwargs.get("key"))
            self.facts.calls.append((key, node.pos))
            return (Trace(key, node.pos, subkey="subkey" in node.kwargs or len(node.args) > 2),)
        if node.name in ("render", "renderOnce") and node.args:
            target = node.args[0]
            if isinstance(target, n.Name) and target.name in WHOLE_MAPS and self.holds(target.name):
                self.facts.whole.append((f"render({target.name})", node.pos))
        return tuple(t.then(Step("function", node.name, node.pos)) for t in inner)

    def filter(self, node: n.FilterCall) -> tuple[Trace, ...]:
        step = Step("filter", node.name, node.pos, _first_arg(node))
        value = tuple(t.then(step) for t in self.expr(node.value))
        return value + self.args(node.args) + self.args(node.kwargs)

    def binary(self, node: n.Binary) -> tuple[Trace, ...]:
        found = self.expr(node.left) + self.expr(node.right)
        if node.op == "~":
            kind = "concat"
        elif node.op in COMPARISONS:
            kind = "compare"
        elif node.op in ("??", "???"):
            return found
        else:
            kind = "operator"
        return tuple(t.then(Step(kind, node.op, node.pos)) for t in found)

    def name(self, node: n.Name) -> tuple[Trace, ...]:
        if node.name in self.locals:
            return self.locals[node.name]
        if node.name in WHOLE_MAPS and self.holds(node.name):
            self.facts.whole.append((node.name, node.pos))
            return self.whole_map(node.name, node.pos)
        return ()

    def holds(self, name: str) -> bool:
        env = self.env
        if name == "inputs":
            return bool(env.secret_inputs)
        if name == "vars":
            return any(env.variables.values())
        return any(any(o.values()) for o in env.outputs.values())

    def whole_map(self, name: str, pos: int) -> tuple[Trace, ...]:
        env = self.env
        if name == "inputs":
            return tuple(Trace(None, pos, f"SECRET input '{i}'") for i in sorted(env.secret_inputs))
        if name == "vars":
            return tuple(
                t.entering(f"flow variable '{k}'", pos)
                for k, ts in env.variables.items()
                for t in ts
            )
        return tuple(
            t.entering(f"output of task '{task}'", pos)
            for task, outs in env.outputs.items()
            for ts in outs.values()
            for t in ts
        )

    def get_item(self, node: n.GetItem) -> tuple[Trace, ...]:
        ref = self.reference(node)
        if ref is not None:
            return ref
        raw = node.key.value if isinstance(node.key, n.Literal) else None
        kind = "index" if isinstance(raw, int) and not isinstance(raw, bool) else "field"
        step = Step("access", kind, node.key.pos, _literal(node.key))
        inner = self.expr(node.obj) + self.expr(node.key)
        return tuple(t.then(step) for t in inner)

    def reference(self, node: n.GetItem) -> tuple[Trace, ...] | None:
        """``vars.x``, ``inputs.x``, ``outputs.t.k``, ``taskrun.value``; None for anything else."""
        chain = _chain(node)
        if chain is None:
            return None
        root, keys = chain
        env, pos = self.env, node.pos
        if root in self.locals:
            return None
        if root == "vars" and keys:
            return tuple(
                t.entering(f"flow variable '{keys[0]}'", pos)
                for t in env.variables.get(keys[0], ())
            )
        if root == "inputs" and keys:
            secret = keys[0] in env.secret_inputs
            return (Trace(None, pos, f"SECRET input '{keys[0]}'"),) if secret else ()
        if root == "outputs" and keys:
            outs = env.outputs.get(keys[0], {})
            found = outs.get(keys[1], ()) if len(keys) > 1 else ()
            found = found + outs.get("*", ())
            return tuple(t.entering(f"output of task '{keys[0]}'", pos) for t in found)
        if root in ("taskrun", "parent") and "value" in keys:
            return tuple(t.entering("the loop value", pos) for t in env.taskrun_value)
        return None


def _chain(node: n.Node) -> tuple[str, list[str]] | None:
    """``a.b['c'].d`` as ("a", ["b", "c", "d"]) when every key is a literal."""
    keys: list[str] = []
    while isinstance(node, n.GetItem):
        key = _literal(node.key)
        if key is None:
            return None
        keys.append(str(key))
        node = node.obj
    if not isinstance(node, n.Name):
        return None
    return node.name, keys[::-1]


def _literal(node: n.Node | None) -> str | None:
    if (
        isinstance(node, n.Literal)
        and isinstance(node.value, str | int)
        and not isinstance(node.value, bool)
    ):
        return node.value if isinstance(node.value, str) else str(node.value)
    return None


def _first_arg(node: n.FilterCall) -> str | None:
    return _literal(node.args[0]) if node.args else None


def analyze(template: n.Template, env: Env) -> Facts:
    """The :class:`Facts` of one parsed template under ``env``."""
    analyzer = Analyzer(env)
    analyzer.facts.printed = analyzer.body(template.body)
    return analyzer.facts
