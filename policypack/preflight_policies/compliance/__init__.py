"""Compliance maps, kept apart from the checks (as Prowler keeps them): one JSON data file per framework
version, listing every control of the framework (its id, title and section) and, for each, the policies of
this pack and the `preflight audit` checks that serve it.

The catalog reads the maps at load and fills each policy's `frameworks` from them, so a policy's code never
names a control; `preflight policies --framework NAME` prints coverage per control from the same files.
tests/policypack/test_compliance_maps.py checks the control lists against an independently published copy.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from ..model import FRAMEWORKS, MetadataError

HERE = os.path.dirname(os.path.abspath(__file__))
_AUDIT_ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
_CONTROL_KEYS = {"id", "title", "section", "policies", "audit", "assessment", "source"}


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    section: str
    policies: Tuple[str, ...]
    audit: Tuple[str, ...]
    # CIS marks each recommendation "automated" or "manual" (a person must look); FSBP controls have none.
    assessment: Optional[str] = None
    # Where the control is defined, for controls the cross-checked copy does not list yet.
    source: Optional[str] = None

    @property
    def covered(self) -> bool:
        return bool(self.policies or self.audit)


@dataclass(frozen=True)
class FrameworkMap:
    key: str
    name: str
    version: str
    path: str
    controls: Tuple[Control, ...]


def _read(path: str) -> FrameworkMap:
    where = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise MetadataError(f"compliance map {where} cannot be read: {e}") from e
    problems: List[str] = []
    key = data.get("framework") if isinstance(data, dict) else None
    if key not in FRAMEWORKS:
        raise MetadataError(f"compliance map {where}: 'framework' must be one of {', '.join(FRAMEWORKS)}")
    name, version, pattern = FRAMEWORKS[key]
    if data.get("name") != name:
        problems.append(f"'name' is {data.get('name')!r}; the pack calls {key} {name!r}")
    if data.get("version") != version:
        problems.append(f"'version' is {data.get('version')!r}, but the pack cites {key} as version {version}")
    controls: List[Control] = []
    seen = set()
    for i, c in enumerate(data.get("controls") or []):
        at = f"controls[{i}]"
        if not isinstance(c, dict):
            problems.append(f"{at} must be an object")
            continue
        extra = sorted(set(c) - _CONTROL_KEYS)
        if extra:
            problems.append(f"{at} has unknown keys {', '.join(extra)}")
        cid = c.get("id")
        if not isinstance(cid, str) or not pattern.match(cid):
            problems.append(f"{at}: id {cid!r} is not a valid {key} control id")
            continue
        if cid in seen:
            problems.append(f"{at}: control {cid} is listed twice")
        seen.add(cid)
        for field in ("title", "section"):
            if not isinstance(c.get(field), str) or not c[field].strip():
                problems.append(f"control {cid}: {field!r} must be a non-empty string")
        for field in ("policies", "audit"):
            names = c.get(field, [])
            if not isinstance(names, list) or not all(isinstance(n, str) and _AUDIT_ID_RE.match(n) for n in names):
                problems.append(f"control {cid}: {field!r} must be a list of kebab-case names")
            elif len(set(names)) != len(names):
                problems.append(f"control {cid}: {field!r} names something twice")
        controls.append(Control(cid, str(c.get("title", "")), str(c.get("section", "")),
                                tuple(c.get("policies") or ()), tuple(c.get("audit") or ()),
                                c.get("assessment"), c.get("source")))
    if not controls:
        problems.append("'controls' must list the framework's controls")
    if problems:
        raise MetadataError(f"compliance map {where} is invalid:\n  " + "\n  ".join(problems))
    return FrameworkMap(key, name, version, path, tuple(controls))


def load(folder: str = HERE) -> List[FrameworkMap]:
    """Every framework map in `folder`, in the order of model.FRAMEWORKS (so CIS comes before FSBP)."""
    maps = [_read(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".json")]
    keys = [m.key for m in maps]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise MetadataError(f"more than one compliance map for {', '.join(twice)}")
    order = list(FRAMEWORKS)
    return sorted(maps, key=lambda m: order.index(m.key))


def frameworks_by_policy(maps: Iterable[FrameworkMap]) -> Dict[str, Tuple[str, ...]]:
    """policy name -> its framework references ("CIS-AWS-3.0:2.1.4", ...), in map order."""
    out: Dict[str, List[str]] = {}
    for m in maps:
        for c in m.controls:
            for p in c.policies:
                out.setdefault(p, []).append(f"{m.key}:{c.id}")
    return {p: tuple(refs) for p, refs in out.items()}


def unknown_policies(maps: Iterable[FrameworkMap], policy_names: Iterable[str]) -> List[str]:
    """One problem per map entry naming a policy the pack does not have."""
    names = set(policy_names)
    return [f"compliance map {os.path.basename(m.path)}: control {c.id} names unknown policy {p!r}"
            for m in maps for c in m.controls for p in c.policies if p not in names]
