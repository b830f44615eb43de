"""kv-credential: a KV ``Set`` task storing a credential (a key-value store is not a secret store).

The KV store itself is not built yet; the rule reads the task spec of
``io.kestra.plugin.core.kv.Set`` statically (its ``key`` and ``value``),
which is all it needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.credential_detectors import detect
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule
from hushflow.lint.rules._common import describe, unique
from hushflow.lint.rules.plaintext_credential import credential_name, literal_text, redacted
from hushflow.lint.task_kinds import Kind

ADVICE = "keep it in the secret store and read it with secret()"


def check(ctx: RuleContext) -> Iterator[Hit]:
    for task in ctx.doc.tasks:
        if task.kind is not Kind.KV_SET:
            continue
        sites = list(ctx.doc.task_sites(task))
        key_site = next((s for s in sites if s.prop == ("key",)), None)
        if key_site is not None and credential_name(literal_text(key_site)):
            yield ctx.hit(
                f"task '{task.id}' stores a KV entry named like a credential; {ADVICE}", key_site
            )
        for site in sites:
            if site.prop_name != "value":
                continue
            for trace in unique(ctx.facts(site).printed):
                yield ctx.hit(
                    f"task '{task.id}' copies {describe(trace)} into the KV store, where it is "
                    f"not encrypted nor masked; {ADVICE}",
                    site,
                    trace.pos,
                )
            for found in detect(literal_text(site)):
                yield ctx.hit(
                    f"task '{task.id}' stores {redacted(found.length)} that looks like a "
                    f"{found.kind} in the KV store; {ADVICE}",
                    site,
                    None,
                    Confidence.MEDIUM if found.entropy_only else None,
                )


RULE = Rule(
    "kv-credential",
    Severity.WARNING,
    Confidence.HIGH,
    "a KV Set storing a credential",
    check,
)
