"""One audit check = metadata + a function over the account; validated when the catalog loads.

Modelled on Prowler's check units: each check has a stable id, the checklist items it serves, a
severity and a remediation that names the Preflight component which fixes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, List, Optional, Tuple

from .checklist import CHECKLIST

if TYPE_CHECKING:  # pragma: no cover
    from .aws import AuditContext

SEVERITIES: Tuple[str, ...] = ("low", "medium", "high", "critical")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
COMPONENTS: Tuple[str, ...] = (
    "SecureBucket", "Database", "AuditTrail", "BackupPlan", "KmsKey", "Secret", "CostGuard",
    "Alerting", "AccountBaseline", "ApiProtection", "Network",
)
ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
COMPONENT_RE = re.compile(r"components\.([A-Za-z]+)")


class CheckMetadataError(ValueError):
    """A check's metadata is incomplete or malformed: the catalog refuses to load."""


@dataclass(frozen=True)
class Finding:
    check: str
    checklist: Tuple[str, ...]
    severity: str
    resource: str
    message: str
    remediation: str

    def to_json(self) -> dict:
        return {"check": self.check, "checklist": list(self.checklist), "severity": self.severity,
                "resource": self.resource, "message": self.message, "remediation": self.remediation}


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    checklist: Tuple[str, ...]
    severity: str
    remediation: str
    # Calls the account and yields (resource, message) for each problem found.
    run: Callable[["AuditContext"], Iterable[Tuple[str, str]]] = field(compare=False, repr=False)
    # Optional per-finding severity override: (resource, message) -> severity.
    severity_of: Optional[Callable[[str, str], str]] = field(default=None, compare=False, repr=False)

    def finding(self, resource: str, message: str) -> Finding:
        severity = self.severity_of(resource, message) if self.severity_of else self.severity
        return Finding(self.id, self.checklist, severity, resource, message, self.remediation)

    def validate(self) -> None:
        problems: List[str] = []
        if not ID_RE.match(self.id or ""):
            problems.append("id must be kebab-case with at least two words")
        # Same rule as the pack's PolicyMeta.validate (tests/test_metadata_parity.py keeps them in step).
        if not self.title or len(self.title) > 120 or "\n" in self.title or self.title != self.title.strip():
            problems.append("title must be a one-line sentence of at most 120 characters")
        if not self.checklist:
            problems.append("checklist must cite at least one checklist id")
        for cid in self.checklist:
            if cid not in CHECKLIST:
                problems.append(f"unknown checklist id {cid!r}")
        if self.severity not in SEVERITIES:
            problems.append(f"severity must be one of {', '.join(SEVERITIES)}")
        if not self.remediation or len(self.remediation) < 20:
            problems.append("remediation must say what to change")
        for name in COMPONENT_RE.findall(self.remediation or ""):
            if name not in COMPONENTS:
                problems.append(f"remediation names unknown component components.{name}")
        if not callable(self.run):
            problems.append("run must be callable")
        if problems:
            raise CheckMetadataError(f"audit check {self.id!r}: " + "; ".join(problems))


def check(*, id: str, title: str, checklist, severity: str, remediation: str, severity_of=None):
    """Decorator: turn `def run(ctx)` into a Check (collected explicitly by catalog.py)."""
    ids = (checklist,) if isinstance(checklist, str) else tuple(checklist)

    def wrap(fn):
        return Check(id=id, title=title, checklist=ids, severity=severity, remediation=remediation,
                     run=fn, severity_of=severity_of)
    return wrap
