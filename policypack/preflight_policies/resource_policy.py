"""Resource-based policies (bucket, queue, topic, repository, key, secret, API, domain, file system,
vault...), one reader for all: who may act on the resource, and does a condition narrow it?

A statement is public when it allows a public principal ("*", {"AWS": "*"}, any NotPrincipal) and no
condition narrows *who* the caller is: source account/ARN/owner, organization, VPC or VPC endpoint,
principal ARN/account, external id, a source IP range. Conditions on *how* the call is made
(aws:SecureTransport, MFA, time, region, user agent, referer) narrow nothing: anyone can meet them.
Negated operators (StringNotEquals...) and ...IfExists operators do not narrow either: a caller
without the key passes them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional

from . import iamdoc
from .resource import is_unknown

# Condition keys that identify the caller (or its network), lower-cased.
NARROWING_KEYS = frozenset(k.lower() for k in (
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:SourceOrgID", "aws:SourceOrgPaths",
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn",
    "aws:PrincipalServiceName", "aws:ResourceOrgID", "aws:ResourceAccount",
    "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp", "aws:userid", "aws:username",
    "sts:ExternalId", "kms:CallerAccount", "s3:DataAccessPointAccount", "s3:DataAccessPointArn",
    "elasticfilesystem:AccessPointArn", "elasticfilesystem:AccessedViaMountTarget", "lambda:FunctionArn",
    "sns:Endpoint", "aws:CalledVia", "aws:PrincipalIsAWSService",
))
_WORLD_IPS = ("0.0.0.0/0", "::/0", "*")


@dataclass(frozen=True)
class PublicGrant:
    actions: tuple     # what anyone may do ('*' when all)
    conditions: tuple  # the condition keys present that do not narrow who (shown to the user)

    def describe(self) -> str:
        acts = ", ".join(self.actions[:4]) + (" ..." if len(self.actions) > 4 else "")
        why = (f" (its condition on {', '.join(self.conditions)} does not narrow who may call)"
               if self.conditions else " with no condition")
        return f"lets anyone (Principal '*') {acts or 'act'}{why}"


def principal_is_public(stmt: dict) -> bool:
    """Principal "*", {"AWS": "*"}, {"CanonicalUser": "*"}, or any NotPrincipal on an Allow (everyone but a few)."""
    if "NotPrincipal" in stmt:
        return True
    principal = stmt.get("Principal")
    if principal == "*" or (isinstance(principal, list) and "*" in principal):
        return True
    if isinstance(principal, dict):
        return any("*" in iamdoc.strings(principal.get(k)) for k in ("AWS", "CanonicalUser"))
    return False


def _narrowing_value(key: str, values: List[Any]) -> bool:
    strings = [v for v in values if isinstance(v, (str, bool, int))]
    if not strings:
        return False
    if key == "aws:sourceip":
        return not any(str(v) in _WORLD_IPS for v in strings)
    if key in ("aws:principalisawsservice", "elasticfilesystem:accessedviamounttarget"):
        return any(str(v).lower() == "true" for v in strings)
    return not any(str(v).strip() in ("*", "") for v in strings)


def condition_narrows(condition: Any) -> bool:
    """Does a statement's Condition restrict the caller to known accounts, organizations or networks?"""
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        op = str(operator).lower()
        if "not" in op or op.endswith("ifexists") or op == "null" or not isinstance(tests, dict):
            continue
        for key, value in tests.items():
            k = str(key).lower()
            if k in NARROWING_KEYS and _narrowing_value(k, iamdoc._as_list(value)):
                return True
    return False


def _condition_keys(condition: Any) -> tuple:
    if not isinstance(condition, dict):
        return ()
    return tuple(sorted({str(k) for tests in condition.values() if isinstance(tests, dict) for k in tests}))


def _negated_narrowing(condition: Any) -> bool:
    """A Deny's condition that denies everyone outside a known account/org/network: StringNotEquals
    aws:SourceVpce vpce-1, NotIpAddress aws:SourceIp 10.0.0.0/8, StringNotEquals aws:PrincipalOrgID o-1..."""
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        op = str(operator).lower()
        if "not" not in op or op.endswith("ifexists") or not isinstance(tests, dict):
            continue
        for key, value in tests.items():
            k = str(key).lower()
            if k in NARROWING_KEYS and _narrowing_value(k, iamdoc._as_list(value)):
                return True
    return False


def _denied_to_outsiders(stmt: dict, denies: List[dict]) -> bool:
    """Does a public Deny 'unless you come from X' cover every action of this Allow?"""
    wanted = iamdoc.actions(stmt) or ["*"]
    for deny in denies:
        patterns = iamdoc.actions(deny)
        if patterns and all(any(iamdoc.action_matches(p, a) or p == "*" for p in patterns) for a in wanted):
            return True
    return False


def public_grants(document: Any) -> List[PublicGrant]:
    """The statements of a resource policy (JSON string or object) that let anyone act; [] when unknown.

    A public Allow fenced by a public Deny for everyone outside a VPC endpoint, network or organization
    (the private API / VPC-only bucket pattern) is not public.
    """
    out = []
    denies = [s for s in iamdoc.policy_statements(document) if s.get("Effect") == "Deny" and principal_is_public(s)
              and _negated_narrowing(s.get("Condition"))]
    for stmt in iamdoc.allow_statements(document):
        if not principal_is_public(stmt) or condition_narrows(stmt.get("Condition")) \
                or _denied_to_outsiders(stmt, denies):
            continue
        actions = tuple(iamdoc.actions(stmt)) or (("all but " + ", ".join(iamdoc.strings(stmt.get("NotAction"))),)
                                                  if stmt.get("NotAction") else ())
        out.append(PublicGrant(actions, _condition_keys(stmt.get("Condition"))))
    return out


def first_public_grant(document: Any) -> Optional[PublicGrant]:
    grants = public_grants(document)
    return grants[0] if grants else None


# -- OpenSearch Serverless: JSON lists of rules, not IAM documents ------------------------------------
def _json_list(value: Any) -> Optional[list]:
    if value is None or is_unknown(value):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict):
        value = [value]
    return value if isinstance(value, list) else None


def serverless_network_public(policy: Any) -> List[str]:
    """Collections/dashboards an OpenSearch Serverless network policy opens to the internet."""
    out = []
    for rule_set in _json_list(policy) or []:
        if isinstance(rule_set, dict) and rule_set.get("AllowFromPublic") is True:
            for rule in iamdoc._as_list(rule_set.get("Rules")):
                if isinstance(rule, dict):
                    out += iamdoc.strings(rule.get("Resource")) or [str(rule.get("ResourceType", "collection"))]
            if not out:
                out.append("collections")
    return out


def serverless_access_public(policy: Any) -> List[str]:
    """Permissions an OpenSearch Serverless data access policy grants to Principal '*'."""
    out = []
    for rule_set in _json_list(policy) or []:
        if isinstance(rule_set, dict) and "*" in iamdoc.strings(rule_set.get("Principal")):
            for rule in iamdoc._as_list(rule_set.get("Rules")):
                if isinstance(rule, dict):
                    out += iamdoc.strings(rule.get("Permission"))
            if not out:
                out.append("access")
    return out
