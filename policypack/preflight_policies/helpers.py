"""Shared helpers for rules: the declarative "property X must be Y on type T" line, and small readers.

A declarative policy never misfires on an unknown preview value: it reports not-applicable
("unknown during preview") and the real update judges it again.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence

from .model import resource_policy
from .resource import UNKNOWN, Resource, is_unknown
from .server import not_applicable

Expect = Callable[[Any], bool]


# -- predicates (each has a readable __name__ for the catalog) ----------------------------------
def equals(expected: Any) -> Expect:
    def test(v: Any) -> bool:
        return v == expected
    test.__name__ = f"== {expected!r}"
    return test


def is_true(v: Any) -> bool:
    return v is True


def at_least(n: float) -> Expect:
    def test(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= n
    test.__name__ = f">= {n}"
    return test


def one_of(*allowed: Any) -> Expect:
    def test(v: Any) -> bool:
        return v in allowed
    test.__name__ = f"one of {allowed!r}"
    return test


def non_empty(v: Any) -> bool:
    return v not in (None, "", [], {})


def short_type(type_token: str) -> str:
    """aws:s3/bucket:Bucket -> aws.s3.Bucket (how a Python user writes it)."""
    try:
        pkg, mod, name = type_token.split(":")
        module = mod.split("/")[0]
        module = {"lambda": "lambda_"}.get(module, module)
        return f"{pkg}.{module}.{name}"
    except ValueError:
        return type_token


def property_policy(*, name: str, title: str, checklist: Sequence[str] | str, severity: str,
                    remediation: str, types: Sequence[str] | str, path: str, expect: Expect,
                    message: str, frameworks: Iterable[str] = (), levels: Optional[Mapping[str, str]] = None,
                    missing: Any = None):
    """One line for the common shape: `path` on `types` must satisfy `expect`.

    `missing` is the value assumed when the input is absent: the provider's default (usually the
    insecure one). `message` may use {name} and {type} (the resource's logical name and class).
    """
    def check(r: Resource, report) -> None:
        value = r.peek(path, missing)
        if value is UNKNOWN:
            not_applicable(f"{path} is unknown during preview; it is judged again when the value is known")
        if not expect(value):
            report(message.format(name=r.name, type=short_type(r.type)))
    check.__name__ = f"check_{name.replace('-', '_')}"
    return resource_policy(name=name, title=title, checklist=checklist, severity=severity,
                           remediation=remediation, types=types, frameworks=frameworks, levels=levels)(check)


# -- IAM policy documents -----------------------------------------------------------------------
def policy_statements(document: Any) -> List[dict]:
    """Statements of an IAM policy document given as a JSON string or an already-parsed dict.

    Unknown documents (preview) yield no statements; malformed JSON yields none either (the
    provider rejects it before anything is created).
    """
    if document is None or is_unknown(document):
        return []
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    stmts = document.get("Statement", [])
    if isinstance(stmts, dict):
        stmts = [stmts]
    return [s for s in stmts if isinstance(s, dict)]


def as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
