"""Shared helpers for rules: the declarative "property X must be Y on type T" line, and small readers.

A declarative policy never misfires on an unknown preview value: it reports not-applicable
("unknown during preview") and the real update judges it again.
"""
from __future__ import annotations

import json
import sys
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence

from .model import Report, resource_policy, short_type, snake_path  # noqa: F401 (re-exported to rules)
from .resource import UNKNOWN, Resource, Stack, is_unknown
from .model import unknown_during_preview

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


def property_policy(*, name: str, title: str, checklist: Sequence[str] | str, severity: str,
                    remediation: str, types: Sequence[str] | str, path: str, expect: Expect,
                    message: str, cross_references: Iterable[str] = (), levels: Optional[Mapping[str, str]] = None,
                    missing: Any = None, aws_default: str = ""):
    """One line for the common shape: `path` on `types` must satisfy `expect`.

    `missing` is the value assumed when the input is absent: the provider's default. `aws_default` says in words
    what AWS or the provider does then (PolicyMeta.aws_default; verified, never guessed).
    `message` is "<what is wrong>; <how to fix it>" and may use {name} and {type} (the resource's logical name
    and class). The reported text says why it is wrong: when the input is absent, "(<input> not set:
    <aws_default>)" follows what is wrong; when it is set to a bad value, "(<input> is <value>)".
    """
    module = sys._getframe(1).f_globals.get("__name__", __name__)
    setting = snake_path(path)
    problem, _, fix = message.partition("; ")

    def check(r: Resource, report: Report) -> None:
        given = r.peek(path)
        value = missing if given is None else given
        if value is UNKNOWN:
            unknown_during_preview(path)
        if not expect(value):
            if given is None:
                why = f"{setting} not set: {aws_default}" if aws_default else f"{setting} not set"
            else:
                why = f"{setting} is {shown_value(r, path, given)}"
            names = {"name": r.name, "type": short_type(r.type)}
            report(f"{problem.format(**names)} ({why})" + (f"; {fix.format(**names)}" if fix else ""))
    check.__name__ = f"check_{name.replace('-', '_')}"
    check.__module__ = module
    return resource_policy(name=name, title=title, checklist=checklist, severity=severity,
                           remediation=remediation, types=types, cross_references=cross_references,
                           levels=levels, aws_default=aws_default, inputs=(path,))(check)


def why(r: Resource, path: str, aws_default: str, setting: Optional[str] = None) -> str:
    """Why a judged input fails, for a hand-written check's message: "(<input> not set: <aws_default>)" when it is
    absent, "(<input> is <value>)" when it is set (the same words property_policy uses)."""
    setting = setting or snake_path(path)
    given = r.peek(path)
    if given is None:
        return f"({setting} not set: {aws_default})"
    return f"({setting} is {shown_value(r, path, given)})"


def shown_value(r: Resource, path: str, value: Any) -> str:
    """An input value as a Python user wrote it, for a message; never a secret (nor a long or nested value)."""
    if r.is_secret(path):
        return "a secret value"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and len(value) <= 80:
        return repr(value)
    return "set to a value that does not pass"


# IAM policy documents are read by one module only: iamdoc.


def as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def not_true(v: Any) -> bool:
    """Passes unless the input is explicitly True (for flags whose True is the dangerous setting)."""
    return v is not True


