"""Kestra's own Python client (``kestrapy``) manages users, tokens, roles and bindings.

The API runs under uvicorn on loopback (the client speaks ``requests``, not
ASGI); every call below is the client's own method, its models parsing our
answers.
"""

from __future__ import annotations

import warnings

import pytest
from tests.auth.api_fixtures import Iam

from hushflow.auth.permissions import Action, Resource

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # kestrapy warns about one of its own models
    from kestrapy import KestraClient
    from kestrapy.exceptions import ApiException
    from kestrapy.models.binding_type import BindingType
    from kestrapy.models.create_api_token_request import CreateApiTokenRequest
    from kestrapy.models.iam_binding_controller_api_create_binding_request import (
        IAMBindingControllerApiCreateBindingRequest,
    )
    from kestrapy.models.iam_role_controller_api_role_create_or_update_request import (
        IAMRoleControllerApiRoleCreateOrUpdateRequest,
    )
    from kestrapy.models.iam_service_account_controller_api_create_service_account_request import (
        IAMServiceAccountControllerApiCreateServiceAccountRequest,
    )
    from kestrapy.models.iam_user_controller_api_create_or_update_user_request import (
        IAMUserControllerApiCreateOrUpdateUserRequest,
    )
    from kestrapy.models.list_permissions200_response import ListPermissions200Response


def test_kestrapy_manages_identities(served: tuple[Iam, str]) -> None:
    iam, host = served
    client = KestraClient(host=host, token=iam.admin_token)

    user = client.users.create_user(
        IAMUserControllerApiCreateOrUpdateUserRequest(email="kim@example.com", firstName="Kim")
    )
    assert user.id and user.username == "kim@example.com"
    assert client.users.user(user.id).display_name == "Kim"
    assert client.users.list_users(page=1, size=10).total == 2
    created = client.users.create_api_tokens_for_user(
        user.id, CreateApiTokenRequest(name="laptop", maxAge="P7D")
    )
    tokens = client.users.list_api_tokens_for_user(user.id)
    assert [t.name for t in tokens.results] == ["laptop"]
    assert tokens.results[0].prefix == created.full_token[:8]

    account = client.service_account.create_service_account(
        IAMServiceAccountControllerApiCreateServiceAccountRequest(name="deployer")
    )
    assert account.id and client.service_account.list_service_accounts().total == 1

    role = client.roles.create_role(
        "main",
        IAMRoleControllerApiRoleCreateOrUpdateRequest(
            name="runner", permissions=ListPermissions200Response(FLOW=["VIEW", "EXECUTE"])
        ),
    )
    assert role.id and role.is_managed is False
    assert client.roles.role(role.id, "main").permissions.flow == ["EXECUTE", "VIEW"]
    names = [r.name for r in client.roles.search_roles("main", page=1, size=50).results]
    assert "runner" in names and "admin" in names

    binding = client.bindings.create_binding(
        "main",
        IAMBindingControllerApiCreateBindingRequest(
            type=BindingType.USER, externalId=user.id, roleId=role.id, namespaceId="company"
        ),
    )
    assert binding.role.name == "runner" and binding.user.username == "kim@example.com"
    found = client.bindings.search_bindings("main", namespace="company")
    assert found.total == 1 and client.bindings.binding(binding.id, "main").namespace == "company"

    kim = iam.auth.principal_for_token(created.full_token)
    assert kim is not None and kim.can(Resource.FLOW, Action.EXECUTE, "company.x")

    with pytest.raises(ApiException) as refused:
        client.roles.delete_role(role.id, "main")  # a binding uses it
    assert refused.value.status == 409
    client.bindings.delete_binding(binding.id, "main")
    client.roles.delete_role(role.id, "main")
    client.users.delete_api_token_for_user(user.id, created.id)
    assert iam.auth.principal_for_token(created.full_token) is None
    client.service_account.delete_service_account(account.id)
    client.users.delete_user(user.id)
    with pytest.raises(ApiException) as gone:
        client.users.user(user.id)
    assert gone.value.status == 404
