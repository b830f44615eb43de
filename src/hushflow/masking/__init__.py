"""hushflow.masking: the last thing between a secret and a log line.

Register each secret value with a :class:`Masker`; it also registers the
forms in which the value shows up in real logs (base64 in every alignment,
percent-encoding under common safe sets, JSON, shell and HTML escaping, once
or twice, hex, ``od -c`` dumps, each line of a multi-line value, each leaf of
a JSON secret) and replaces any of them, in any ASCII letter case, with one
token, in whole strings (:meth:`Masker.mask`), in streams split anywhere
(:meth:`Masker.stream`) and in JSON-like data (:meth:`Masker.mask_value`).

Matching runs on hyperscan (a SIMD multi-literal matcher shipped in its
wheel) when it is installed, starting small or fresh segments on
pyahocorasick, which builds faster, while hyperscan compiles in a background
thread; without either C extension it falls back to the standard library's
``re``. ``bench/bench_masking.py`` has the numbers.

A leaf package: no I/O, nothing of hushflow imported.
"""

from hushflow.masking._scanners import available_engines
from hushflow.masking.masker import MASK_TOKEN, MASKING_FAILED, Masker
from hushflow.masking.stream import MaskStream
from hushflow.masking.structured import DEFAULT_SENSITIVE_KEYS, SensitiveKeys

__all__ = [
    "DEFAULT_SENSITIVE_KEYS",
    "MASKING_FAILED",
    "MASK_TOKEN",
    "MaskStream",
    "Masker",
    "SensitiveKeys",
    "available_engines",
]
