"""Secret backends by type name: built-ins and plugins through entry points."""

from __future__ import annotations

import base64
import textwrap
import uuid
from pathlib import Path

import pytest
from secret_helpers import Bao, fake_value

from hushflow.errors import ConfigError, SecretNotFound
from hushflow.secrets import SecretManager
from hushflow.secrets.backends import build, factories


def install_plugin(root: Path, name: str, module: str, body: str) -> None:
    """A real installed distribution (dist-info on sys.path) with one backend entry point."""
    (root / f"{module}.py").write_text(textwrap.dedent(body))
    info = root / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        f"[hushflow.secret_backends]\n{name} = {module}:factory\n"
    )


PLUGIN = """
    import base64
    from hushflow.secrets.environment import EnvironmentStore

    def factory(options, env):
        values = {f"SECRET_{k}": base64.b64encode(v.encode()).decode()
                  for k, v in options["values"].items()}
        return EnvironmentStore(values)
"""


def write_yaml(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "hushflow.yml").write_text(textwrap.dedent(text))


def test_a_plugin_backend_serves_its_subtree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"hf_plugin_{uuid.uuid4().hex[:8]}"
    (tmp_path / "site").mkdir()
    install_plugin(tmp_path / "site", "static", module, PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    value = fake_value()
    home = tmp_path / "home"
    write_yaml(
        home,
        f"""
        secrets:
          backends:
            - type: static
              namespaces: [legacy]
              values: {{LEGACY_TOKEN: "{value}"}}
        """,
    )
    mgr = SecretManager.from_env(None, {"HUSHFLOW_HOME": str(home)})
    assert mgr.resolve("legacy.app", "LEGACY_TOKEN") == value
    with pytest.raises(SecretNotFound, match="Cannot find secret for key 'LEGACY_TOKEN'"):
        mgr.resolve("other", "LEGACY_TOKEN")


def test_a_duplicate_type_name_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "site").mkdir()
    install_plugin(tmp_path / "site", "vault", f"hf_dup_{uuid.uuid4().hex[:8]}", PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    with pytest.raises(ConfigError, match="'vault' is registered twice"):
        factories()


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown secret backend type 'nope' \(known: .*vault"):
        build("nope", {}, {})


def test_backend_without_type_is_a_config_error(tmp_path: Path) -> None:
    write_yaml(tmp_path, "secrets:\n  backends:\n    - namespaces: [a]\n")
    with pytest.raises(ConfigError, match="needs a 'type'"):
        SecretManager.from_env(None, {"HUSHFLOW_HOME": str(tmp_path)})


@pytest.mark.openbao
def test_openbao_through_the_backends_list(bao: Bao, tmp_path: Path) -> None:
    write_yaml(
        tmp_path,
        f"""
        secrets:
          backends:
            - type: openbao
              url: {bao.url}
              token_env: TEST_BAO_TOKEN
              path_prefix: t-{uuid.uuid4().hex[:8]}
              namespaces: [company.payments]
        """,
    )
    env = {"HUSHFLOW_HOME": str(tmp_path), "TEST_BAO_TOKEN": bao.token}
    mgr = SecretManager.from_env(None, env)
    value = fake_value()
    mgr.set("company.payments", "K", value, actor="a")
    assert mgr.resolve("company.payments.eu", "K") == value
    assert mgr.mounts[0].store.name.startswith("vault:secret/")


def test_environment_secrets_stay_visible_with_plugins(tmp_path: Path) -> None:
    value = fake_value()
    env = {"HUSHFLOW_HOME": str(tmp_path), "SECRET_K": base64.b64encode(value.encode()).decode()}
    assert SecretManager.from_env(None, env).resolve("any", "K") == value
