"""Kestra's own client models (``kestrapy``), to check that our JSON validates against them.

Importing ``kestrapy`` warns about one of its own models (a field named
``validate``); that warning is about the package, not about hushflow, so it
is silenced here only.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    from kestrapy.models.api_role_summary import ApiRoleSummary
    from kestrapy.models.api_token_list import ApiTokenList
    from kestrapy.models.create_api_token_response import CreateApiTokenResponse
    from kestrapy.models.iam_binding_controller_api_binding_detail import (
        IAMBindingControllerApiBindingDetail,
    )
    from kestrapy.models.iam_role_controller_api_role_detail import IAMRoleControllerApiRoleDetail
    from kestrapy.models.iam_service_account_controller_api_service_account_detail import (
        IAMServiceAccountControllerApiServiceAccountDetail,
    )
    from kestrapy.models.iam_user_controller_api_user import IAMUserControllerApiUser
    from kestrapy.models.paged_results_iam_binding_controller_api_binding_detail import (
        PagedResultsIAMBindingControllerApiBindingDetail,
    )
    from kestrapy.models.paged_results_iam_service_account_controller_api_service_account_detail import (
        PagedResultsIAMServiceAccountControllerApiServiceAccountDetail,
    )
    from kestrapy.models.paged_results_iam_user_controller_api_user_summary import (
        PagedResultsIAMUserControllerApiUserSummary,
    )

__all__ = [
    "ApiRoleSummary",
    "ApiTokenList",
    "CreateApiTokenResponse",
    "IAMBindingControllerApiBindingDetail",
    "IAMRoleControllerApiRoleDetail",
    "IAMServiceAccountControllerApiServiceAccountDetail",
    "IAMUserControllerApiUser",
    "PagedResultsIAMBindingControllerApiBindingDetail",
    "PagedResultsIAMServiceAccountControllerApiServiceAccountDetail",
    "PagedResultsIAMUserControllerApiUserSummary",
]
