"""plaintext-credential: a literal that looks like a credential where ``secret()`` belongs.

Two signals: the property's name (``password``, ``token``, ``apiKey``, an
``Authorization`` header, a SECRET input's ``defaults``...) holding a
literal, and the ``detect-secrets`` detectors (known key formats, entropy)
on the literal text of every string. The finding describes what it saw (kind
and length), never the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hushflow.expressions import nodes as n
from hushflow.lint.context import Hit, RuleContext
from hushflow.lint.credential_detectors import detect
from hushflow.lint.document import Site
from hushflow.lint.finding import Confidence, Severity
from hushflow.lint.registry import Rule

#: A property whose name (lower-cased, letters and digits only) ends so holds a credential.
CREDENTIAL_NAMES = (
    "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "accesskey",
    "secretkey", "privatekey", "clientsecret", "authorization", "credential", "credentials",
    "sastoken", "connectionstring",
)  # fmt: skip
_AUTH_SCHEME = re.compile(r"(?i)^(bearer|basic|token|digest)\s+\S{4,}")
MIN_LENGTH = 4


def normalise(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def credential_name(name: str) -> bool:
    """True for ``password``, ``DB_PASSWORD``, ``apiKey``, ``Authorization``..."""
    return normalise(name).endswith(CREDENTIAL_NAMES)


def literal_text(site: Site) -> str:
    """The text of a site outside its expressions (all of it when it has none)."""
    if site.template is None:
        return "" if site.error is not None else site.value
    return "".join(node.text for node in site.template.body if isinstance(node, n.Text))


def redacted(length: int) -> str:
    return f"a literal of {length} characters (not shown)"


def _named(ctx: RuleContext, site: Site) -> Hit | None:
    name = next((p for p in reversed(site.prop) if isinstance(p, str)), "")
    value = site.value
    if site.template is not None or site.error is not None or len(value) < MIN_LENGTH:
        return None
    secret_default = site.section == "inputs" and name == "defaults" and _secret_input(ctx, site)
    if secret_default or credential_name(name) or _AUTH_SCHEME.match(value):
        what = "the default of a SECRET input" if secret_default else f"property '{name}'"
        return ctx.hit(
            f"{what} holds {redacted(len(value))} that looks like a credential; store it with "
            "'hushflow secret set' and write {{ secret('KEY') }} here",
            site,
        )
    return None


def _secret_input(ctx: RuleContext, site: Site) -> bool:
    index = site.path[1] if len(site.path) > 1 else None
    ids = list(ctx.doc.inputs)
    return isinstance(index, int) and index < len(ids) and ctx.doc.inputs[ids[index]] == "SECRET"


def _detected(ctx: RuleContext, site: Site) -> Iterator[Hit]:
    text = literal_text(site)
    if len(text) < 10:
        return
    for found in detect(text):
        offset = site.value.find(text[found.start : found.start + found.length])
        sure = Confidence.MEDIUM if found.entropy_only else Confidence.HIGH
        yield ctx.hit(
            f"{redacted(found.length)} looks like a {found.kind}; store it with "
            "'hushflow secret set' and write {{ secret('KEY') }} here",
            site,
            max(offset, 0),
            sure,
        )


def check(ctx: RuleContext) -> Iterator[Hit]:
    for site in ctx.doc.sites:
        if site.section in ("id", "namespace") or site.prop_name in ("type", "id"):
            continue
        named = _named(ctx, site)
        if named is not None:
            yield named
            continue
        yield from _detected(ctx, site)


RULE = Rule(
    "plaintext-credential",
    Severity.ERROR,
    Confidence.HIGH,
    "a literal credential instead of secret()",
    check,
)
