"""The built-in rules, one per module, in the order they are documented."""

from hushflow.lint.registry import Rule
from hushflow.lint.rules import (
    expression_invalid,
    kv_credential,
    plaintext_credential,
    root_namespace_secret,
    secret_in_command,
    secret_in_condition,
    secret_in_debug,
    secret_in_flow_variables,
    secret_in_log,
    secret_in_output,
    secret_overexposed,
    secret_structured_access,
    secret_to_many_tasks,
    secret_to_subflow,
    secret_transformed,
)

BUILTIN: tuple[Rule, ...] = (
    secret_in_log.RULE,
    secret_transformed.RULE,
    secret_structured_access.RULE,
    secret_in_output.RULE,
    secret_in_condition.RULE,
    secret_in_command.RULE,
    secret_in_flow_variables.RULE,
    secret_overexposed.RULE,
    secret_to_subflow.RULE,
    secret_to_many_tasks.RULE,
    root_namespace_secret.RULE,
    secret_in_debug.RULE,
    plaintext_credential.RULE,
    kv_credential.RULE,
    expression_invalid.RULE,
)
