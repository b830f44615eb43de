"""Namespaces: the list and the tree, from flows, secrets and role bindings.

A caller sees the namespaces its grants reach (NAMESPACE VIEW), and the
parents of those, so the tree has a path down to them.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hushflow.api.openapi import errors
from hushflow.api.security import CurrentPrincipal, ServicesDep
from hushflow.api.services import Services
from hushflow.auth.authorize import authorize
from hushflow.auth.permissions import Action, Principal, Resource
from hushflow.errors import NotFound
from hushflow.secrets.keys import check_namespace
from hushflow.storage import search

router = APIRouter(tags=["Namespaces"])


class NamespaceItem(BaseModel):
    id: str
    deleted: bool = False


class NamespacePage(BaseModel):
    results: list[NamespaceItem]
    total: int


class TreeNode(BaseModel):
    id: str
    name: str
    children: list[TreeNode] = []


def _with_parents(names: set[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        parts = name.split(".")
        out.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def known_namespaces(svc: Services) -> set[str]:
    """Every namespace something lives in, and their parents."""
    found = set(search.namespaces_of_flows(svc.database))
    found |= set(search.namespaces_of_secrets(svc.database))
    found |= set(search.namespaces_of_bindings(svc.database))
    return _with_parents(found)


def visible(principal: Principal, names: set[str]) -> list[str]:
    """The namespaces the caller may view, and the parents leading to them."""
    roots = principal.visible_namespace_roots(Resource.NAMESPACE, Action.VIEW)
    if roots is None:
        return sorted(names)
    seen = {n for n in names if any(n == r or n.startswith(r + ".") for r in roots)}
    seen |= _with_parents(set(roots))
    return sorted(seen)


@router.get("/namespaces/search", response_model=NamespacePage, responses=errors(401, 422))
def search_namespaces(
    principal: CurrentPrincipal, svc: ServicesDep, q: str | None = None
) -> NamespacePage:
    """Namespaces the caller may see, optionally containing ``q``."""
    names = visible(principal, known_namespaces(svc))
    if q:
        names = [n for n in names if q.lower() in n.lower()]
    return NamespacePage(results=[NamespaceItem(id=n) for n in names], total=len(names))


@router.get("/namespaces/tree", response_model=list[TreeNode], responses=errors(401, 422))
def namespace_tree(principal: CurrentPrincipal, svc: ServicesDep) -> list[TreeNode]:
    """The visible namespaces as a tree (roots first, children sorted)."""
    nodes: dict[str, TreeNode] = {}
    roots: list[TreeNode] = []
    for name in visible(principal, known_namespaces(svc)):
        node = TreeNode(id=name, name=name.rsplit(".", 1)[-1])
        nodes[name] = node
        parent = nodes.get(name.rsplit(".", 1)[0]) if "." in name else None
        (parent.children if parent is not None else roots).append(node)
    return roots


@router.get(
    "/namespaces/{namespace}", response_model=NamespaceItem, responses=errors(401, 404, 422)
)
def get_namespace(namespace: str, principal: CurrentPrincipal, svc: ServicesDep) -> NamespaceItem:
    """One namespace, if something lives in it and the caller may view it."""
    check_namespace(namespace)
    authorize(principal, Resource.NAMESPACE, Action.VIEW, namespace, hide=True)
    if namespace not in known_namespaces(svc):
        raise NotFound(f"namespace '{namespace}' not found")
    return NamespaceItem(id=namespace)
