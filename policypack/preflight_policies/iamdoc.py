"""Reading IAM policy documents the way IAM evaluates them: strings or objects, one or many values.

Inputs arrive as a JSON string or an already-parsed object (`iam.Policy.policy` is typed
Union[str, PolicyDocumentArgs]); every reader here accepts both.
"""
from __future__ import annotations

import fnmatch
from typing import Any, List

from .helpers import as_list, policy_statements
from .helpers import iam_documents as documents  # noqa: F401  (one reader for both catalog parts)
from .helpers import statement_allows  # noqa: F401
from .resource import is_unknown


def known_statements(document: Any) -> List[dict]:
    """Statements of a known document ([] when the document is unknown in preview)."""
    return [] if is_unknown(document) else policy_statements(document)


def allows(stmt: dict) -> bool:
    return stmt.get("Effect") == "Allow"


def strings(value: Any) -> List[str]:
    return [v for v in as_list(value) if isinstance(v, str)]


def actions(stmt: dict) -> List[str]:
    return strings(stmt.get("Action"))


def resources(stmt: dict) -> List[str]:
    return strings(stmt.get("Resource"))


def action_matches(granted: str, wanted: str) -> bool:
    """Does the granted action pattern (e.g. 'iam:Pass*', '*') cover the action `wanted`? Case-insensitive."""
    return fnmatch.fnmatchcase(wanted.lower(), granted.lower())


def principal_is_anyone(principal: Any) -> bool:
    """Principal "*" or {"AWS": "*"} (alone or among others): anybody in any account."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return "*" in strings(principal.get("AWS"))
    return False


def has_condition(stmt: dict) -> bool:
    return bool(stmt.get("Condition"))
