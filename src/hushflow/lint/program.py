"""Secrets across a whole flow: variables, task outputs and loop values first, then every string.

A template can only see a secret through names (``vars.x``, ``outputs.t.value``,
``taskrun.value``), so the flow is analysed in two passes: one that finds
which of those names carry secrets (a fixpoint over flow variables, which may
refer to each other; task outputs in document order), and one that walks
every string with that knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass

from hushflow.lint.dataflow import Env, Facts, Trace, analyze
from hushflow.lint.document import FlowDoc, Site
from hushflow.lint.task_kinds import OUTPUTS, Kind

MAX_VARIABLE_ROUNDS = 5
_EMPTY = Facts()


@dataclass(slots=True)
class Analysis:
    """The facts of every site of a flow, and the environment they were computed in."""

    doc: FlowDoc
    env: Env
    facts: dict[int, Facts]

    def of(self, site: Site) -> Facts:
        return self.facts.get(id(site), _EMPTY)


def _printed(site: Site, env: Env) -> tuple[Trace, ...]:
    return tuple(analyze(site.template, env).printed) if site.template is not None else ()


def _variables(doc: FlowDoc, env: Env) -> None:
    by_name: dict[str, list[Site]] = {}
    for site in doc.sites:
        if site.section == "variables" and len(site.path) > 1:
            by_name.setdefault(str(site.path[1]), []).append(site)
    for _ in range(MAX_VARIABLE_ROUNDS):
        changed = False
        for name, sites in by_name.items():
            traces = tuple(t for s in sites for t in _printed(s, env))
            if len(traces) != len(env.variables.get(name, ())):
                changed = True
            env.variables[name] = traces
        if not changed:
            return


def _outputs(doc: FlowDoc, env: Env) -> None:
    for task in doc.tasks:
        props = OUTPUTS.get(task.kind)
        loop = task.kind is Kind.FOREACH
        if props is None and not loop:
            continue
        for site in doc.task_sites(task):
            if loop and site.prop_name in ("values", "items"):
                env.taskrun_value += _printed(site, env)
            elif props is not None and site.prop_name in props:
                name = "value" if task.kind is Kind.RETURN else "values"
                outs = env.outputs.setdefault(task.id, {})
                outs[name] = outs.get(name, ()) + _printed(site, env)


def analyze_flow(doc: FlowDoc) -> Analysis:
    """Build the environment of secret-carrying names, then the facts of every site."""
    secret_inputs = frozenset(k for k, kind in doc.inputs.items() if kind == "SECRET")
    env = Env(secret_inputs=secret_inputs)
    _variables(doc, env)
    _outputs(doc, env)
    facts = {id(s): analyze(s.template, env) for s in doc.sites if s.template is not None}
    return Analysis(doc, env, facts)
