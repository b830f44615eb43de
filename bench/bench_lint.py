"""Linting speed: 1,000 flows through every rule, against two baselines measured in this run.

The flows are generated (fixed seed): 5 to 15 tasks each, logs, returns,
outputs, scripts with env and commands, HTTP requests, flow variables and
inputs, with and without secrets. Printed:

- flows per second for ``hushflow.lint.lint_source`` (every rule, the
  expression AST of every string, positions of every finding);
- the same for hushflow's own ``parse_flow`` (what ``flow validate`` does),
  and for ``detect-secrets`` scanning the same text line by line (what a
  generic secret scanner costs);
- the ratios (lint / baseline; above 1.0 means the linter is faster).

The baselines are rates over the first 100 flows (detect-secrets needs
minutes for 1,000). Run ``python bench/bench_lint.py`` (``--quick``: 100
flows, one round).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

from detect_secrets.core.scan import scan_line
from detect_secrets.settings import default_settings

from hushflow.lint import lint_source
from hushflow.models.flow_source import parse_flow

BASELINE_SAMPLE = 100
LOG = "io.kestra.plugin.core.log.Log"
RETURN = "io.kestra.plugin.core.debug.Return"
SHELL = "io.kestra.plugin.scripts.shell.Commands"
HTTP = "io.kestra.plugin.core.http.Request"
OUTPUT = "io.kestra.plugin.core.output.OutputValues"


def _task(rng: random.Random, i: int) -> str:
    key = f"KEY_{rng.randrange(8)}"
    step = f"step {i} of {rng.randrange(10**6)}"  # no two strings alike: no cache flatters
    value = rng.choice(
        [
            f"plain text for {step}",
            f"{{{{ inputs.who }}}} at {{{{ execution.startDate }}}} ({step})",
            f"{{{{ secret('{key}') | length }}}} characters ({step})",
            f"{step}: {{{{ secret('{key}') }}}}",
            f"{step}: {{{{ secret('{key}') | jq('.user') | first | upper }}}}",
            f"{{{{ vars.greeting ~ ' ' ~ inputs.who ~ '{step}' }}}}",
        ]
    )
    kind = rng.randrange(5)
    if kind == 0:
        return f'  - id: t{i}\n    type: {LOG}\n    message: "{value}"\n'
    if kind == 1:
        return f'  - id: t{i}\n    type: {RETURN}\n    format: "{value}"\n'
    if kind == 2:
        return (
            f"  - id: t{i}\n    type: {SHELL}\n"
            f"    env:\n      TOKEN: \"{{{{ secret('{key}') }}}}\"\n"
            '    commands:\n      - echo starting\n      - \'curl -H "Authorization: $TOKEN" '
            "https://example.com/api'\n"
        )
    if kind == 3:
        return (
            f"  - id: t{i}\n    type: {HTTP}\n    uri: https://example.com/{i}\n"
            f'    headers:\n      X-Request: "{value}"\n'
        )
    return f'  - id: t{i}\n    type: {OUTPUT}\n    values:\n      v: "{value}"\n'


def make_flows(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    flows = []
    for n in range(count):
        tasks = "".join(_task(rng, i) for i in range(rng.randint(5, 15)))
        flows.append(
            f"id: flow{n}\nnamespace: company.team{n % 10}\n"
            "inputs:\n  - id: who\n    type: STRING\n    defaults: world\n"
            "variables:\n  greeting: hello\n"
            f"tasks:\n{tasks}"
        )
    return flows


def scan_text(text: str) -> None:
    for line in text.splitlines():
        for _ in scan_line(line):
            pass


def flows_per_second(fn: Callable[[str], object], flows: list[str], rounds: int) -> float:
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for source in flows:
            fn(source)
        best = max(best, len(flows) / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 flows, one round")
    args = parser.parse_args()
    count, rounds = (100, 1) if args.quick else (1000, 3)
    flows = make_flows(count)
    warm = make_flows(1, seed=1)[0] + "description: https://example.com/warming-up\n"
    lint_source(warm)  # load the rules and the detectors once
    findings = sum(len(lint_source(f)) for f in flows)
    lint = flows_per_second(lambda s: lint_source(s), flows, rounds)
    sample = flows[:BASELINE_SAMPLE]  # the baselines are slow: a rate over fewer flows
    parse = flows_per_second(parse_flow, sample, rounds)
    with default_settings():
        scan = flows_per_second(scan_text, sample, 1)
    print(f"{count} generated flows, {findings} findings (baselines on {len(sample)} of them)")
    print(f"  hushflow lint (every rule):      {lint:9.0f} flows/s ({count / lint:.2f} s)")
    print(f"  parse_flow (flow validate):      {parse:9.0f} flows/s")
    print(f"  detect-secrets, line by line:    {scan:9.0f} flows/s")
    print(f"  ratio lint / validate:           {lint / parse:9.2f}")
    print(f"  ratio lint / detect-secrets:     {lint / scan:9.2f}")


if __name__ == "__main__":
    main()
