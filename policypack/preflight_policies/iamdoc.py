"""The one reader of IAM policy documents, for every rule: identity policies, trust policies and
resource-based policies alike, read the way IAM evaluates them.

Inputs arrive as a JSON string or an already-parsed object (`iam.Policy.policy` is typed
Union[str, PolicyDocumentArgs]); every reader here accepts both. Unknown documents (preview) and
malformed JSON (the provider rejects it before anything is created) yield no statements.
"""
from __future__ import annotations

import fnmatch
import json
from typing import Any, Iterable, Iterator, List, Tuple

from .resource import Resource, is_unknown


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def parse(document: Any) -> Any:
    """A document as a dict (None when unknown, absent or not valid JSON)."""
    if document is None or is_unknown(document):
        return None
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, dict) else None


def policy_statements(document: Any) -> List[dict]:
    """Statements of a policy document given as a JSON string or an already-parsed dict."""
    parsed = parse(document)
    if parsed is None:
        return []
    stmts = parsed.get("Statement", [])
    if isinstance(stmts, dict):
        stmts = [stmts]
    return [s for s in _as_list(stmts) if isinstance(s, dict)]


known_statements = policy_statements  # [] while the document is unknown in preview


def documents(r: Resource) -> Iterator[Tuple[str, Any]]:
    """(where, document) pairs of an IAM resource: `policy` on policy holders, inlinePolicies on a Role."""
    if r.type == "aws:iam/role:Role":
        for i, inline in enumerate(_as_list(r.peek("inlinePolicies"))):
            if isinstance(inline, dict):
                yield f"inline policy {inline.get('name') or i}", inline.get("policy")
    else:
        yield "policy", r.peek("policy")


def allows(stmt: dict) -> bool:
    return stmt.get("Effect") == "Allow"


def allow_statements(document: Any) -> List[dict]:
    """The Allow statements of a policy document (string or object); none while it is unknown."""
    return [s for s in policy_statements(document) if allows(s)]


def strings(value: Any) -> List[str]:
    return [v for v in _as_list(value) if isinstance(v, str)]


def actions(stmt: dict) -> List[str]:
    return strings(stmt.get("Action"))


def resources(stmt: dict) -> List[str]:
    return strings(stmt.get("Resource"))


def action_matches(granted: str, wanted: str) -> bool:
    """Does the granted action pattern (e.g. 'iam:Pass*', '*') cover the action `wanted`? Case-insensitive."""
    return fnmatch.fnmatchcase(wanted.lower(), granted.lower())


def statement_allows(stmt: dict, wanted: Iterable[str]) -> List[str]:
    """Which of `wanted` an Allow statement grants (Action globs, or everything a NotAction leaves)."""
    granted = actions(stmt)
    if granted:
        return [a for a in wanted if any(action_matches(g, a) for g in granted)]
    excluded = strings(stmt.get("NotAction"))
    if excluded:
        return [a for a in wanted if not any(action_matches(g, a) for g in excluded)]
    return []


def principal_is_anyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (alone or among others): anybody in any account."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in strings(principal.get("AWS"))
    return False


def has_condition(stmt: dict) -> bool:
    return bool(stmt.get("Condition"))
