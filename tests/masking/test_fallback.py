"""Without either C extension, the standard-library engine takes over."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_masker_works_without_hyperscan_and_pyahocorasick() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["hyperscan"] = None  # makes `import hyperscan` raise ImportError
        sys.modules["ahocorasick"] = None
        from hushflow.masking import Masker, available_engines
        masker = Masker()
        masker.add("fake-fallback-secret")
        stream = masker.stream()
        streamed = stream.feed("a fake-fallback") + stream.feed("-secret b") + stream.flush()
        print(available_engines(), masker.engine, masker.mask("x fake-fallback-secret y"), streamed)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "('regex',) regex x **** y a **** b"
