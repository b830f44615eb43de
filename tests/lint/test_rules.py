"""Every rule, positive and negative: what it reports, what it leaves alone."""

from __future__ import annotations

import pytest

from tests.lint.helpers import at, flow, position_of, rules

LOG = "io.kestra.plugin.core.log.Log"
RETURN = "io.kestra.plugin.core.debug.Return"
OUTPUT_VALUES = "io.kestra.plugin.core.output.OutputValues"
SHELL = "io.kestra.plugin.scripts.shell.Commands"
SUBFLOW = "io.kestra.plugin.core.flow.Subflow"


def log(message: str, task_id: str = "l") -> str:
    return f'  - id: {task_id}\n    type: {LOG}\n    message: "{message}"\n'


CASES = [
    # secret-in-log
    ("log-direct", flow(log("{{ secret('K') }}")), "secret-in-log", True),
    ("log-set", flow(log("{% set t = secret('K') %}{{ t }}")), "secret-in-log", True),
    ("log-flow-variable", flow(log("{{ vars.tok }}"), "variables:\n  tok: \"{{ secret('K') }}\"\n"),
     "secret-in-log", True),
    ("log-variable-of-variable",
     flow(log("{{ vars.b }}"), "variables:\n  a: \"{{ secret('K') }}\"\n  b: \"x{{ vars.a }}\"\n"),
     "secret-in-log", True),
    ("log-secret-input", flow(log("{{ inputs.pw }}"), "inputs:\n  - {id: pw, type: SECRET}\n"),
     "secret-in-log", True),
    ("log-earlier-output",
     flow(f"  - id: r\n    type: {RETURN}\n    format: \"{{{{ secret('K') }}}}\"\n"
          + log("{{ outputs.r.value }}")), "secret-in-log", True),
    ("log-fail-message",
     flow("  - id: x\n    type: io.kestra.plugin.core.execution.Fail\n"
          "    errorMessage: \"bad {{ secret('K') }}\"\n"), "secret-in-log", True),
    ("log-plain-input", flow(log("{{ inputs.who }}"), "inputs:\n  - {id: who, type: STRING}\n"),
     "secret-in-log", False),
    ("log-key-only-in-env",
     flow(f"  - id: s\n    type: {SHELL}\n    env:\n      T: \"{{{{ secret('K') }}}}\"\n"
          "    commands: ['echo $T > /dev/null']\n" + log("done")), "secret-in-log", False),
    ("log-condition-only", flow(log("{{ secret('K') is defined ? 'set' : 'unset' }}")),
     "secret-in-log", False),
    # secret-transformed
    ("transformed-substring", flow(log("{{ secret('K') | substring(0, 4) }}")),
     "secret-transformed", True),
    ("transformed-concat", flow(log("{{ 'Bearer ' ~ secret('K') }}")), "secret-transformed", True),
    ("transformed-base64", flow(log("{{ secret('K') | base64encode }}")), "secret-transformed", True),
    ("transformed-none", flow(log("{{ secret('K') }}")), "secret-transformed", False),
    ("transformed-other-value", flow(log("{{ inputs.x | upper }}")), "secret-transformed", False),
    # secret-structured-access
    ("structured-jq", flow(log("{{ secret('J') | jq('.user') | first }}")),
     "secret-structured-access", True),
    ("structured-fromjson", flow(log("{{ fromJson(secret('J')).user }}")),
     "secret-structured-access", True),
    ("structured-subkey", flow(log("{{ secret('J', subkey='user') }}")),
     "secret-structured-access", False),
    ("structured-jq-on-input", flow(log("{{ inputs.j | jq('.a') }}")),
     "secret-structured-access", False),
    # secret-in-output
    ("output-values",
     flow(f"  - id: o\n    type: {OUTPUT_VALUES}\n    values:\n      t: \"{{{{ secret('K') }}}}\"\n"),
     "secret-in-output", True),
    ("output-flow-string",
     flow(log("x"), "") + "outputs:\n  - id: o\n    type: STRING\n    value: \"{{ secret('K') }}\"\n",
     "secret-in-output", True),
    ("output-flow-secret-type",
     flow(log("x"), "") + "outputs:\n  - id: o\n    type: SECRET\n    value: \"{{ secret('K') }}\"\n",
     "secret-in-output", False),
    ("output-values-plain",
     flow(f"  - id: o\n    type: {OUTPUT_VALUES}\n    values:\n      t: \"{{{{ inputs.x }}}}\"\n"),
     "secret-in-output", False),
    # secret-in-condition
    ("condition-if",
     flow("  - id: i\n    type: io.kestra.plugin.core.flow.If\n"
          "    condition: \"{{ secret('K') == 'x' }}\"\n    then:\n" + log("y").replace("  -", "      -", 1)
          .replace("\n    ", "\n        ")), "secret-in-condition", True),
    ("condition-runif",
     flow(f"  - id: l\n    type: {LOG}\n    runIf: \"{{{{ secret('K') | length > 3 }}}}\"\n    message: hi\n"),
     "secret-in-condition", True),
    ("condition-tag", flow(log("{% if secret('K') starts with 'a' %}a{% endif %}".replace(
        " starts with 'a'", " == 'a'"))), "secret-in-condition", True),
    ("condition-plain",
     flow(f"  - id: l\n    type: {LOG}\n    runIf: \"{{{{ inputs.go }}}}\"\n    message: hi\n"),
     "secret-in-condition", False),
    # secret-in-command
    ("command-direct",
     flow(f"  - id: s\n    type: {SHELL}\n    commands:\n      - curl -H X-Token={{{{ secret('K') }}}} h\n"),
     "secret-in-command", True),
    ("command-script-input",
     flow("  - id: s\n    type: io.kestra.plugin.scripts.python.Script\n"
          "    script: |\n      print('{{ inputs.pw }}')\n", "inputs:\n  - {id: pw, type: SECRET}\n"),
     "secret-in-command", True),
    ("command-env",
     flow(f"  - id: s\n    type: {SHELL}\n    env:\n      T: \"{{{{ secret('K') }}}}\"\n"
          "    commands: ['curl -H \"X: $T\" h']\n"), "secret-in-command", False),
    # secret-in-flow-variables
    ("flow-variables", flow(log("x"), "variables:\n  t: \"{{ secret('K') }}\"\n"),
     "secret-in-flow-variables", True),
    ("flow-variables-plain", flow(log("x"), "variables:\n  t: \"{{ inputs.x }}\"\n"),
     "secret-in-flow-variables", False),
    # secret-overexposed
    ("overexposed-inputs",
     flow(f"  - id: s\n    type: {SHELL}\n    env:\n      ALL: \"{{{{ inputs }}}}\"\n"
          "    commands: ['echo $ALL']\n", "inputs:\n  - {id: pw, type: SECRET}\n"),
     "secret-overexposed", True),
    ("overexposed-render-vars",
     flow(f"  - id: r\n    type: {RETURN}\n    format: \"{{{{ render(vars) }}}}\"\n",
          "variables:\n  t: \"{{ secret('K') }}\"\n"), "secret-overexposed", True),
    ("overexposed-json-secret",
     flow(log("{{ secret('J', subkey='user') }}", "a")
          + f"  - id: s\n    type: {SHELL}\n    env:\n      J: \"{{{{ secret('J') }}}}\"\n"
          "    commands: ['echo $J']\n"), "secret-overexposed", True),
    ("overexposed-inputs-no-secret",
     flow(f"  - id: r\n    type: {RETURN}\n    format: \"{{{{ inputs }}}}\"\n",
          "inputs:\n  - {id: who, type: STRING}\n"), "secret-overexposed", False),
    # secret-to-subflow
    ("subflow-unknown-child",
     flow(f"  - id: c\n    type: {SUBFLOW}\n    namespace: company.team\n    flowId: child\n"
          "    inputs:\n      token: \"{{ secret('K') }}\"\n"), "secret-to-subflow", True),
    ("subflow-plain",
     flow(f"  - id: c\n    type: {SUBFLOW}\n    namespace: company.team\n    flowId: child\n"
          "    inputs:\n      who: \"{{ inputs.x }}\"\n"), "secret-to-subflow", False),
    # secret-to-many-tasks
    ("many-tasks", flow("".join(log("{{ secret('K') | length }}", f"t{i}") for i in range(4))),
     "secret-to-many-tasks", True),
    ("three-tasks", flow("".join(log("{{ secret('K') | length }}", f"t{i}") for i in range(3))),
     "secret-to-many-tasks", False),
    ("env-never-read",
     flow(f"  - id: s\n    type: {SHELL}\n    env:\n      TOKEN: \"{{{{ secret('K') }}}}\"\n"
          "    commands: ['echo hello']\n"), "secret-to-many-tasks", True),
    ("env-read",
     flow(f"  - id: s\n    type: {SHELL}\n    env:\n      TOKEN: \"{{{{ secret('K') }}}}\"\n"
          "    commands: ['curl -u \"$TOKEN\" h']\n"), "secret-to-many-tasks", False),
    # secret-in-debug
    ("debug-namespace",
     "id: f\nnamespace: company.debug\ntasks:\n" + log("{{ secret('K') | length }}"),
     "secret-in-debug", True),
    ("debug-label",
     flow(log("{{ secret('K') | length }}"), "labels:\n  env: test\n"), "secret-in-debug", True),
    ("debug-no-secret", "id: f\nnamespace: company.debug\ntasks:\n" + log("hi"),
     "secret-in-debug", False),
    ("debug-production", flow(log("{{ secret('K') | length }}")), "secret-in-debug", False),
    # plaintext-credential
    ("plaintext-password",
     flow("  - id: h\n    type: io.kestra.plugin.core.http.Request\n    uri: https://x\n"
          "    options:\n      auth:\n        password: s3cr3t-passw0rd\n"), "plaintext-credential",
     True),
    ("plaintext-authorization",
     flow("  - id: h\n    type: io.kestra.plugin.core.http.Request\n    uri: https://x\n"
          "    headers:\n      Authorization: Bearer abcdef123456\n"), "plaintext-credential", True),
    ("plaintext-secret-input-default",
     flow(log("x"), "inputs:\n  - {id: pw, type: SECRET, defaults: hunter22}\n"),
     "plaintext-credential", True),
    ("plaintext-password-from-secret",
     flow("  - id: h\n    type: io.kestra.plugin.core.http.Request\n    uri: https://x\n"
          "    options:\n      auth:\n        password: \"{{ secret('PW') }}\"\n"),
     "plaintext-credential", False),
    ("plaintext-ordinary-text", flow(log("The quick brown fox jumps over the lazy dog")),
     "plaintext-credential", False),
    ("plaintext-image-digest",
     flow(f"  - id: s\n    type: {SHELL}\n    containerImage: python@sha256:{'9f86d0818' * 7}a\n"
          "    commands: ['git checkout 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39']\n"),
     "plaintext-credential", False),
    ("plaintext-aws-key-in-command",
     flow(f"  - id: s\n    type: {SHELL}\n"
          "    commands: ['aws configure set aws_access_key_id AKIAZ7Q2M4X8W3K9P5RT']\n"),
     "plaintext-credential", True),
    # kv-credential
    ("kv-secret-value",
     flow("  - id: k\n    type: io.kestra.plugin.core.kv.Set\n    key: db\n"
          "    value: \"{{ secret('K') }}\"\n"), "kv-credential", True),
    ("kv-credential-key",
     flow("  - id: k\n    type: io.kestra.plugin.core.kv.Set\n    key: api_token\n"
          "    value: \"{{ outputs.x.y }}\"\n"), "kv-credential", True),
    ("kv-plain",
     flow("  - id: k\n    type: io.kestra.plugin.core.kv.Set\n    key: last_run\n"
          "    value: \"{{ execution.startDate }}\"\n"), "kv-credential", False),
    # expression-invalid
    ("expression-invalid", flow(log("{{ secret('K' }}")), "expression-invalid", True),
    ("expression-valid", flow(log("{{ 1 + 2 }}")), "expression-invalid", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("source", "rule", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule(source: str, rule: str, expected: bool) -> None:
    assert (rule in rules(source)) is expected


def test_every_rule_has_a_positive_and_a_negative_case() -> None:
    from hushflow.lint import all_rules

    covered = {(rule, expected) for _, _, rule, expected in CASES}
    for rule in all_rules():
        if rule.id in ("root-namespace-secret", "invalid-suppression"):
            continue  # tests/lint/test_placement.py, tests/lint/test_suppression.py
        assert (rule.id, True) in covered and (rule.id, False) in covered, rule.id


def test_through_a_variable_the_finding_is_at_the_use() -> None:
    source = flow(log("value {{ vars.tok }}"), "variables:\n  tok: \"{{ secret('K') }}\"\n")
    assert at(source, "secret-in-log") == [position_of(source, "vars.tok")]
    assert at(source, "secret-in-flow-variables") == [position_of(source, "secret(")]


def test_transformed_points_at_each_filter() -> None:
    source = flow(log("{{ secret('K') | upper | replace({'A': 'b'}) }}"))
    assert at(source, "secret-transformed") == [
        position_of(source, "upper"),
        position_of(source, "replace"),
    ]
