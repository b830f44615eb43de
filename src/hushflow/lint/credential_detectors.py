"""Literal credentials in text, with the maintained ``detect-secrets`` detectors.

The pattern detectors (AWS, GitHub, Slack, Stripe, private keys, JWTs...) and
the entropy measure come from ``detect-secrets``; this module only makes them
fast enough to run on every string of every flow: each pattern detector's own
regular expressions pre-screen a line, and only a line that matches goes
through the detector (and its false-positive filters). Entropy is measured on
the long word-like runs of a line, as ``detect-secrets`` does for quoted
strings (a YAML value has no quotes to find).

A :class:`Detection` says what was found and where, never the text itself:
callers print the kind and the length only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.filters.heuristic import (
    is_potential_uuid,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin

#: Detectors left out: keywords are judged from property names instead, and
#: an IP address is not a credential.
SKIPPED = frozenset({"Secret Keyword", "Public IP (ipv4)"})
ENTROPY_MIN_LENGTH = 20
#: Every detector needs at least this long a run without spaces (a key, a URL with a password).
_LONG_WORD = re.compile(r"\S{10,}")
#: A hex string counts only on a line that says it is a key (a digest or a commit id is not).
HEX = "Hex High Entropy String"
_KEYWORD = re.compile(r"(?i)key|token|secret|passw|pwd|auth|credential")
_RUN = re.compile(rf"[A-Za-z0-9+/=_\-]{{{ENTROPY_MIN_LENGTH},}}")


@dataclass(frozen=True, slots=True)
class Detection:
    """A credential-looking piece of a text: its kind, offset and length (never its value)."""

    kind: str
    start: int
    length: int
    entropy_only: bool = False


@cache
def _plugins() -> tuple[list[RegexBasedDetector], list[HighEntropyStringsPlugin]]:
    patterns: list[RegexBasedDetector] = []
    entropy: list[HighEntropyStringsPlugin] = []
    mapping: Mapping[str, type[BasePlugin]] = get_mapping_from_secret_type_to_class()
    for kind, cls in mapping.items():
        if kind in SKIPPED:
            continue
        plugin: BasePlugin = cls()
        if isinstance(plugin, HighEntropyStringsPlugin):
            entropy.append(plugin)
        elif isinstance(plugin, RegexBasedDetector):
            patterns.append(plugin)
    return patterns, entropy


def _patterns(line: str, base: int) -> list[Detection]:
    found: list[Detection] = []
    for plugin in _plugins()[0]:
        match = next((m for r in plugin.denylist if (m := r.search(line))), None)
        if match is None:
            continue
        if any(True for _ in plugin.analyze_line(filename="flow.yml", line=line, line_number=1)):
            found.append(Detection(plugin.secret_type, base + match.start(), len(match.group())))
    return found


def _entropy(line: str, base: int) -> list[Detection]:
    found: list[Detection] = []
    keyword = _KEYWORD.search(line) is not None
    for match in _RUN.finditer(line):
        word = match.group().strip("=")
        if is_sequential_string(word) or is_potential_uuid(word) or is_templated_secret(word):
            continue
        for plugin in _plugins()[1]:
            if plugin.secret_type == HEX and not keyword:
                continue  # digests, commit ids and checksums are hex too
            if set(word) <= set(plugin.charset) and (
                plugin.calculate_shannon_entropy(word) > plugin.entropy_limit
            ):
                kind = plugin.secret_type
                found.append(Detection(kind, base + match.start(), len(word), entropy_only=True))
                break
    return found


def detect(text: str) -> list[Detection]:
    """Credential-looking pieces of ``text`` by line; a pattern hit hides entropy hits."""
    found: list[Detection] = []
    base = 0
    for line in text.split("\n"):
        hits = _patterns(line, base) if _LONG_WORD.search(line) else []
        if not hits:
            hits = _entropy(line, base)
        found.extend(hits)
        base += len(line) + 1
    return found
