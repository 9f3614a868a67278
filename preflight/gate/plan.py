"""Read what the Pulumi engine plans to do, from either of its two machine-readable outputs.

- `pulumi preview --json`: `{"steps": [{op, urn, oldState, newState, detailedDiff, ...}],
  "changeSummary", "diagnostics", "config", "maybeCorrupt"}`; old and new resource records.
- `pulumi preview --save-plan plan.json`: `{"manifest", "config", "resourcePlans": {URN: {goal,
  steps: [op...], state}}}` (optionally wrapped as `{"version", "plan"}`); no old state.

Both become a list of ResourceChange (one per URN, every op the engine listed for it). A file
that is not one of these, is truncated or is malformed raises UsageError: it is never judged,
so it is never allowed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from ..errors import UsageError

PREVIEW = "preview"
UPDATE_PLAN = "update-plan"
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_VALUE = "[secret]"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"

RERUN = "re-create it with `pulumi preview --save-plan plan.json` (or `pulumi preview --json > preview.json`)"


@dataclass
class Urn:
    stack: str
    project: str
    type: str
    name: str

    @classmethod
    def parse(cls, urn: str) -> Optional["Urn"]:
        # urn:pulumi:STACK::PROJECT::[PARENT-TYPE$]TYPE::NAME (the name may contain "::").
        if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
            return None
        parts = urn[len("urn:pulumi:"):].split("::", 3)
        if len(parts) != 4 or not all(parts[:3]):
            return None
        stack, project, qualified_type, name = parts
        return cls(stack, project, qualified_type.rsplit("$", 1)[-1], name)


@dataclass
class ResourceChange:
    """Everything the plan says about one resource."""

    urn: str
    type: str
    name: str
    ops: List[str] = field(default_factory=list)
    old: Optional[Dict[str, Any]] = None          # preview: the old resource record
    new: Optional[Dict[str, Any]] = None          # preview: the new resource record
    replace_reasons: List[str] = field(default_factory=list)
    input_diff: Optional[Dict[str, Any]] = None   # update plan: goal.inputDiff {adds, deletes, updates}
    goal: Optional[Dict[str, Any]] = None         # update plan: the goal record

    @property
    def custom(self) -> bool:
        record = self.new or self.old or self.goal or {}
        return bool(record.get("custom", True))


@dataclass
class Plan:
    path: str
    format: str
    stack: str
    project: str
    changes: List[ResourceChange]
    config: Dict[str, Any]
    change_summary: Dict[str, int] = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)        # error diagnostics from the preview
    maybe_corrupt: bool = False

    def change(self, urn: str) -> Optional[ResourceChange]:
        return next((c for c in self.changes if c.urn == urn), None)


def load(path: str) -> Plan:
    """Read and validate PLAN; raise UsageError (exit 2) for anything that is not a whole plan."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"plan file '{path}' does not exist; {RERUN}")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read plan file '{path}' ({e}); {RERUN}") from None
    if not text.strip():
        raise UsageError(f"plan file '{path}' is empty; {RERUN}")
    document = _parse_json(path, text)
    if not isinstance(document, dict):
        raise UsageError(f"plan file '{path}' is JSON but not a Pulumi plan (expected an object); {RERUN}")
    if isinstance(document.get("plan"), dict) and "version" in document:
        document = document["plan"]  # apitype.VersionedDeploymentPlan wrapper
    if "resourcePlans" in document or "manifest" in document:
        return _load_update_plan(path, document)
    if "steps" in document or "changeSummary" in document:
        return _load_preview(path, document)
    raise UsageError(f"plan file '{path}' is JSON but neither `pulumi preview --json` output (no "
                     f"'steps') nor a saved update plan (no 'resourcePlans'); {RERUN}")


