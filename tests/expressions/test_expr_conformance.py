"""Conformance cases (template, variables, expected text) from Kestra's and Pebble's docs.

Behaviours checked in Kestra's and Pebble's sources: Java long/double
arithmetic and printing (Pebble ``OperatorUtils``, Jackson), string
comparison (Kestra's ``GreaterThanExpression``), ``??``/``???`` precedence
(Kestra's ``Extension``), ``split`` as Java ``String.split``, ``regexMatch``
as ``find()``, ``escapeChar``/``indent`` (Kestra's filters), ``yaml`` with
indented lists (Kestra's ``YamlFilter``). One row per behaviour.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hushflow.expressions import render

V: dict[str, Any] = {
    "name": "World",
    "user": {"name": "ada", "age": 36, "tags": ["a", "b"], "address": {"city": "Paris"}},
    "items": [3, 1, 2],
    "words": ["banana", "apple", "cherry"],
    "empty": [],
    "nothing": None,
    "flag": True,
    "off": False,
    "n": 7,
    "f": 2.5,
    "s": "  padded  ",
    "json": '{"a": {"b": [1, 2, 3]}, "token": "xyz"}',
    "outputs": {"task": {"value": "v1", "values": {"k": 1}}},
    "date": "2024-01-15T10:30:45.123456Z",
    "map": {"b": 2, "a": 1},
    "nested": [[1, 2], [3], 4],
}

CASES: list[tuple[str, str, dict[str, Any], str]] = [
    # --- text, comments, whitespace control, raw
    ("plain-text", "hello", {}, "hello"),
    ("variable", "Hello {{ name }}!", V, "Hello World!"),
    ("comment", "a{# hidden #}b", {}, "ab"),
    ("ws-left", "a   {{- name }}", V, "aWorld"),
    ("ws-right", "{{ name -}}   \n b", V, "Worldb"),
    ("ws-tag", "x \n {%- if true -%} \n y \n {%- endif -%} \n z", {}, "xyz"),
    ("newline-kept-after-tag", "{% if true %}\nA{% endif %}", {}, "\nA"),
    ("raw-block", "{% raw %}{{ not rendered }}{% endraw %}", {}, "{{ not rendered }}"),
    ("verbatim-block", "{% verbatim %}{% x %}{% endverbatim %}", {}, "{% x %}"),
    ("braces-in-string", "{{ '}}' }}", {}, "}}"),
    ("map-literal-in-print", "{{ {'a': {'b': 1}} }}", {}, '{"a":{"b":1}}'),
    # --- literals and printing (Kestra prints Java values)
    ("int", "{{ 42 }}", {}, "42"),
    ("float", "{{ 2.5 }}", {}, "2.5"),
    ("float-whole", "{{ 2.0 }}", {}, "2.0"),
    ("float-small-sci", "{{ 0.0001 }}", {}, "1.0E-4"),
    ("float-thousandth", "{{ 0.001 }}", {}, "0.001"),
    ("float-big-sci", "{{ 10000000.0 }}", {}, "1.0E7"),
    ("float-below-sci", "{{ 9999999.0 }}", {}, "9999999.0"),
    ("true", "{{ true }}", {}, "true"),
    ("false", "{{ false }}", {}, "false"),
    ("null-prints-empty", "[{{ null }}]", {}, "[]"),
    ("null-var-prints-empty", "[{{ nothing }}]", V, "[]"),
    ("list-json", "{{ [1, 'a', true, null] }}", {}, '[1,"a",true,null]'),
    ("map-json", "{{ user.address }}", V, '{"city":"Paris"}'),
    ("unicode-json", "{{ ['é'] }}", {}, '["é"]'),
    ("string-escapes", r"{{ 'it\'s' ~ " + '"\\"q\\""' + " }}", {}, 'it\'s"q"'),
    ("string-newline-escape", r"{{ 'a\nb' }}", {}, "a\nb"),
    # --- string interpolation (Pebble: double quotes only)
    ("interpolation", '{{ "Hello #{name}!" }}', V, "Hello World!"),
    ("interpolation-expression", '{{ "#{1 + 2} items" }}', {}, "3 items"),
    ("interpolation-filter", '{{ "x #{name | upper} y" }}', V, "x WORLD y"),
    ("interpolation-nested", '{{ "a #{ "b #{name}" } c" }}', V, "a b World c"),
    ("interpolation-escaped", '{{ "\\#{name}" }}', V, "#{name}"),
    ("interpolation-single-quotes-literal", "{{ '#{name}' }}", V, "#{name}"),
    ("interpolation-hash-alone", '{{ "# {name} #x" }}', V, "# {name} #x"),
    # --- access
    ("dot", "{{ user.name }}", V, "ada"),
    ("bracket", "{{ user['name'] }}", V, "ada"),
    ("index", "{{ words[1] }}", V, "apple"),
    ("dot-index", "{{ words.0 }}", V, "banana"),
    ("deep", "{{ user.address.city }}", V, "Paris"),
    ("dynamic-key", "{% set k = 'age' %}{{ user[k] }}", V, "36"),
    ("outputs-style", "{{ outputs.task.value }}", V, "v1"),
    ("index-expression", "{{ words[n - 6] }}", V, "apple"),
    # --- arithmetic (Pebble OperatorUtils: Java long/double semantics)
    ("add", "{{ 1 + 2 }}", {}, "3"),
    ("sub", "{{ 5 - 7 }}", {}, "-2"),
    ("mul", "{{ 6 * 7 }}", {}, "42"),
    ("int-div-truncates", "{{ 10 / 4 }}", {}, "2"),
    ("neg-int-div-truncates-to-zero", "{{ -7 / 2 }}", {}, "-3"),
    ("float-div", "{{ 10 / 4.0 }}", {}, "2.5"),
    ("mod", "{{ 10 % 3 }}", {}, "1"),
    ("neg-mod-java-sign", "{{ -7 % 3 }}", {}, "-1"),
    ("float-mod", "{{ 7.5 % 2 }}", {}, "1.5"),
    ("precedence", "{{ 2 + 3 * 4 }}", {}, "14"),
    ("parens", "{{ (2 + 3) * 4 }}", {}, "20"),
    ("unary-minus", "{{ -n }}", V, "-7"),
    ("int-plus-float", "{{ 1 + 1.5 }}", {}, "2.5"),
    ("float-div-zero", "{{ 1.0 / 0 }}", {}, "Infinity"),
    ("add-string-concat", "{{ 'a' + 1 }}", {}, "a1"),
    ("list-plus", "{{ [1] + [2, 3] }}", {}, "[1,2,3]"),
    ("list-minus", "{{ [1, 2, 3] - 2 }}", {}, "[1,3]"),
    ("range-op", "{{ 1..4 }}", {}, "[1,2,3,4]"),
    # --- concatenation
    ("tilde", "{{ 'a' ~ 'b' ~ 1 }}", {}, "ab1"),
    ("tilde-null", "{{ 'a' ~ nothing ~ 'b' }}", V, "ab"),
    ("tilde-binds-tighter-than-filter", "{{ 'a' ~ 'b' | upper }}", {}, "AB"),
    ("plus-looser-than-filter", "{{ 'a' + 'b' | upper }}", {}, "aB"),
    # --- comparisons and logic
    ("eq", "{{ 1 == 1 }}", {}, "true"),
    ("eq-int-float", "{{ 1 == 1.0 }}", {}, "true"),
    ("equals-word", "{{ name equals 'World' }}", V, "true"),
    ("neq", "{{ 'a' != 'b' }}", {}, "true"),
    ("eq-bool-int-false", "{{ true == 1 }}", {}, "false"),
    ("lt", "{{ 1 < 2 }}", {}, "true"),
    ("ge", "{{ 2 >= 2 }}", {}, "true"),
    ("null-compare-false", "{{ nothing > 1 }}", V, "false"),
    ("list-eq", "{{ [1, 2] == [1, 2] }}", {}, "true"),
    ("and", "{{ true and false }}", {}, "false"),
    ("or", "{{ false or true }}", {}, "true"),
    ("not", "{{ not false }}", {}, "true"),
    ("not-precedence", "{{ not 1 == 2 }}", {}, "true"),
    ("and-or-precedence", "{{ true or false and false }}", {}, "true"),
    ("contains-list", "{{ words contains 'apple' }}", V, "true"),
    ("contains-list-all", "{{ words contains ['apple', 'kiwi'] }}", V, "false"),
    ("contains-string", "{{ name contains 'orl' }}", V, "true"),
    ("contains-map-key", "{{ user contains 'age' }}", V, "true"),
    ("in-list", "{{ 'apple' in words }}", V, "true"),
    ("not-in-list", "{{ 'kiwi' not in words }}", V, "true"),
    # --- ternary and coalescing (Kestra's ?? and ???)
    ("ternary-true", "{{ flag ? 'yes' : 'no' }}", V, "yes"),
    ("ternary-false", "{{ off ? 'yes' : 'no' }}", V, "no"),
    ("ternary-nested", "{{ n > 10 ? 'big' : n > 5 ? 'mid' : 'small' }}", V, "mid"),
    ("null-coalesce-undefined", "{{ missing ?? 'dflt' }}", V, "dflt"),
    ("null-coalesce-null", "{{ nothing ?? 'dflt' }}", V, "dflt"),
    ("null-coalesce-value", "{{ name ?? 'dflt' }}", V, "World"),
    ("null-coalesce-missing-attr", "{{ user.missing.deeper ?? 'x' }}", V, "x"),
    ("undefined-coalesce-undefined", "{{ missing ??? 'dflt' }}", V, "dflt"),
    ("undefined-coalesce-keeps-null", "[{{ nothing ??? 'dflt' }}]", V, "[]"),
    ("coalesce-chain", "{{ a ?? b ?? 'c' }}", {}, "c"),
    # --- tests
    ("is-defined", "{{ name is defined }}", V, "true"),
    ("is-not-defined", "{{ missing is not defined }}", V, "true"),
    ("is-defined-attr", "{{ user.missing is defined }}", V, "false"),
    ("is-null", "{{ nothing is null }}", V, "true"),
    ("is-not-null", "{{ name is not null }}", V, "true"),
    ("is-empty-list", "{{ empty is empty }}", V, "true"),
    ("is-empty-string", "{{ '' is empty }}", {}, "true"),
    ("is-empty-null", "{{ nothing is empty }}", V, "true"),
    ("is-not-empty", "{{ words is not empty }}", V, "true"),
    ("is-even", "{{ 4 is even }}", {}, "true"),
    ("is-odd", "{{ n is odd }}", V, "true"),
    ("is-iterable", "{{ words is iterable }}", V, "true"),
    ("is-iterable-string", "{{ name is iterable }}", V, "false"),
    ("is-map", "{{ user is map }}", V, "true"),
    ("is-map-list", "{{ words is map }}", V, "false"),
    ("is-json", "{{ json is json }}", V, "true"),
    ("is-json-not", "{{ 'not json' is json }}", {}, "false"),
    # --- tags
    ("if", "{% if flag %}yes{% endif %}", V, "yes"),
    ("if-else", "{% if off %}yes{% else %}no{% endif %}", V, "no"),
    ("elseif", "{% if n < 5 %}a{% elseif n < 10 %}b{% else %}c{% endif %}", V, "b"),
    ("if-truthy-string", "{% if name %}t{% endif %}", V, "t"),
    ("if-empty-list-false", "{% if empty %}t{% else %}f{% endif %}", V, "f"),
    ("if-zero-false", "{% if 0 %}t{% else %}f{% endif %}", {}, "f"),
    ("for", "{% for w in words %}{{ w }},{% endfor %}", V, "banana,apple,cherry,"),
    ("for-else", "{% for w in empty %}x{% else %}none{% endfor %}", V, "none"),
    ("for-loop-index", "{% for w in words %}{{ loop.index }}{% endfor %}", V, "012"),
    ("for-loop-revindex", "{% for w in words %}{{ loop.revindex }}{% endfor %}", V, "210"),
    (
        "for-loop-first-last",
        "{% for w in words %}{{ loop.first }}/{{ loop.last }} {% endfor %}",
        V,
        "true/false false/false false/true ",
    ),
    ("for-loop-length", "{% for w in words %}{{ loop.length }}{% endfor %}", V, "333"),
    ("for-map-kv", "{% for k, v in map %}{{ k }}={{ v }};{% endfor %}", V, "b=2;a=1;"),
    ("for-map-entry", "{% for e in map %}{{ e.key }}{% endfor %}", V, "ba"),
    (
        "for-nested",
        "{% for a in [1,2] %}{% for b in [3,4] %}{{ a * b }} {% endfor %}{% endfor %}",
        {},
        "3 4 6 8 ",
    ),
    ("for-range", "{% for i in range(1, 3) %}{{ i }}{% endfor %}", {}, "123"),
    ("for-var-scoped", "{% for x in [1] %}{% endfor %}{{ x is defined }}", {}, "false"),
    ("set", "{% set x = 1 + 1 %}{{ x }}", {}, "2"),
    ("set-list", "{% set xs = [1, 2] %}{{ xs | length }}", {}, "2"),
    ("set-shadows", "{% set name = 'Ada' %}{{ name }}", V, "Ada"),
    ("filter-tag", "{% filter upper %}hello {{ name }}{% endfilter %}", V, "HELLO WORLD"),
    ("filter-tag-chain", "{% filter lower | capitalize %}HELLO{% endfilter %}", {}, "Hello"),
    (
        "macro",
        "{% macro hi(who='you') %}hi {{ who }}{% endmacro %}{{ hi('ada') }} {{ hi() }}",
        {},
        "hi ada hi you",
    ),
    # --- string filters
    ("abbreviate", "{{ 'this is a long sentence.' | abbreviate(7) }}", {}, "this..."),
    ("abbreviate-short", "{{ 'short' | abbreviate(10) }}", {}, "short"),
    ("abbreviate-exact-length-pebble-quirk", "{{ 'hello' | abbreviate(5) }}", {}, "he..."),
    ("abbreviate-tiny", "{{ 'hello' | abbreviate(2) }}", {}, "he"),
    ("capitalize", "{{ 'article title' | capitalize }}", {}, "Article title"),
    ("title", "{{ 'article title' | title }}", {}, "Article Title"),
    ("lower", "{{ 'LOUD' | lower }}", {}, "loud"),
    ("upper", "{{ name | upper }}", V, "WORLD"),
    ("trim", "[{{ s | trim }}]", V, "[padded]"),
    (
        "replace-map",
        "{{ 'I like %this% and %that%.' | replace({'%this%': 'a', '%that%': 'b'}) }}",
        {},
        "I like a and b.",
    ),
    ("replace-regexp", "{{ 'a1b22' | replace({'[0-9]+': '#'}, regexp=true) }}", {}, "a#b#"),
    (
        "regexReplace",
        "{{ 'hello world' | regexReplace(regex='wor(ld)', replacement='$1!') }}",
        {},
        "hello ld!",
    ),
    ("regexMatch-find", "{{ 'hello world' | regexMatch('o w') }}", {}, "true"),
    ("regexMatch-false", "{{ 'hello' | regexMatch('^x') }}", {}, "false"),
    ("split", "{{ 'a,b,,c,,' | split(',') }}", {}, '["a","b","","c"]'),
    ("split-regex-dot-escaped", "{{ 'a.b.c' | split('\\\\.') }}", {}, '["a","b","c"]'),
    ("split-limit", "{{ 'a,b,c' | split(',', 2) }}", {}, '["a","b,c"]'),
    ("startsWith", "{{ 'kestra' | startsWith('kes') }}", {}, "true"),
    ("startsWith-named", "{{ 'kestra' | startsWith(value='x') }}", {}, "false"),
    ("endsWith", "{{ 'kestra' | endsWith('tra') }}", {}, "true"),
    ("substring", "{{ 'kestra' | substring(1, 3) }}", {}, "es"),
    ("substringAfter", "{{ 'a.b.c' | substringAfter('.') }}", {}, "b.c"),
    ("substringAfter-missing", "[{{ 'abc' | substringAfter('x') }}]", {}, "[]"),
    ("substringAfterLast", "{{ 'a.b.c' | substringAfterLast('.') }}", {}, "c"),
    ("substringBefore", "{{ 'a.b.c' | substringBefore('.') }}", {}, "a"),
    ("substringBefore-missing", "{{ 'abc' | substringBefore('x') }}", {}, "abc"),
    ("substringBeforeLast", "{{ 'a.b.c' | substringBeforeLast('.') }}", {}, "a.b"),
    ("slugify", "{{ 'Hello World! Ça va?' | slugify }}", {}, "hello-world-ca-va"),
    ("escapeChar-single", "{{ \"it's\" | escapeChar('single') }}", {}, "it\\'s"),
    ("escapeChar-double", "{{ 'say \"hi\"' | escapeChar('double') }}", {}, 'say \\"hi\\"'),
    ("escapeChar-shell", "{{ \"it's\" | escapeChar('shell') }}", {}, "it'\\''s"),
    ("indent", "{{ 'a\\nb' | indent(2) }}", {}, "a\n  b"),
    ("indent-prefix", "{{ 'a\\nb' | indent(1, '>') }}", {}, "a\n>b"),
    ("nindent", "{{ 'a\\nb' | nindent(2) }}", {}, "\n  a\n  b"),
    ("string", "{{ 12 | string ~ 'x' }}", {}, "12x"),
    ("number-int", "{{ '12' | number + 1 }}", {}, "13"),
    ("number-float", "{{ '1.5' | number }}", {}, "1.5"),
    ("number-type-float", "{{ '2' | number('DOUBLE') }}", {}, "2.0"),
    ("abs", "{{ -5 | abs }}", {}, "5"),
    ("numberFormat", "{{ 3.141592653 | numberFormat('#.##') }}", {}, "3.14"),
    ("numberFormat-zeros", "{{ 2 | numberFormat('0.00') }}", {}, "2.00"),
    ("numberFormat-grouping", "{{ 1234567.891 | numberFormat('#,##0.00') }}", {}, "1,234,567.89"),
    ("numberFormat-half-even", "{{ 2.5 | numberFormat('#') }}", {}, "2"),
    ("default-undefined", "{{ missing | default('x') }}", V, "x"),
    ("default-null", "{{ nothing | default('x') }}", V, "x"),
    ("default-empty-string", "{{ '' | default('x') }}", {}, "x"),
    ("default-value", "{{ name | default('x') }}", V, "World"),
    ("default-missing-attr", "{{ user.nope | default('x') }}", V, "x"),
    # --- collection filters
    ("length-list", "{{ words | length }}", V, "3"),
    ("length-string", "{{ name | length }}", V, "5"),
    ("length-map", "{{ user | length }}", V, "4"),
    ("first", "{{ words | first }}", V, "banana"),
    ("first-string", "{{ name | first }}", V, "W"),
    ("last", "{{ words | last }}", V, "cherry"),
    ("join", "{{ words | join(', ') }}", V, "banana, apple, cherry"),
    ("join-default", "{{ [1, 2] | join }}", {}, "12"),
    ("keys", "{{ map | keys }}", V, '["b","a"]'),
    ("values", "{{ map | values }}", V, "[2,1]"),
    ("chunk", "{{ [1, 2, 3, 4, 5] | chunk(2) }}", {}, "[[1,2],[3,4],[5]]"),
    ("distinct", "{{ [1, 2, 1, 3, 2] | distinct }}", {}, "[1,2,3]"),
    ("flatten", "{{ nested | flatten }}", V, "[1,2,3,4]"),
    ("merge-maps", "{{ {'a': 1} | merge({'b': 2}) }}", {}, '{"a":1,"b":2}'),
    ("merge-lists", "{{ [1] | merge([2]) }}", {}, "[1,2]"),
    ("reverse-list", "{{ items | reverse }}", V, "[2,1,3]"),
    ("reverse-string", "{{ 'abc' | reverse }}", {}, "cba"),
    ("sort", "{{ items | sort }}", V, "[1,2,3]"),
    ("sort-strings", "{{ words | sort }}", V, '["apple","banana","cherry"]'),
    ("rsort", "{{ items | rsort }}", V, "[3,2,1]"),
    ("slice-list", "{{ words | slice(1, 3) }}", V, '["apple","cherry"]'),
    ("slice-string", "{{ 'kestra' | slice(0, 3) }}", {}, "kes"),
    ("slice-from", "{{ 'kestra' | slice(3) }}", {}, "tra"),
    # --- JSON, YAML, jq
    (
        "toJson",
        "{{ user | toJson }}",
        V,
        '{"name":"ada","age":36,"tags":["a","b"],"address":{"city":"Paris"}}',
    ),
    ("toJson-string", "{{ 'a\"b' | toJson }}", {}, '"a\\"b"'),
    ("toJson-null", "{{ nothing | toJson }}", V, "null"),
    ("yaml-filter-indents-lists", "{{ {'a': 1, 'b': ['x']} | yaml }}", {}, "a: 1\nb:\n - x\n"),
    ("jq-list", "{{ json | jq('.a.b') }}", V, "[[1,2,3]]"),
    ("jq-first", "{{ json | jq('.token') | first }}", V, "xyz"),
    ("jq-map-input", "{{ user | jq('.address.city') | first }}", V, "Paris"),
    ("jq-multiple", "{{ [1, 2] | jq('.[] * 2') }}", {}, "[2,4]"),
    ("fromJson", "{{ fromJson(json).a.b[2] }}", V, "3"),
    ("json-function", "{{ json('[1, 2]') | length }}", {}, "2"),
    ("yaml-function", "{{ yaml('a: [1, 2]').a[1] }}", {}, "2"),
    # --- encoding and hashing
    ("base64encode", "{{ 'hello' | base64encode }}", {}, "aGVsbG8="),
    ("base64decode", "{{ 'aGVsbG8=' | base64decode }}", {}, "hello"),
    ("urlencode", "{{ 'a b&c=d/é~*' | urlencode }}", {}, "a+b%26c%3Dd%2F%C3%A9%7E*"),
    ("urldecode", "{{ 'a+b%26c' | urldecode }}", {}, "a b&c"),
    ("md5", "{{ 'hello' | md5 }}", {}, "5d41402abc4b2a76b9719d911017c592"),
    ("sha1", "{{ 'hello' | sha1 }}", {}, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
    (
        "sha256",
        "{{ 'hello' | sha256 }}",
        {},
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
    ),
    (
        "sha512",
        "{{ 'a' | sha512 | slice(0, 16) }}",
        {},
        "1f40fc92da241694",
    ),
    # --- dates (output in UTC unless timeZone is given)
    (
        "date-rfc-1123",
        "{{ date | date('rfc_1123_date_time') }}",
        V,
        "Mon, 15 Jan 2024 10:30:45 GMT",
    ),
    (
        "date-rfc-1123-offset",
        "{{ date | date('rfc_1123_date_time', timeZone='Asia/Kolkata') }}",
        V,
        "Mon, 15 Jan 2024 16:00:45 +0530",
    ),
    (
        "date-iso-zoned",
        "{{ date | date('iso_zoned_date_time', timeZone='America/New_York') }}",
        V,
        "2024-01-15T05:30:45.123456-05:00[America/New_York]",
    ),
    (
        "date-iso-local-date-time",
        "{{ date | date('iso_local_date_time') }}",
        V,
        "2024-01-15T10:30:45.123456",
    ),
    ("negative-index-is-undefined", "{{ words[-1] ?? 'none' }}", V, "none"),
    ("date-default-iso", "{{ date | date }}", V, "2024-01-15T10:30:45.123456Z"),
    ("date-pattern", "{{ date | date('yyyy-MM-dd') }}", V, "2024-01-15"),
    ("date-pattern-time", '{{ date | date("HH:mm:ss") }}', V, "10:30:45"),
    ("date-timezone", "{{ date | date('HH:mm XXX', timeZone='Europe/Paris') }}", V, "11:30 +01:00"),
    ("date-month-names", "{{ date | date('EEEE d MMMM yyyy') }}", V, "Monday 15 January 2024"),
    ("date-iso-sec", "{{ date | date('iso_sec') }}", V, "2024-01-15T10:30:45Z"),
    ("date-sql", "{{ date | date('sql_seq') }}", V, "2024-01-15 10:30:45"),
    ("date-epoch", "{{ 0 | date('yyyy-MM-dd HH:mm') }}", {}, "1970-01-01 00:00"),
    (
        "date-existing-format",
        "{{ '15/01/2024' | date('yyyy-MM-dd', existingFormat='dd/MM/yyyy') }}",
        {},
        "2024-01-15",
    ),
    (
        "date-iso-instant",
        "{{ '2024-01-15T11:00:00+01:00' | date('iso_instant') }}",
        {},
        "2024-01-15T10:00:00Z",
    ),
    ("dateAdd-days", "{{ date | dateAdd(1, 'DAYS', 'yyyy-MM-dd') }}", V, "2024-01-16"),
    (
        "dateAdd-hours-negative",
        "{{ date | dateAdd(-11, 'HOURS', 'yyyy-MM-dd HH') }}",
        V,
        "2024-01-14 23",
    ),
    (
        "dateAdd-months-clamps",
        "{{ '2024-01-31T00:00:00Z' | dateAdd(1, 'MONTHS', 'yyyy-MM-dd') }}",
        {},
        "2024-02-29",
    ),
    ("timestamp", "{{ '2024-01-15T10:30:45Z' | timestamp }}", {}, "1705314645"),
    ("timestampMilli", "{{ date | timestampMilli }}", V, "1705314645123"),
    # Kestra's TimestampMicroFilter: epoch nanos of the seconds + the micros (its own test).
    ("timestampMicro", "{{ date | timestampMicro }}", V, "1705314645000123456"),
    ("timestampNano", "{{ '1970-01-01T00:00:01Z' | timestampNano }}", {}, "1000000000"),
    ("numberformat-pebble-name", "{{ 0.5 | numberformat('0.00') }}", {}, "0.50"),
    ("json-filter-old-name", "{{ [1, 'a'] | json }}", {}, '[1,"a"]'),
    ("toYaml", "{{ {'k': 'v'} | toYaml }}", {}, "k: v\n"),
    ("fromYaml", "{{ fromYaml('k: [1]').k[0] }}", {}, "1"),
    # --- functions
    ("range", "{{ range(0, 3) }}", {}, "[0,1,2,3]"),
    ("range-step", "{{ range(0, 10, 5) }}", {}, "[0,5,10]"),
    ("max", "{{ max(1, 5, 3) }}", {}, "5"),
    ("min", "{{ min(4, 2.5) }}", {}, "2.5"),
    ("render-function", "{{ render(tpl) }}", {"tpl": "{{ name }}!", "name": "x"}, "x!"),
    (
        "render-recursive",
        "{{ render(t1) }}",
        {"t1": "{{ t2 }}", "t2": "{{ name }}", "name": "deep"},
        "deep",
    ),
    (
        "renderOnce",
        "{{ renderOnce(t1) }}",
        {"t1": "{{ t2 }}", "t2": "{{ name }}", "name": "deep"},
        "{{ name }}",
    ),
    ("render-non-string", "{{ render(3) }}", {}, "3"),
    ("randomInt-range", "{{ randomInt(5, 6) }}", {}, "5"),
    ("uuid-shape", "{{ uuid() | length }}", {}, "36"),
    ("function-in-filter-arg", "{{ 'x' | default(max(1, 2)) }}", {}, "x"),
    # --- named arguments
    ("named-args", "{{ 'abc' | slice(toIndex=2) }}", {}, "ab"),
    ("named-args-mixed", "{{ 'a b c' | split(' ', limit=2) }}", {}, '["a","b c"]'),
]

#: Kestra's PebbleVariableRendererTest#recursive: render() over strings, maps and lists.
RECURSIVE: dict[str, Any] = {
    "first": "1",
    "second": "{{first}}",
    "third": "{{second}}",
    "fourth": "{{render(third, recursive=false)}}",
    "map": {"third": "{{third}}"},
    "list": ["{{third}}"],
}
#: Kestra's PebbleVariableRendererTest#eval/#firstDefinedEval data.
BLOCKS: dict[str, Any] = {"block": {"test": {"child": "awesome"}}, "inner": "test"}

# Parity with Pebble and Kestra (their sources and tests): one row per behaviour.
CASES += [
    # --- render() and renderOnce()
    ("render-plain-variable-is-not-rendered", "{{ third }}", RECURSIVE, "{{second}}"),
    ("render-not-recursive", "{{ render(third, recursive=false) }}", RECURSIVE, "{{first}}"),
    ("render-recursive-to-the-end", "{{ render(third) }}", RECURSIVE, "1"),
    ("render-recursive-through-renderOnce", "{{ render(fourth) }}", RECURSIVE, "1"),
    ("render-map-once", "{{ render(map, recursive=false) }}", RECURSIVE, '{"third":"{{second}}"}'),
    ("render-map", "{{ render(map) }}", RECURSIVE, '{"third":"1"}'),
    ("render-list-once", "{{ render(list, recursive=false) }}", RECURSIVE, '["{{second}}"]'),
    ("render-list", "{{ render(list) }}", RECURSIVE, '["1"]'),
    ("renderOnce-list", "{{ renderOnce(list) }}", RECURSIVE, '["{{second}}"]'),
    ("render-map-keys", "{{ render({'{{ first }}': 'v'}) }}", RECURSIVE, '{"1":"v"}'),
    ("render-settled-self-reference", "{{ render(a) }}", {"a": "{{ a }}"}, "{{ a }}"),
    ("render-null", "[{{ render(null) }}]", {}, "[]"),
    # --- null-safety over subscripts (Kestra's firstDefinedEval)
    ("eval-subscript", "{{ block[inner].child }}", BLOCKS, "awesome"),
    (
        "defined-subscript",
        "{{ block[inner].child is defined ? block[inner].child : null }}",
        BLOCKS,
        "awesome",
    ),
    (
        "defined-undefined-key",
        "{{ block[missing].child is defined ? null : block[inner].child }}",
        BLOCKS,
        "awesome",
    ),
    (
        "not-defined-undefined-keys-nested",
        "{{ block[missing].child is not defined ? (block[missing2].child is not defined ? "
        "block[inner].child : null) : null }}",
        BLOCKS,
        "awesome",
    ),
    ("coalesce-undefined-key", "{{ block[missing].child ?? 'fallback' }}", BLOCKS, "fallback"),
    ("undefined-coalesce-undefined-key", "{{ block[missing] ??? 'x' }}", BLOCKS, "x"),
    ("default-undefined-key", "{{ block[missing].child | default('d') }}", BLOCKS, "d"),
    ("coalesce-key-from-undefined-attribute", "{{ block[inner.bla] ?? 'y' }}", BLOCKS, "y"),
    # --- operators and tests
    ("isIn-list", "{{ 1 isIn [1, 2] }}", {}, "true"),
    ("isIn-missing", "{{ 3 isIn [1, 2] }}", {}, "false"),
    ("not-isIn", "{{ 3 not isIn [1, 2] }}", {}, "true"),
    ("isIn-string", "{{ 'ell' isIn 'hello' }}", {}, "true"),
    ("isIn-map-keys", "{{ 'a' isIn {'a': 1} }}", {}, "true"),
    ("isIn-in-if", "{% if 'b' isIn words %}no{% else %}yes{% endif %}", V, "yes"),
    ("iterable-null", "{{ null is iterable }}", {}, "false"),
    ("not-iterable-null", "{{ nothing is not iterable }}", V, "true"),
    ("iterable-list", "{{ items is iterable }}", V, "true"),
    ("compare-null-is-false", "{{ null < 1 }}", {}, "false"),
    ("compare-numbers", "{{ 2 > 1.5 }}", {}, "true"),
    # --- filters
    ("keys-of-list", "{{ ['a', 'b', 'c'] | keys }}", {}, "[0,1,2]"),
    ("keys-of-empty-list", "{{ [] | keys }}", {}, "[]"),
    ("className-string", "{{ 'a' | className }}", {}, "java.lang.String"),
    ("className-integer", "{{ n | className }}", V, "java.lang.Integer"),
    ("className-long", "{{ 3000000000 | className }}", {}, "java.lang.Long"),
    ("className-double", "{{ f | className }}", V, "java.lang.Double"),
    ("className-boolean", "{{ flag | className }}", V, "java.lang.Boolean"),
    ("className-list", "{{ items | className }}", V, "java.util.ArrayList"),
    ("className-map", "{{ map | className }}", V, "java.util.LinkedHashMap"),
    ("className-null", "[{{ nothing | className }}]", V, "[]"),
    ("numberFormat-default", "{{ 1234567.891 | numberFormat }}", {}, "1,234,567.891"),
    ("numberFormat-default-rounds", "{{ 3.14159 | numberFormat }}", {}, "3.142"),
    ("numberFormat-default-int", "{{ 1234 | numberFormat }}", {}, "1,234"),
    ("numberFormat-kestra-doc", '{{ 12345.6789 | numberFormat("###,###.##") }}', {}, "12,345.68"),
    ("merge-null-left", "{{ null | merge([1]) }}", {}, "[1]"),
    ("merge-null-right", "{{ [1] | merge(null) }}", {}, "[1]"),
    ("merge-list-into-map", "{{ {'a': 1} | merge(['b']) }}", {}, '{"a":1,"b":"b"}'),
    ("merge-map-into-list", "{{ [1] | merge({'a': 2}) }}", {}, '[1,{"a":2}]'),
    ("yaml-string", "{{ 'string' | yaml }}", {}, "string\n"),
    ("yaml-int", "{{ 1 | yaml }}", {}, "1\n"),
    ("yaml-float", "{{ 1.123 | yaml }}", {}, "1.123\n"),
    ("yaml-bool", "{{ true | yaml }}", {}, "true\n"),
    ("yaml-null", "{{ null | yaml }}", {}, "null"),
    ("yaml-top-list", "{{ ['string', 1, 1.123] | yaml }}", {}, " - string\n - 1\n - 1.123\n"),
    ("yaml-map", "{{ {'string': 'string', 'int': 1} | yaml }}", {}, "string: string\nint: 1\n"),
    ("yaml-quotes-reserved", "{{ {'a': 'yes', 'b': '12'} | yaml }}", {}, 'a: "yes"\nb: "12"\n'),
    ("yaml-empty-containers", "{{ {'a': {}, 'b': []} | yaml }}", {}, "a: {}\nb: []\n"),
    ("yaml-java-double", "{{ {'a': big} | yaml }}", {"big": 1e20}, "a: 1.0E20\n"),
    ("toIon-string", "{{ 'string' | toIon }}", {}, '"string"'),
    ("toIon-int", "{{ 1 | toIon }}", {}, "1"),
    ("toIon-float", "{{ 1.1230000257492065 | toIon }}", {}, "1.1230000257492065e0"),
    ("toIon-list", "{{ ['string', 1] | toIon }}", {}, '["string",1]'),
    ("toIon-bool", "{{ true | toIon }}", {}, "true"),
    ("toIon-empty-object", '{{ {"empty_object": {}} | toIon }}', {}, "{empty_object:{}}"),
    ("toIon-null", "{{ null | toIon }}", {}, "null"),
    ("toIon-quoted-field", "{{ {'a b': 1, 'null': 2} | toIon }}", {}, "{'a b':1,'null':2}"),
    ("toIon-small-double", "{{ 0.0001 | toIon }}", {}, "1.0e-4"),
    ("fromIon-struct", "{{ fromIon('{a:1,b:\"x\"}') }}", {}, '{"a":1,"b":"x"}'),
    ("fromIon-field", "{{ fromIon('{a:1,b:[1.5e0,null,true]}').b }}", {}, "[1.5,null,true]"),
    ("fromIon-symbol", "{{ fromIon('sym') }}", {}, "sym"),
    ("fromIon-decimal", "{{ fromIon('1.50') }}", {}, "1.5"),
    ("fromIon-timestamp", "{{ fromIon('2024-01-01T10:00:00Z') }}", {}, "2024-01-01T10:00:00Z"),
    ("fromIon-null", "[{{ fromIon(null) }}]", {}, "[]"),
    ("toIon-fromIon-round-trip", "{{ fromIon(user | toIon) == user }}", V, "true"),
    # --- dates (Kestra's DateFilterTest, Java pattern letters)
    (
        "date-rfc-1123-existing-format",
        "{{ 'Tue, 08 Feb 2022 19:38:26 GMT' | date(existingFormat='rfc_1123_date_time', "
        "timeZone='Europe/Paris') }}",
        {},
        "2022-02-08T20:38:26.000000+01:00",
    ),
    (
        "date-rfc-1123-format",
        "{{ '2022-02-08T19:38:26Z' | date('rfc_1123_date_time') }}",
        {},
        "Tue, 8 Feb 2022 19:38:26 GMT",
    ),
    (
        "date-rfc-1123-pattern",
        "{{ '2022-02-08T19:38:26Z' | date(\"EEE, dd MMM yyyy HH:mm:ss 'GMT'\") }}",
        {},
        "Tue, 08 Feb 2022 19:38:26 GMT",
    ),
    (
        "date-more-letters",
        "{{ '2024-05-15T13:04:05.123Z' | date('G QQQ QQQQ q W F K k A n O EEEEE MMMMM') }}",
        {},
        "AD Q2 2nd quarter 2 3 3 1 13 47045123 123000000 GMT W M",
    ),
    (
        "date-offset-O",
        "{{ '2024-05-15T13:04:05Z' | date('O', timeZone='Europe/Paris') }}",
        {},
        "GMT+2",
    ),
    (
        "date-offset-OOOO",
        "{{ '2024-05-15T13:04:05Z' | date('OOOO', timeZone='Asia/Kolkata') }}",
        {},
        "GMT+05:30",
    ),
    (
        "timestampNano-nine-digits",
        "{{ '2013-09-08T15:19:12.123456789Z' | timestampNano }}",
        {},
        "1378653552123456789",
    ),
    (
        "timestampNano-kestra",
        "{{ '2013-09-08T17:19:12.123456+02:00' | timestampNano(timeZone='Europe/Paris') }}",
        {},
        "1378653552123456000",
    ),
    (
        "timestampMicro-kestra",
        "{{ '2013-09-08T17:19:12.123456+02:00' | timestampMicro(timeZone='Europe/Paris') }}",
        {},
        "1378653552000123456",
    ),
    (
        "timestampMilli-nine-digits",
        "{{ '1970-01-01T00:00:01.999999999Z' | timestampMilli }}",
        {},
        "1999",
    ),
    # --- tags: raw as Kestra reads it (nothing trimmed), verbatim as Pebble's lexer
    (
        "raw-kestra-dashes-trim-nothing",
        "See some code {%-  raw%}{{ var }}{%endraw -%}",
        {},
        "See some code {{ var }}",
    ),
    ("raw-no-spaces", "See some code {%raw%}{{ var }}{%endraw%}", {}, "See some code {{ var }}"),
    (
        "raw-twice",
        "{% raw %}{{ var }}{% endraw %} and {% raw %}{{ var2 }}{% endraw %}",
        {},
        "{{ var }} and {{ var2 }}",
    ),
    ("raw-keeps-inner-spaces", "a {%- raw -%}  x  {%- endraw -%} b", {}, "a   x   b"),
    ("raw-multiline", "{% raw %}\n{{ x }}\n{% endraw %}", {}, "\n{{ x }}\n"),
    ("raw-after-trimming-print", "{{ 1 -}}   {% raw %} y{% endraw %}", {}, "1 y"),
    (
        "verbatim-leading-trim",
        "<li> {%- verbatim %}{{ bar }} {%- endverbatim %}</li>",
        {},
        "<li>{{ bar }}</li>",
    ),
    (
        "verbatim-trailing-trim",
        "<li>{% verbatim -%} {{ bar }}{% endverbatim -%} </li>",
        {},
        "<li>{{ bar }}</li>",
    ),
    ("verbatim-always-trims-body-start", "{% verbatim %}  x {% endverbatim %}", {}, "x "),
    ("block-tag", "{% block header %}Hi {{ name }}{% endblock %}", V, "Hi World"),
    (
        "block-function",
        "{% block header %}Hi{% endblock %}|{{ block('header') }}",
        {},
        "Hi|Hi",
    ),
    (
        "block-function-before-definition",
        '{{ block("b") }}-{% block b %}x{% endblock b %}',
        {},
        "x-x",
    ),
    ("block-quoted-name", "{% block 'q' %}y{% endblock %}{{ block('q') }}", {}, "yy"),
    (
        "block-sees-loop-variables",
        "{% block item %}{% endblock %}{% for i in [1, 2] %}{% set x = i %}{{ block('item') }}"
        "{% endfor %}",
        {},
        "",
    ),
]


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [pytest.param(t, v, e, id=i) for i, t, v, e in CASES],
)
def test_conformance(template: str, variables: dict[str, Any], expected: str) -> None:
    assert render(template, variables) == expected


SECRET_VALUES = {"API_KEY": "fake-api-key", "DB": '{"user": "app", "password": "fake-pw"}'}


def fake_secret(key: str, namespace: str | None = None, subkey: str | None = None) -> str:
    value = SECRET_VALUES[key]
    return json.loads(value)[subkey] if subkey else value


CALLER_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "secret": fake_secret,
    "kv": lambda key, namespace=None, errorOnMissing=None: f"kv:{namespace or 'flow'}:{key}",
    "now": lambda timeZone=None: "2024-01-15T10:30:00Z",
    "uuid": lambda: "00000000-0000-0000-0000-000000000001",
}

CALLER_CASES: list[tuple[str, str, str]] = [
    ("secret", "{{ secret('API_KEY') }}", "fake-api-key"),
    ("secret-subkey", "{{ secret('DB', subkey='password') }}", "fake-pw"),
    ("secret-jq", "{{ secret('DB') | jq('.user') | first }}", "app"),
    ("secret-fromJson", "{{ fromJson(secret('DB')).user }}", "app"),
    ("kv", "{{ kv('my_key') }}", "kv:flow:my_key"),
    ("kv-namespace", "{{ kv('my_key', namespace='team') }}", "kv:team:my_key"),
    ("now-override", "{{ now() }}", "2024-01-15T10:30:00Z"),
    ("now-then-date", "{{ now() | date('yyyy') }}", "2024"),
    ("now-then-dateAdd", "{{ now() | dateAdd(-1, 'DAYS', 'yyyy-MM-dd') }}", "2024-01-14"),
    ("uuid-override", "{{ uuid() }}", "00000000-0000-0000-0000-000000000001"),
    # Kestra's "Handling null and undefined values" guide: ?? binds tighter than |.
    ("docs-null-now", "{{ null ?? now() | date('yyyy-MM-dd') }}", "2024-01-15"),
    (
        "docs-undefined-input-default-range",
        "{{ inputs.start_date ?? now() | dateAdd(-1, 'MONTHS') | date('yyyy-MM-dd') }}",
        "2023-12-15",
    ),
]


@pytest.mark.parametrize(
    ("template", "expected"), [pytest.param(t, e, id=i) for i, t, e in CALLER_CASES]
)
def test_conformance_with_caller_functions(template: str, expected: str) -> None:
    assert render(template, {"inputs": {}}, functions=CALLER_FUNCTIONS) == expected


def test_docs_defined_input_wins_over_the_default() -> None:
    template = "{{ inputs.start_date ?? now() | dateAdd(-1, 'MONTHS') | date('yyyy-MM-dd') }}"
    variables = {"inputs": {"start_date": "2024-03-31"}}
    assert render(template, variables, functions=CALLER_FUNCTIONS) == "2024-02-29"


def test_now_without_override_is_current_utc_iso() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    text = render("{{ now() }}", {})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text)
    assert datetime.fromisoformat(text) >= before
    assert render("{{ now(timeZone='Europe/Paris') }}", {})[-6:] in ("+01:00", "+02:00")


def test_case_count_meets_the_acceptance_bar() -> None:
    assert len(CASES) + len(CALLER_CASES) >= 150
    assert len({case[0] for case in CASES}) == len(CASES), "case ids must be unique"
