"""AuthService over SQLite and PostgreSQL: users, tokens, sessions, roles, bindings, bootstrap."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import update

from hushflow.auth import Action, Resource, authorize
from hushflow.auth.errors import Conflict, Unauthenticated
from hushflow.auth.records import SubjectType
from hushflow.auth.service import AuthService
from hushflow.errors import AccessDenied, ConfigError, InputError, NotFound
from hushflow.storage.auth_tables import auth_api_tokens


def _password() -> str:
    return "pw-" + secrets.token_hex(12)


def test_a_token_resolves_to_its_user_with_the_grants_of_its_bindings(auth: AuthService) -> None:
    auth.create_user("alice")
    auth.bind(SubjectType.USER, "alice", "developer", "company.team")
    issued = auth.create_token(SubjectType.USER, "alice", "ci")
    assert issued.value.startswith("hf_") and len(issued.value) == 46
    assert issued.info.prefix == issued.value[:8]

    principal = auth.principal_for_token(issued.value)
    assert principal is not None and principal.name == "alice" and principal.kind == "USER"
    assert principal.can(Resource.SECRET, Action.CREATE, "company.team.etl")
    assert not principal.can(Resource.SECRET, Action.CREATE, "company.teamb")
    assert not principal.can(Resource.FLOW, Action.VIEW, "company")
    assert not principal.can(Resource.USER, Action.LIST)


def test_group_bindings_reach_members_only(auth: AuthService) -> None:
    auth.create_user("bob")
    auth.create_user("carol")
    auth.directory.create_group("ops")
    auth.directory.add_member("ops", "bob")
    auth.bind(SubjectType.GROUP, "ops", "viewer", "company")
    bob = auth.principal_for_user("bob")
    carol = auth.principal_for_user("carol")
    assert bob is not None and carol is not None
    assert bob.groups == ("ops",)
    assert bob.can(Resource.FLOW, Action.VIEW, "company.x")
    assert not carol.can(Resource.FLOW, Action.VIEW, "company.x")
    auth.directory.remove_member("ops", "bob")
    again = auth.principal_for_user("bob")
    assert again is not None and not again.can(Resource.FLOW, Action.VIEW, "company.x")


def test_instance_wide_admin_may_administer_a_namespaced_admin_may_not(auth: AuthService) -> None:
    auth.create_user("root")
    auth.create_user("teamadmin")
    auth.bind(SubjectType.USER, "root", "admin", None)
    auth.bind(SubjectType.USER, "teamadmin", "admin", "company.team")
    root, team = auth.principal_for_user("root"), auth.principal_for_user("teamadmin")
    assert root is not None and team is not None
    authorize(root, Resource.USER, Action.CREATE)
    with pytest.raises(AccessDenied):
        authorize(team, Resource.USER, Action.CREATE)
    authorize(team, Resource.SECRET, Action.UPDATE, "company.team.x")


def test_service_account_tokens(auth: AuthService) -> None:
    auth.create_service_account("deployer", "CI deploys")
    auth.bind(SubjectType.SERVICE_ACCOUNT, "deployer", "editor", "company")
    issued = auth.create_token(SubjectType.SERVICE_ACCOUNT, "deployer", "gh")
    principal = auth.principal_for_token(issued.value)
    assert principal is not None and principal.kind == "SERVICE_ACCOUNT"
    assert principal.can(Resource.FLOW, Action.CREATE, "company.a")
    assert not principal.can(Resource.SECRET, Action.LIST, "company.a")
    auth.delete_service_account("deployer")
    assert auth.principal_for_token(issued.value) is None
    assert auth.roles.bindings(SubjectType.SERVICE_ACCOUNT) == []


def test_revoked_expired_unknown_and_disabled_tokens_resolve_to_nobody(auth: AuthService) -> None:
    auth.create_user("dave")
    live = auth.create_token(SubjectType.USER, "dave", "live")
    revoked = auth.create_token(SubjectType.USER, "dave", "old")
    auth.revoke_token(revoked.info.id)
    expiring = auth.create_token(SubjectType.USER, "dave", "short", max_age=timedelta(hours=1))
    with auth.engine.begin() as conn:  # move its expiry into the past
        conn.execute(
            update(auth_api_tokens)
            .where(auth_api_tokens.c.id == expiring.info.id)
            .values(expires=expiring.info.created - timedelta(seconds=1))
        )
    assert auth.principal_for_token(live.value) is not None
    assert auth.principal_for_token(revoked.value) is None
    assert auth.principal_for_token(expiring.value) is None
    assert auth.principal_for_token("hf_" + secrets.token_urlsafe(32)) is None
    assert auth.principal_for_token(live.value[:-1]) is None
    auth.set_disabled("dave")
    assert auth.principal_for_token(live.value) is None
    auth.set_disabled("dave", False)
    assert auth.principal_for_token(live.value) is not None


def test_last_used_is_recorded(auth: AuthService) -> None:
    auth.create_user("erin")
    issued = auth.create_token(SubjectType.USER, "erin", "t")
    assert auth.tokens.get(issued.info.id).last_used is None
    auth.principal_for_token(issued.value)
    used = auth.tokens.get(issued.info.id).last_used
    assert used is not None and used >= issued.info.created


def test_sign_in_sessions_and_csrf(auth: AuthService) -> None:
    password = _password()
    auth.create_user("frank", password)
    auth.bind(SubjectType.USER, "frank", "viewer", None)
    with pytest.raises(Unauthenticated, match="wrong username or password"):
        auth.sign_in("frank", password + "x")
    with pytest.raises(Unauthenticated, match="wrong username or password"):
        auth.sign_in("nobody", password)
    session = auth.sign_in("frank", password)
    principal = auth.principal_for_session(session.session_id)
    assert principal is not None and principal.name == "frank"
    assert auth.check_csrf(session.session_id, session.csrf_token)
    last = session.csrf_token[-1]
    tampered = session.csrf_token[:-1] + ("B" if last == "A" else "A")  # always a change
    assert not auth.check_csrf(session.session_id, tampered)
    assert not auth.check_csrf(session.session_id, None)
    other = auth.sign_in("frank", password)
    assert other.csrf_token != session.csrf_token
    assert session.session_id not in repr(session) and session.csrf_token not in repr(session)
    auth.sign_out(session.session_id)
    assert auth.principal_for_session(session.session_id) is None
    assert auth.principal_for_session(other.session_id) is not None
    auth.set_disabled("frank")
    assert auth.principal_for_session(other.session_id) is None
    with pytest.raises(Unauthenticated):
        auth.sign_in("frank", password)


def test_expired_sessions_end(engine) -> None:  # type: ignore[no-untyped-def]
    from tests.auth.conftest import CHEAP

    auth = AuthService(engine, hasher=CHEAP, session_max_age=timedelta(seconds=-1))
    password = _password()
    auth.create_user("gina", password)
    session = auth.sign_in("gina", password)
    assert auth.principal_for_session(session.session_id) is None


def test_a_new_password_ends_sessions(auth: AuthService) -> None:
    old, new = _password(), _password()
    auth.create_user("hank", old)
    session = auth.sign_in("hank", old)
    auth.set_password("hank", new)
    assert auth.principal_for_session(session.session_id) is None
    auth.sign_in("hank", new)
    with pytest.raises(InputError, match="at least 8"):
        auth.set_password("hank", "short")


def test_custom_roles_are_validated_and_managed_roles_are_fixed(auth: AuthService) -> None:
    role = auth.create_role("flow-reader", {"FLOW": ["VIEW", "list"]}, "reads flows")
    assert role.permissions == {"FLOW": ["LIST", "VIEW"]} and not role.managed
    with pytest.raises(InputError, match="SECRET has no action 'VIEW'"):
        auth.create_role("bad", {"SECRET": ["VIEW"]})
    with pytest.raises(InputError, match="unknown resource 'FLOWS'"):
        auth.create_role("bad", {"FLOWS": ["VIEW"]})
    with pytest.raises(Conflict, match="managed role"):
        auth.create_role("admin", {"FLOW": ["VIEW"]})
    with pytest.raises(Conflict, match="managed role"):
        auth.roles.delete("viewer")
    with pytest.raises(Conflict, match="managed role"):
        auth.roles.update("editor", {"SECRET": ["LIST"]})
    with pytest.raises(Conflict, match="already exists"):
        auth.create_role("flow-reader", {})

    auth.create_user("ivy")
    binding = auth.bind(SubjectType.USER, "ivy", "flow-reader", "a.b")
    ivy = auth.principal_for_user("ivy")
    assert ivy is not None and ivy.can(Resource.FLOW, Action.LIST, "a.b.c")
    assert not ivy.can(Resource.FLOW, Action.EXECUTE, "a.b")
    auth.roles.update("flow-reader", {"FLOW": ["VIEW", "LIST", "EXECUTE"]})
    ivy = auth.principal_for_user("ivy")
    assert ivy is not None and ivy.can(Resource.FLOW, Action.EXECUTE, "a.b")
    with pytest.raises(Conflict, match="used by bindings"):
        auth.roles.delete("flow-reader")
    auth.roles.unbind(binding.id)
    auth.roles.delete("flow-reader")
    names = [r.name for r in auth.roles.all()]
    assert names == ["admin", "developer", "editor", "launcher", "viewer"]


def test_bad_names_and_unknown_references_are_clear_errors(auth: AuthService) -> None:
    with pytest.raises(InputError, match="invalid user name"):
        auth.create_user("has space")
    auth.create_user("jo")
    with pytest.raises(Conflict, match="already exists"):
        auth.create_user("jo")
    with pytest.raises(NotFound, match="user 'nope' not found"):
        auth.bind(SubjectType.USER, "nope", "viewer")
    with pytest.raises(NotFound, match="role 'nope' not found"):
        auth.bind(SubjectType.USER, "jo", "nope")
    with pytest.raises(InputError, match="invalid namespace"):
        auth.bind(SubjectType.USER, "jo", "viewer", "bad..ns")
    with pytest.raises(InputError, match="not a group"):
        auth.create_token(SubjectType.GROUP, "x", "t")
    with pytest.raises(InputError, match="max age must be positive"):
        auth.create_token(SubjectType.USER, "jo", "t", max_age=timedelta(0))


def test_bootstrap_with_a_token_and_a_password(auth: AuthService) -> None:
    token, password = "boot-" + secrets.token_urlsafe(24), _password()
    env = {"HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN": token, "HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD": password}
    result = auth.bootstrap(env)
    assert result.created and result.setup_token is None
    admin = auth.principal_for_token(token)
    assert admin is not None and admin.name == "admin"
    authorize(admin, Resource.USER, Action.CREATE)
    auth.sign_in("admin", password)
    assert not auth.bootstrap(env).created  # users exist: nothing happens
    assert len(auth.tokens.all()) == 1


def test_bootstrap_without_variables_gives_a_one_time_setup_token(auth: AuthService) -> None:
    result = auth.bootstrap({})
    assert result.created and result.setup_token is not None
    assert result.setup_token not in repr(result)
    password = _password()
    auth.complete_setup(result.setup_token, password)
    auth.sign_in("admin", password)
    with pytest.raises(Unauthenticated, match="not valid"):
        auth.complete_setup(result.setup_token, _password())
    assert auth.principal_for_token(result.setup_token) is None


def test_bootstrap_refuses_weak_values_before_creating_anything(auth: AuthService) -> None:
    with pytest.raises(ConfigError, match="HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN"):
        auth.bootstrap({"HUSHFLOW_BOOTSTRAP_ADMIN_TOKEN": "short"})
    with pytest.raises(ConfigError, match="HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD"):
        auth.bootstrap({"HUSHFLOW_BOOTSTRAP_ADMIN_PASSWORD": "short"})
    assert auth.directory.users() == []


def test_trusted_proxy_header_counts_only_from_configured_addresses(engine) -> None:  # type: ignore[no-untyped-def]
    from tests.auth.conftest import CHEAP

    auth = AuthService(engine, hasher=CHEAP, trusted_proxies=["10.0.0.0/8", "::1"])
    auth.create_user("kim")
    assert auth.principal_for_proxy("kim", "10.1.2.3") is not None
    assert auth.principal_for_proxy("kim", "::1") is not None
    assert auth.principal_for_proxy("kim", "192.168.1.1") is None
    assert auth.principal_for_proxy("kim", "not-an-ip") is None
    assert auth.principal_for_proxy("kim", None) is None
    assert auth.principal_for_proxy("unknown", "10.1.2.3") is None
    auto = AuthService(engine, hasher=CHEAP, trusted_proxies=["10.0.0.1"], proxy_auto_create=True)
    lee = auto.principal_for_proxy("lee", "10.0.0.1")
    assert lee is not None and lee.grants == ()
    with pytest.raises(ConfigError, match="not an IP address"):
        AuthService(engine, hasher=CHEAP, trusted_proxies=["example.com"])


def test_deleting_a_user_removes_bindings_and_tokens(auth: AuthService) -> None:
    auth.create_user("max")
    auth.bind(SubjectType.USER, "max", "viewer")
    issued = auth.create_token(SubjectType.USER, "max", "t")
    auth.delete_user("max")
    assert auth.principal_for_token(issued.value) is None
    assert auth.roles.bindings(SubjectType.USER) == []
    assert all(t.revoked is not None for t in auth.tokens.all())


def test_signing_in_removes_expired_sessions(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select
    from tests.auth.conftest import CHEAP

    from hushflow.storage.auth_tables import auth_sessions

    short = AuthService(engine, hasher=CHEAP, session_max_age=timedelta(seconds=-1))
    password = _password()
    short.create_user("olga", password)
    short.sign_in("olga", password)
    short.sign_in("olga", password)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(auth_sessions)).scalar() == 1
