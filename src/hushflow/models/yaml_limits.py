"""Bounds on YAML documents, checked on the node tree before anything is built from it.

A few hundred bytes of YAML can stand for billions of values: each alias
(``*a``) repeats a whole subtree, and aliases of aliases multiply ("billion
laughs"). PyYAML builds such a document cheaply (aliases become shared
objects), but everything that walks it afterwards (validation, rendering,
JSON) expands it. So the size a document *expands to* is counted on the node
graph, each distinct node once (memoised), before any of that runs. Nesting is
bounded too: PyYAML's composer recurses once per level, so a document of
thousands of ``[`` would otherwise end in a ``RecursionError``.
"""

from __future__ import annotations

import yaml

#: The most values (scalars, lists, maps) a document may expand to, aliases counted in full.
MAX_NODES = 200_000
#: The deepest nesting of lists and maps.
MAX_DEPTH = 64


class YamlTooLarge(ValueError):
    """Why a document is refused, and the node where it was seen."""

    def __init__(self, message: str, mark: yaml.Mark | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


def check(root: yaml.Node | None) -> None:
    """Raise :class:`YamlTooLarge` when ``root`` expands past the bounds (or refers to itself)."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    _size(root, sizes, set(), 0)


def _size(node: yaml.Node, sizes: dict[int, int], open_: set[int], depth: int) -> int:
    key = id(node)
    known = sizes.get(key)
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        raise YamlTooLarge(f"nested more than {MAX_DEPTH} levels deep", node.start_mark)
    if key in open_:
        raise YamlTooLarge("an alias refers to the node that contains it", node.start_mark)
    total = 1
    if isinstance(node, yaml.CollectionNode):
        open_.add(key)
        for child in _children(node):
            total += _size(child, sizes, open_, depth + 1)
            if total > MAX_NODES:
                raise YamlTooLarge(
                    f"expands to more than {MAX_NODES:,} values (aliases repeat what they "
                    "name; is this an alias bomb?)",
                    node.start_mark,
                )
        open_.discard(key)
    sizes[key] = total
    return total


def _children(node: yaml.CollectionNode) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def compose_bounded(text: str, loader: type[yaml.SafeLoader]) -> yaml.Node | None:
    """Compose ``text`` and check it; deep nesting is a :class:`YamlTooLarge`, not a crash."""
    try:
        root = yaml.compose(text, Loader=loader)
    except RecursionError:
        raise YamlTooLarge(f"nested more than {MAX_DEPTH} levels deep") from None
    check(root)
    return root


def safe_load_bounded(text: str) -> object:
    """``yaml.safe_load`` within the same bounds (for inputs and expressions)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        check(root)
        return None if root is None else loader.construct_document(root)
    except RecursionError:
        raise YamlTooLarge(f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()
