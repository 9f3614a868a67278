"""`preflight policies --framework NAME`: coverage of a compliance framework, control by control.

The control lists and which policies and audit checks serve each control live in the pack's compliance maps
(`preflight_policies/compliance/*.json`, one file per framework version). This module reads those files
and checks them against the pack's own catalog (read over the Analyzer protocol), so what it prints is what
the running pack reports: a policy the pack does not serve is never counted as coverage.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Sequence

from .errors import UsageError
from .report import table


def maps_dir(pack_dir: str) -> str:
    return os.path.join(pack_dir, "preflight_policies", "compliance")


def load_maps(pack_dir: str) -> List[Dict[str, Any]]:
    """The pack's framework maps as plain data, in file order (CIS, then FSBP)."""
    folder = maps_dir(pack_dir)
    if not os.path.isdir(folder):
        raise UsageError(f"the policy pack at {pack_dir} has no compliance maps ({folder} is missing); "
                         "--framework works with Preflight's own pack (drop --policy-pack)")
    maps = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read compliance map {path}: {e}; reinstall Preflight") from None
        data["file"] = name
        maps.append(data)
    order = {"CIS-AWS-3.0": 0, "AWS-FSBP": 1}
    return sorted(maps, key=lambda m: (order.get(m.get("framework"), 9), m["file"]))


def _aliases(m: Dict[str, Any]) -> List[str]:
    key = str(m.get("framework", "")).lower()
    stem = os.path.splitext(m["file"])[0].lower()
    short = {"cis-aws-3.0": ["cis", "cis-aws", "cis-3.0"], "aws-fsbp": ["fsbp", "aws-fsbp"]}.get(key, [])
    return list(dict.fromkeys([key, stem] + short))


def known_names(maps: Sequence[Dict[str, Any]]) -> str:
    return ", ".join(f"{_aliases(m)[0]} ({m['name']} {m['version']}; also {', '.join(_aliases(m)[1:])})"
                     for m in maps) + ", all"


def select(maps: List[Dict[str, Any]], name: str) -> List[Dict[str, Any]]:
    wanted = name.strip().lower()
    if wanted == "all":
        return maps
    chosen = [m for m in maps if wanted in _aliases(m)]
    if not chosen:
        raise UsageError(f"unknown framework {name!r}; known frameworks: {known_names(maps)}")
    return chosen


def coverage(maps: List[Dict[str, Any]], served: Sequence[str]) -> List[Dict[str, Any]]:
    """Per framework: every control with the policies (those the pack serves) and audit checks behind it."""
    served_set = set(served)
    out = []
    for m in maps:
        controls = []
        for c in m["controls"]:
            policies = [p for p in c.get("policies", []) if p in served_set]
            audit = list(c.get("audit", []))
            status = ("policy and audit" if policies and audit else "policy" if policies
                      else "audit" if audit else "not covered")
            controls.append({"id": c["id"], "title": c["title"], "section": c.get("section", ""),
                             "assessment": c.get("assessment"), "status": status,
                             "policies": policies, "audit": audit})
        covered = [c for c in controls if c["status"] != "not covered"]
        out.append({"framework": m["framework"], "name": m["name"], "version": m["version"],
                    "controls": controls, "total": len(controls), "covered": len(covered),
                    "byPolicy": sum(1 for c in controls if c["policies"]),
                    "byAuditOnly": sum(1 for c in controls if c["audit"] and not c["policies"])})
    return out


def _summary(f: Dict[str, Any]) -> str:
    pct = 100.0 * f["covered"] / f["total"] if f["total"] else 0.0
    return (f"{f['name']} {f['version']}: {f['covered']} of {f['total']} controls covered ({pct:.0f}%): "
            f"{f['byPolicy']} by policies (checked before deployment), {f['byAuditOnly']} by `preflight audit` only.")


def as_table(report: List[Dict[str, Any]]) -> str:
    parts = []
    for f in report:
        rows = [[c["id"], c["status"], c["title"],
                 ", ".join(c["policies"] + [f"audit:{a}" for a in c["audit"]]) or "-"] for c in f["controls"]]
        parts.append(_summary(f) + "\n\n" + table(["CONTROL", "COVERAGE", "TITLE", "POLICIES / AUDIT CHECKS"], rows))
    return "\n\n".join(parts)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(report: List[Dict[str, Any]]) -> str:
    lines: List[str] = []
    for f in report:
        lines += [f"### {f['name']} {f['version']}", "", _summary(f), "",
                  "| Control | Title | Coverage | Policies | Audit checks |", "|---|---|---|---|---|"]
        for c in f["controls"]:
            manual = " (manual)" if c.get("assessment") == "manual" else ""
            lines.append(f"| {c['id']} | {_md(c['title'])}{manual} | {c['status']} | "
                         f"{', '.join(f'[`{p}`](policies.md#{p})' for p in c['policies'])} | "
                         f"{', '.join(f'`{a}`' for a in c['audit'])} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def as_json(report: List[Dict[str, Any]]) -> str:
    return json.dumps({"frameworks": report}, indent=2)
