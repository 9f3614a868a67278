"""Small helpers the check modules share."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any, Iterable, List, Optional
from urllib.parse import unquote


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: Any) -> Optional[dt.datetime]:
    """boto3 gives datetimes (sometimes naive), epoch numbers or ISO strings depending on the API."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(float(value), dt.timezone.utc)
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def age_hours(value: Any, reference: Optional[dt.datetime] = None) -> Optional[float]:
    when = as_utc(value)
    if when is None:
        return None
    return ((reference or now()) - when).total_seconds() / 3600.0


def human_hours(hours: float) -> str:
    if hours < 1:
        return f"{max(hours * 60, 0):.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def policy_document(value: Any) -> dict:
    """IAM documents arrive as dicts or (URL-encoded) JSON strings depending on the API."""
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    text = str(value)
    for candidate in (text, unquote(text)):
        try:
            parsed = json.loads(candidate)
            return parsed if isinstance(parsed, dict) else {}
        except ValueError:
            continue
    return {}


def allows_star_on_star(document: Any) -> bool:
    for statement in as_list(policy_document(document).get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        actions = as_list(statement.get("Action"))
        resources = as_list(statement.get("Resource"))
        if "*" in actions and "*" in resources:
            return True
    return False


def name_list(names: Iterable[str], limit: int = 5) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
