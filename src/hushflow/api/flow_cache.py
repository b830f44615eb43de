"""Parsed flows by revision: a revision's source never changes, so it is parsed once.

Starting an execution needs the parsed flow; validating YAML into the models
costs more than the rest of a start, and busy flows are started again and
again. Keyed by (namespace, id, revision) plus the source's hash, bounded.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from hushflow.models.flow import Flow
from hushflow.models.flow_source import parse_flow
from hushflow.storage.repository import StoredFlow

SIZE = 256
_cache: OrderedDict[tuple[str, str, int, str], Flow] = OrderedDict()
_lock = threading.Lock()


def parsed_flow(stored: StoredFlow) -> Flow:
    """The flow of a stored revision (a copy the caller may not change is shared)."""
    digest = hashlib.sha256(stored.source.encode()).hexdigest()
    key = (stored.namespace, stored.id, stored.revision, digest)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    flow = parse_flow(stored.source, f"{stored.namespace}.{stored.id}")
    with _lock:
        _cache[key] = flow
        while len(_cache) > SIZE:
            _cache.popitem(last=False)
    return flow
