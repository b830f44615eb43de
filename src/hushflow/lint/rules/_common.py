"""Helpers the rules share: naming a trace, a site's owner, and de-duplication."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hushflow.lint.dataflow import Trace
from hushflow.lint.document import Site


def describe(trace: Trace) -> str:
    """``secret 'KEY'``, with how it got here when it came through a name."""
    if trace.via.startswith("SECRET input"):
        return f"the {trace.via}"
    name = f"secret '{trace.key}'" if trace.key is not None else "a secret"
    return f"{name} (through {trace.via})" if trace.via else name


def owner(site: Site) -> str:
    """``task 'x' (message)``, ``flow variable 'y'``, ``flow output 'z'``..."""
    prop = ".".join(str(p) for p in site.prop) or "?"
    if site.task is not None:
        return f"task '{site.task.id}' ({prop})"
    if site.section == "variables" and len(site.path) > 1:
        return f"flow variable '{site.path[1]}'"
    if site.section == "outputs":
        return "flow output"
    return ".".join(str(p) for p in site.path)


def unique(traces: Iterable[Trace]) -> Iterator[Trace]:
    """One trace per (entry position, key, via)."""
    seen: set[tuple[int, str | None, str]] = set()
    for trace in traces:
        mark = (trace.pos, trace.key, trace.via)
        if mark not in seen:
            seen.add(mark)
            yield trace
