"""Task types come from the ``hushflow.tasks`` entry points; built-ins and plugins alike."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from hushflow.errors import ConfigError
from hushflow.models.registry import TaskRegistry
from hushflow.tasks.core import Log, Return


def install_plugin(root: Path, name: str, type_name: str) -> None:
    """A real distribution on sys.path: a module and an entry point naming its task list."""
    (root / f"{name}.py").write_text(
        textwrap.dedent(
            f"""
            from typing import ClassVar
            from hushflow.tasks.context import Runnable

            class Hello(Runnable):
                type_names: ClassVar[tuple[str, ...]] = ({type_name!r},)
                who: str

                def run(self, ctx):
                    return {{"greeting": "hi " + ctx.render_text(self.who)}}

            TASK_TYPES = [Hello]
            """
        )
    )
    dist = root / f"{name}-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[hushflow.tasks]\n{name} = {name}:TASK_TYPES\n")


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for mod in [m for m in sys.modules if m.startswith("hfplug")]:
        del sys.modules[mod]


def test_built_in_types_are_registered_through_the_entry_point() -> None:
    registry = TaskRegistry()
    assert registry.get("io.kestra.plugin.core.log.Log") is Log
    assert registry.get("io.kestra.core.tasks.debugs.Return") is Return  # an old alias
    assert "io.kestra.plugin.core.flow.ForEach" in registry.names()


def test_a_third_party_package_adds_a_type(plugin_path: Path) -> None:
    install_plugin(plugin_path, "hfplug_hello", "com.example.Hello")
    registry = TaskRegistry()
    cls = registry.get("com.example.Hello")
    assert cls is not None and cls.__name__ == "Hello"


def test_a_type_name_claimed_twice_stops_start_up_clearly(plugin_path: Path) -> None:
    install_plugin(plugin_path, "hfplug_clash", "io.kestra.plugin.core.log.Log")
    with pytest.raises(ConfigError, match="registered twice"):
        TaskRegistry().get("io.kestra.plugin.core.log.Log")
