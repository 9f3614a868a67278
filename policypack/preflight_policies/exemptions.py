"""Per-policy exemptions from the policy pack config (never from resource tags: an agent could add one).

    {"s3-bucket-encrypted": {"exemptions": [
        {"resource": "urn:pulumi:prod::app::aws:s3/bucket:Bucket::legacy*", "reason": "...",
         "expires": "2027-01-31"}]}}

An exempted resource is reported as not applicable with the reason. An exemption with no reason, a
malformed or past expiry date is itself a violation and exempts nothing.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, List, Optional, Tuple

SCHEMA = {
    "type": "array",
    "description": "Resources this policy does not apply to: URN or glob over URNs, a reason, and an "
                   "expiry date (YYYY-MM-DD). Expired or unexplained exemptions are violations.",
    "items": {
        "type": "object",
        "properties": {
            "resource": {"type": "string", "minLength": 1},
            "reason": {"type": "string"},
            "expires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        },
        "required": ["resource"],
        "additionalProperties": False,
    },
    "default": [],
}


@dataclass(frozen=True)
class Exemption:
    pattern: str
    reason: str
    expires: Optional[_dt.date]
    problem: Optional[str]  # why this exemption is itself invalid, None when valid

    def matches(self, urn: str) -> bool:
        return fnmatchcase(urn, self.pattern)


def parse(raw: Any, today: Optional[_dt.date] = None) -> List[Exemption]:
    today = today or _dt.date.today()
    out: List[Exemption] = []
    if not isinstance(raw, list):
        return [Exemption("", "", None, "exemptions must be a list of {resource, reason, expires}")] if raw else []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("resource"), str) or not item["resource"]:
            out.append(Exemption("", "", None,
                                 f"exemption {item!r} must name a resource URN or glob in 'resource'"))
            continue
        pattern = item["resource"]
        reason = str(item.get("reason") or "").strip()
        problem = None
        expires = None
        if not reason:
            problem = f"exemption for {pattern} has no reason; add 'reason' saying why, or remove it"
        raw_date = item.get("expires")
        if raw_date is not None:
            try:
                expires = _dt.date.fromisoformat(str(raw_date))
            except ValueError:
                problem = f"exemption for {pattern} has expiry {raw_date!r}, not a YYYY-MM-DD date; fix or remove it"
            else:
                if expires < today:
                    problem = (f"exemption for {pattern} expired on {expires.isoformat()}; fix the resource "
                               f"or renew the exemption with a new 'expires' date")
        out.append(Exemption(pattern, reason, expires, problem))
    return out


def match(exemptions: List[Exemption], urn: str) -> Tuple[Optional[Exemption], List[Exemption]]:
    """The valid exemption covering `urn` (if any), and the invalid ones that would have."""
    valid = None
    invalid = []
    for e in exemptions:
        if e.pattern and e.matches(urn):
            if e.problem:
                invalid.append(e)
            elif valid is None:
                valid = e
    return valid, invalid


def reason_text(e: Exemption) -> str:
    until = f" (until {e.expires.isoformat()})" if e.expires else ""
    return f"exempted: {e.reason}{until}"