def _parse_json(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg.startswith("Extra data"):
            first = text.lstrip().splitlines()[0]
            try:
                event = json.loads(first)
            except json.JSONDecodeError:
                event = None
            if isinstance(event, dict) and ("sequence" in event or "timestamp" in event):
                raise UsageError(f"plan file '{path}' is a stream of engine events (one JSON per "
                                 "line), not a plan; unset PULUMI_ENABLE_STREAMING_JSON_PREVIEW and "
                                 f"{RERUN}") from None
            raise UsageError(f"plan file '{path}' holds more than one JSON document (extra data at "
                             f"line {e.lineno}); {RERUN}") from None
        at_end = e.pos >= len(text.rstrip())
        what = "is truncated" if at_end else "is not valid JSON"
        raise UsageError(f"plan file '{path}' {what} (line {e.lineno} column {e.colno}: {e.msg}); "
                         f"a plan that cannot be read is never allowed; {RERUN}") from None


def _bad(path: str, what: str) -> UsageError:
    return UsageError(f"plan file '{path}' is malformed: {what}; {RERUN}")


def _identify(path: str, urns: List[str]) -> Urn:
    parsed: Optional[Urn] = None
    for raw in urns:
        urn = Urn.parse(raw)
        if urn is None:
            raise _bad(path, f"'{raw}' is not a Pulumi URN")
        if parsed and (urn.stack, urn.project) != (parsed.stack, parsed.project):
            raise _bad(path, f"it mixes stacks '{parsed.project}/{parsed.stack}' and "
                             f"'{urn.project}/{urn.stack}'")
        parsed = parsed or urn
    if parsed is None:
        raise _bad(path, "it lists no resources at all (even a no-op preview lists the root stack)")
    return parsed


def _config(path: str, document: Dict[str, Any]) -> Dict[str, Any]:
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise _bad(path, "'config' is not an object")
    return config


def _load_preview(path: str, document: Dict[str, Any]) -> Plan:
    steps = document.get("steps") or []
    if not isinstance(steps, list):
        raise _bad(path, "'steps' is not a list")
    by_urn: Dict[str, ResourceChange] = {}
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("op"), str) or not step["op"] \
                or not isinstance(step.get("urn"), str):
            raise _bad(path, f"step {index} has no 'op' or 'urn'")
        for key in ("oldState", "newState"):
            if step.get(key) is not None and not isinstance(step[key], dict):
                raise _bad(path, f"step {index} '{key}' is not an object")
        urn = Urn.parse(step["urn"])
        if urn is None:
            raise _bad(path, f"step {index} urn '{step['urn']}' is not a Pulumi URN")
        record = step.get("newState") or step.get("oldState") or {}
        change = by_urn.setdefault(step["urn"], ResourceChange(
            urn=step["urn"], type=str(record.get("type") or urn.type), name=urn.name))
        change.ops.append(step["op"])
        old, new = step.get("oldState"), step.get("newState")
        # With --show-replacement-steps one resource has several steps; keep the old record that is
        # being deleted and the newest goal.
        if old and (change.old is None or old.get("delete")):
            change.old = old
        if new:
            change.new = new
        for reason in step.get("replaceReasons") or []:
            if reason not in change.replace_reasons:
                change.replace_reasons.append(str(reason))
    summary = document.get("changeSummary") or {}
    if not isinstance(summary, dict) or not all(isinstance(v, int) for v in summary.values()):
        raise _bad(path, "'changeSummary' is not a map of op to count")
    diagnostics = document.get("diagnostics") or []
    if not isinstance(diagnostics, list):
        raise _bad(path, "'diagnostics' is not a list")
    errors = [f"{d.get('urn') or 'the stack'}: {_one_line(d.get('message'))}"
              for d in diagnostics if isinstance(d, dict) and d.get("severity") in ("error", "info#err")]
    identity = _identify(path, list(by_urn))
    return Plan(path=path, format=PREVIEW, stack=identity.stack, project=identity.project,
                changes=list(by_urn.values()), config=_config(path, document),
                change_summary=dict(summary), errors=errors,
                maybe_corrupt=bool(document.get("maybeCorrupt")))


def _one_line(message: Any, limit: int = 240) -> str:
    text = " ".join(str(message or "").split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _load_update_plan(path: str, document: Dict[str, Any]) -> Plan:
    plans = document.get("resourcePlans")
    if not isinstance(plans, dict):
        raise _bad(path, "'resourcePlans' is missing or not an object")
    changes: List[ResourceChange] = []
    for urn_text, resource_plan in plans.items():
        urn = Urn.parse(urn_text)
        if urn is None:
            raise _bad(path, f"resource plan key '{urn_text}' is not a Pulumi URN")
        if not isinstance(resource_plan, dict):
            raise _bad(path, f"the plan for '{urn_text}' is not an object")
        goal = resource_plan.get("goal")
        if goal is not None and not isinstance(goal, dict):
            raise _bad(path, f"the goal for '{urn_text}' is not an object")
        ops = resource_plan.get("steps") or []
        if not isinstance(ops, list) or not all(isinstance(op, str) and op for op in ops):
            raise _bad(path, f"the steps for '{urn_text}' are not a list of op names")
        input_diff = (goal or {}).get("inputDiff") or {}
        if not isinstance(input_diff, dict):
            raise _bad(path, f"the inputDiff for '{urn_text}' is not an object")
        changes.append(ResourceChange(
            urn=urn_text, type=str((goal or {}).get("type") or urn.type), name=urn.name,
            ops=list(ops) or ["same"], input_diff=input_diff, goal=goal))
    identity = _identify(path, list(plans))
    return Plan(path=path, format=UPDATE_PLAN, stack=identity.stack, project=identity.project,
                changes=changes, config=_config(path, document))
