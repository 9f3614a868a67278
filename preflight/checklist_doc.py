"""`preflight policies --checklist`: each checklist item with everything that serves it.

Three sources, each read from where it lives: the pack's policies over the Analyzer protocol (their
`checklist:` tags), the audit checks from the audit catalog (their `checklist` field), and the components
from their `CHECKLIST` class attribute. docs/checklist.md carries the Markdown output between markers.
"""
from __future__ import annotations

import inspect
import json
from typing import Any, Dict, List

from .errors import UsageError
from .report import table


def component_items() -> Dict[str, List[str]]:
    """component class name -> the checklist items it builds by default."""
    try:
        import components
    except ImportError as e:  # pulumi / pulumi-aws missing from this interpreter
        raise UsageError(f"--checklist lists the components too, and they cannot be imported here ({e}); "
                         "install Preflight with its dependencies (pip install preflight-aws)") from None
    import pulumi
    out = {}
    for name in sorted(components.__all__):
        obj = getattr(components, name)
        if inspect.isclass(obj) and issubclass(obj, pulumi.ComponentResource):
            out[name] = list(getattr(obj, "CHECKLIST", ()))
    return out


def coverage(catalog: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    from .audit.catalog import load as load_audit
    from .audit.checklist import CHECKLIST
    audit = load_audit()
    comps = component_items()
    items = []
    for item, title in CHECKLIST.items():
        items.append({
            "id": item, "title": title,
            "policies": sorted(c["name"] for c in catalog if item in c["checklist"]),
            "audit": sorted(cid for cid, check in audit.items() if item in check.checklist),
            "components": sorted(name for name, ids in comps.items() if item in ids),
        })
    return items


def as_table(items: List[Dict[str, Any]]) -> str:
    rows = [[i["id"], str(len(i["policies"])), str(len(i["audit"])),
             ", ".join(i["components"]) or "-"] for i in items]
    return (table(["CHECKLIST ITEM", "POLICIES", "AUDIT CHECKS", "COMPONENTS"], rows)
            + "\n\nPer item with names: `preflight policies --checklist --format md` (docs/checklist.md).")


def as_markdown(items: List[Dict[str, Any]]) -> str:
    lines: List[str] = []
    for i in items:
        lines += [f"### `{i['id']}`: {i['title']}", ""]
        lines.append(f"- Policies ({len(i['policies'])}): "
                     + (", ".join(f"[`{p}`](policies.md#{p})" for p in i["policies"]) or "none"))
        lines.append(f"- Audit checks ({len(i['audit'])}): "
                     + (", ".join(f"`{a}`" for a in i["audit"]) or "none"))
        lines.append("- Components: " + (", ".join(f"`components.{c}`" for c in i["components"]) or "none"))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_json(items: List[Dict[str, Any]]) -> str:
    return json.dumps({"checklist": items}, indent=2)