def at_most(n: float) -> Expect:
    def test(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and v <= n
    test.__name__ = f"<= {n}"
    return test


# -- "every X needs a Y that points at it" (split-out S3 settings, flow logs, rotations...) ------
def companion_policy(*, name: str, title: str, checklist: Sequence[str] | str, severity: str,
                     remediation: str, subjects: Sequence[str], companions: Sequence[str], link: str,
                     judge: Callable[[Resource, List[Resource]], Any], cross_references: Iterable[str] = (),
                     levels: Optional[Mapping[str, str]] = None,
                     config: Optional[Mapping[str, Mapping[str, Any]]] = None,
                     applies: Optional[Callable[[Resource], bool]] = None):
    """A stack policy: each resource of `subjects` is judged with the `companions` whose `link` input
    refers to it (by property dependency, or by value when ids are known).

    `judge(subject, companions)` returns None when the subject is fine, UNKNOWN when the answer
    depends on a value unknown in preview (skipped), or the violation message (blamed on the subject).
    `applies(subject)` may exclude subjects (e.g. buckets that are themselves log targets).
    """
    from .model import stack_policy
    module = sys._getframe(1).f_globals.get("__name__", __name__)

    def check(stack: Stack, report: Report) -> None:
        for subject in stack.of_type(*subjects):
            subject.config = stack.config
            if applies is not None and not applies(subject):
                continue
            found = stack.referencing(subject, link, *companions)
            verdict = judge(subject, found)
            if verdict is None or verdict is UNKNOWN:
                continue
            report(verdict, subject.urn)
    check.__name__ = f"check_{name.replace('-', '_')}"
    check.__module__ = module
    return stack_policy(name=name, title=title, checklist=checklist, severity=severity,
                        remediation=remediation, cross_references=cross_references, levels=levels, config=config,
                        types=tuple(subjects) + tuple(companions))(check)


# -- security group ingress: one reader, netrules (CIDR coverage, every rule shape) -------------
from .netrules import WORLD_CIDRS, all_traffic, ingress_covers, world_open_ingress  # noqa: E402,F401


def not_false(v: Any) -> bool:
    """Passes unless the input is explicitly False (for settings whose provider default is secure)."""
    return v is not False and not (isinstance(v, str) and v.lower() == "false")


def truthy(v: Any) -> bool:
    """True, or the string "true" (some nested launch template inputs are strings)."""
    return v is True or (isinstance(v, str) and v.lower() == "true")

# -- shared shapes for the API / observability / AI / compliance rules (catalog part B) ----------
from fnmatch import fnmatchcase as _fnmatchcase  # noqa: E402


def glob_any(value: str, patterns: Iterable[str]) -> bool:
    """`value` matches one of the glob `patterns` (case-insensitive, as IAM compares actions)."""
    v = value.lower()
    return any(_fnmatchcase(v, p.lower()) for p in patterns if isinstance(p, str))


def links_to(source: Resource, prop: str, target: Resource, *target_props: str) -> bool:
    """`source`'s input `prop` points at `target`: by property dependency (robust in preview, where ids
    are unknown), or by value (equal to the target's logical name or one of its `target_props`)."""
    if target.urn in source.property_dependency_urns.get(prop, ()):
        return True
    value = source.peek(prop)
    values = {v for v in as_list(value) if isinstance(v, str) and not is_unknown(v)}
    if not values:
        return False
    ids = {target.name}
    for key in target_props:
        v = target.peek(key)
        if isinstance(v, str) and not is_unknown(v):
            ids.add(v)
    return bool(values & ids)


def uses_aws(stack) -> bool:
    """The stack manages at least one AWS resource (an empty or non-AWS stack needs no AWS guard rails)."""
    return any(r.type.startswith("aws:") for r in stack.resources)


def presence_policy(*, name: str, title: str, checklist: Sequence[str] | str, severity: str,
                    remediation: str, types: Sequence[str], message: str, cross_references: Iterable[str] = (),
                    levels: Optional[Mapping[str, str]] = None, environments: Sequence[str] = ("prod",),
                    satisfied_by: Optional[Callable[[Resource], bool]] = None,
                    when: Callable[[Any], bool] = uses_aws, account: bool = False):
    """One line for "a stack in `environments` must contain a resource of `types`" (a budget, a
    GuardDuty detector...). `satisfied_by` narrows which of those resources count; unknown inputs
    count (judged again when known). `when` says which stacks need it (default: any AWS stack).
    `account=True`: an account-level control (one per AWS account), required of the account baseline stack
    only; other stacks get at most one advisory summary (see rules/account.py)."""
    from .model import stack_policy
    module = sys._getframe(1).f_globals.get("__name__", __name__)

    def check(stack: Stack, report: Report) -> None:
        if stack.environment not in environments or not when(stack):
            return
        found = stack.of_type(*types)
        if satisfied_by is not None:
            found = [r for r in found if satisfied_by(r)]
        if not found:
            report(message)
    check.__name__ = f"check_{name.replace('-', '_')}"
    check.__module__ = module
    return stack_policy(name=name, title=title, checklist=checklist, severity=severity, remediation=remediation,
                        cross_references=cross_references, types=tuple(types), levels=levels, account=account)(check)


def json_keys(document: Any) -> set:
    """Every key (lower-cased) anywhere in a JSON document given as a string or parsed value."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return set()
    keys: set = set()
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(k.lower() for k in node if isinstance(k, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys
