"""Built-in encoding and hashing filters: base64, URL encoding, digests."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from hushflow.expressions.filters_text import text_of
from hushflow.expressions.runtime import REGISTRY, FilterError
from hushflow.expressions.values import type_name

filter_ = REGISTRY.filter


@filter_("base64encode")
def base64encode(value: Any) -> Any:
    if value is None:
        return None
    return base64.b64encode(text_of(value).encode()).decode("ascii")


@filter_("base64decode")
def base64decode(value: Any) -> Any:
    if value is None:
        return None
    try:
        raw = base64.b64decode(text_of(value).strip(), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        raise FilterError(
            "The 'base64decode' filter got invalid base64 (or non-UTF-8 data)"
        ) from None


@filter_("urlencode")
def urlencode(value: Any) -> Any:
    """Java ``URLEncoder``: spaces become '+', only ``A-Za-z0-9.-*_`` stay as they are."""
    if value is None:
        return None
    return quote_plus(text_of(value), safe="*").replace("~", "%7E")


@filter_("urldecode")
def urldecode(value: Any) -> Any:
    if value is None:
        return None
    return unquote_plus(text_of(value), errors="strict")


def _digest(algorithm: str) -> Any:
    """A hashing filter: strings only, as Pebble's and Kestra's (their message, then ours)."""

    def digest(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is not str:
            raise FilterError(
                f"Need a string to hash (the '{algorithm}' filter got a {type_name(value)}; "
                "convert it first, e.g. with 'toJson' or 'string')"
            )
        return hashlib.new(algorithm, value.encode()).hexdigest()

    return digest


for _name in ("md5", "sha1", "sha256", "sha512"):
    filter_(_name)(_digest(_name))
