"""Shared helpers for rules: the declarative "property X must be Y on type T" line, and small readers.

A declarative policy never misfires on an unknown preview value: it reports not-applicable
("unknown during preview") and the real update judges it again.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, List, Mapping, Optional, Sequence

from .model import resource_policy
from .resource import UNKNOWN, Resource, is_unknown
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
            unknown_during_preview(path)
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
                     judge: Callable[[Resource, List[Resource]], Any], frameworks: Iterable[str] = (),
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

    def check(stack, report) -> None:
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
    return stack_policy(name=name, title=title, checklist=checklist, severity=severity,
                        remediation=remediation, frameworks=frameworks, levels=levels, config=config,
                        types=tuple(subjects) + tuple(companions))(check)


# -- security group ingress, whatever resource shape carries it ----------------------------------
WORLD_CIDRS = ("0.0.0.0/0", "::/0")


def world_open_ingress(r: Resource) -> List[tuple]:
    """(from_port, to_port, protocol) of the ingress rules of `r` open to the whole internet.

    Handles aws.ec2.SecurityGroup (inline `ingress`), aws.ec2.SecurityGroupRule (type ingress) and
    aws.vpc.SecurityGroupIngressRule. Unknown CIDRs are never treated as open.
    """
    rules = []
    if r.type == "aws:ec2/securityGroup:SecurityGroup":
        for rule in as_list(r.peek("ingress")):
            if isinstance(rule, dict):
                rules.append((rule.get("fromPort"), rule.get("toPort"), rule.get("protocol"),
                              as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))))
    elif r.type == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if r.peek("type") == "ingress":
            rules.append((r.peek("fromPort"), r.peek("toPort"), r.peek("protocol"),
                          as_list(r.peek("cidrBlocks")) + as_list(r.peek("ipv6CidrBlocks"))))
    elif r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        rules.append((r.peek("fromPort"), r.peek("toPort"), r.peek("ipProtocol"),
                      [r.peek("cidrIpv4"), r.peek("cidrIpv6")]))
    return [(f, t, p) for f, t, p, cidrs in rules
            if any(isinstance(c, str) and c in WORLD_CIDRS for c in cidrs) and not is_unknown(p)]


def all_traffic(protocol: Any) -> bool:
    return str(protocol) in ("-1", "all")


def ingress_covers(rule: tuple, port: int) -> bool:
    """Does a world-open (from, to, protocol) ingress rule expose TCP `port`?"""
    from_port, to_port, protocol = rule
    if all_traffic(protocol):
        return True
    if str(protocol).lower() not in ("tcp", "6"):
        return False
    if not isinstance(from_port, int) or not isinstance(to_port, int):
        return False
    return from_port <= port <= to_port


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


def iam_documents(r: Resource):
    """(where, document) pairs of an IAM resource: `policy` on policy holders, inlinePolicies on a Role."""
    if r.type == "aws:iam/role:Role":
        for i, inline in enumerate(as_list(r.peek("inlinePolicies"))):
            if isinstance(inline, dict):
                yield f"inline policy {inline.get('name') or i}", inline.get("policy")
    else:
        yield "policy", r.peek("policy")


def allow_statements(document: Any) -> List[dict]:
    """The Allow statements of a policy document (string or object); none while it is unknown."""
    return [s for s in policy_statements(document) if s.get("Effect") == "Allow"]


def statement_allows(stmt: dict, actions: Iterable[str]) -> List[str]:
    """Which of `actions` an Allow statement grants (Action globs, or everything a NotAction leaves)."""
    granted = [a for a in as_list(stmt.get("Action")) if isinstance(a, str)]
    if granted:
        return [a for a in actions if any(_fnmatchcase(a.lower(), g.lower()) for g in granted)]
    excluded = [a for a in as_list(stmt.get("NotAction")) if isinstance(a, str)]
    if excluded:
        return [a for a in actions if not any(_fnmatchcase(a.lower(), g.lower()) for g in excluded)]
    return []


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
                    remediation: str, types: Sequence[str], message: str, frameworks: Iterable[str] = (),
                    levels: Optional[Mapping[str, str]] = None, environments: Sequence[str] = ("prod",),
                    satisfied_by: Optional[Callable[[Resource], bool]] = None,
                    when: Callable[[Any], bool] = uses_aws, account: bool = False):
    """One line for "a stack in `environments` must contain a resource of `types`" (a budget, a
    GuardDuty detector...). `satisfied_by` narrows which of those resources count; unknown inputs
    count (judged again when known). `when` says which stacks need it (default: any AWS stack).
    `account=True`: an account-level control (one per AWS account), required of the account baseline stack
    only; other stacks get at most one advisory summary (see rules/account.py)."""
    from .model import stack_policy

    def check(stack, report) -> None:
        if stack.environment not in environments or not when(stack):
            return
        found = stack.of_type(*types)
        if satisfied_by is not None:
            found = [r for r in found if satisfied_by(r)]
        if not found:
            report(message)
    check.__name__ = f"check_{name.replace('-', '_')}"
    return stack_policy(name=name, title=title, checklist=checklist, severity=severity, remediation=remediation,
                        frameworks=frameworks, types=tuple(types), levels=levels, account=account)(check)


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
