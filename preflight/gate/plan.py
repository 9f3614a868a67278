"""Read what the Pulumi engine plans to do, exactly as Pulumi's own decoder would, or refuse the file.

Two inputs, one strict reader:
- `pulumi preview --save-plan plan.json`: `{"manifest", "config", "resourcePlans": {URN: {goal,
  steps: [op...], state, seed}}}`. `pulumi up --plan` decodes it with Go's `encoding/json` into
  `apitype.DeploymentPlanV1` (pkg/cmd/pulumi `readPlan`).
- `pulumi preview --json`: `{"config", "steps": [{op, urn, oldState, newState, detailedDiff, ...}],
  "diagnostics", "duration", "changeSummary", "maybeCorrupt"}`, serialised from
  `display.PreviewDigest`.

Go's decoder matches object keys to struct fields case-insensitively (Unicode folding: `ſteps` is
`steps`), merges duplicate keys (the last wins per field, objects are merged), ignores unknown keys
and has no `{"version", "plan"}` wrapper. So a file can say one thing to a careless reader and
another to `pulumi up --plan`. This reader accepts exactly what the Go structs act on and refuses
(UsageError: exit 2, one line) everything that could be read two ways: case variants of known keys,
duplicate keys at any level, unknown top-level keys, wrappers, keys of both formats; and anything
that is not a whole plan: truncated, not JSON, NaN/Infinity, numbers out of range, lone surrogates,
nesting deeper than MAX_DEPTH, files larger than MAX_BYTES. A refused file is never judged, so it
is never allowed.

A resource's type is taken from its URN (`urn:pulumi:STACK::PROJECT::[PARENT$]TYPE::NAME`, the
last type of the chain), never from `goal.type` or `newState.type`, which a file could set to
anything.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..errors import UsageError

PREVIEW = "preview"
UPDATE_PLAN = "update-plan"
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_VALUE = "[secret]"
# How Pulumi serialises a secret inside a resource record (resource.SecretSig).
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"

MAX_BYTES = 256 * 1024 * 1024    # a plan of ~100,000 resources; larger is refused, not judged
MAX_DEPTH = 128                  # real plans nest a resource's inputs ~20 deep
MAX_NUMBER_DIGITS = 308          # float64 range, as Go's decoder (1e400 is an error there too)

RERUN = "re-create it with `pulumi preview --save-plan plan.json` (or `pulumi preview --json > preview.json`)"


# --- the Go structs' field names ------------------------------------------------------------------
# ("struct", {json name: schema}) | ("map", schema) | ("list", schema) | a leaf: "str", "bool",
# "int", "any". Field names and shapes are those of pulumi sdk/v3 apitype (v3.276.0).
ANY = "any"
_PLAN_DIFF = ("struct", {"adds": ("map", ANY), "deletes": ("list", "str"), "updates": ("map", ANY)})
_GOAL = ("struct", {
    "type": "str", "name": "str", "custom": "bool", "inputDiff": _PLAN_DIFF, "outputDiff": _PLAN_DIFF,
    "parent": "str", "protect": "bool", "dependencies": ("list", "str"), "provider": "str",
    "propertyDependencies": ("map", ("list", "str")), "deleteBeforeReplace": "bool",
    "ignoreChanges": ("list", "str"), "additionalSecretOutputs": ("list", "str"), "aliases": ANY,
    "structuredAliases": ANY, "id": "str", "customTimeouts": ANY})
_RESOURCE_PLAN = ("struct", {"goal": _GOAL, "steps": ("list", "str"), "state": ("map", ANY),
                             "seed": "str"})
_MANIFEST = ("struct", {"time": "str", "magic": "str", "version": "str", "plugins": ANY})
_RESOURCE = ("struct", {  # apitype.ResourceV3
    "urn": "str", "custom": "bool", "delete": "bool", "id": "str", "type": "str",
    "inputs": ("map", ANY), "outputs": ("map", ANY), "parent": "str", "protect": "bool",
    "taint": "bool", "external": "bool", "dependencies": ("list", "str"), "initErrors": ANY,
    "provider": "str", "propertyDependencies": ("map", ("list", "str")),
    "pendingReplacement": "bool", "additionalSecretOutputs": ANY, "aliases": ANY,
    "customTimeouts": ANY, "importID": "str", "retainOnDelete": "bool", "deletedWith": "str",
    "replaceWith": ANY, "created": ANY, "modified": ANY, "sourcePosition": ANY, "stackTrace": ANY,
    "ignoreChanges": ANY, "hideDiff": ANY, "replaceOnChanges": ANY, "replacementTrigger": ANY,
    "refreshBeforeUpdate": "bool", "viewOf": ANY, "resourceHooks": ANY, "extensionRef": ANY,
    "snippetID": ANY})
_STEP = ("struct", {  # display.PreviewStep
    "op": "str", "urn": "str", "provider": "str", "oldState": _RESOURCE, "newState": _RESOURCE,
    "diffReasons": ("list", "str"), "replaceReasons": ("list", "str"),
    "detailedDiff": ("map", ("struct", {"kind": "str", "inputDiff": "bool"}))})
_DIAGNOSTIC = ("struct", {"urn": "str", "prefix": "str", "message": "str", "severity": "str"})

PLAN_TOP: Dict[str, Any] = {"manifest": _MANIFEST, "config": ("map", ANY),
                            "resourcePlans": ("map", _RESOURCE_PLAN)}
PREVIEW_TOP: Dict[str, Any] = {"config": ("map", ANY), "steps": ("list", _STEP),
                               "diagnostics": ("list", _DIAGNOSTIC), "duration": "int",
                               "changeSummary": ("map", "int"), "maybeCorrupt": "bool"}
_PLAN_ONLY = set(PLAN_TOP) - set(PREVIEW_TOP)
_PREVIEW_ONLY = set(PREVIEW_TOP) - set(PLAN_TOP)


def go_fold(key: str) -> str:
    """The key as Go's encoding/json compares it to a field name (upper(lower(rune)) per rune)."""
    return "".join(c.upper() if c < "\x80" else _fold_rune(c) for c in key)


def _fold_rune(c: str) -> str:
    lower = c.lower()
    lower = lower if len(lower) == 1 else c
    upper = lower.upper()
    return upper if len(upper) == 1 else lower


def _same_field(key: str, name: str) -> bool:
    return go_fold(key) == go_fold(name) or key.casefold() == name.casefold()


# --- the plan model ---------------------------------------------------------------------------------

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
        resource_type = qualified_type.rsplit("$", 1)[-1]
        if not resource_type:
            return None
        return cls(stack, project, resource_type, name)


@dataclass
class ResourceChange:
    """Everything the plan says about one resource."""

    urn: str
    type: str                                     # from the URN, never from the record
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


# --- reading ------------------------------------------------------------------------------------------

class _Refused(Exception):
    """Raised inside the JSON hooks; turned into a UsageError naming the file."""


def load(path: str) -> Plan:
    """Read and validate PLAN; raise UsageError (exit 2) for anything Pulumi could read otherwise."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"plan file '{path}' does not exist; {RERUN}")
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise UsageError(f"plan file '{path}' is {size} bytes, over the gate's limit of "
                             f"{MAX_BYTES}; split the change into smaller updates")
        data = file.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read plan file '{path}' ({e.strerror or e}); {RERUN}") from None
    return parse(data, path)


def parse(data: bytes, path: str = "<plan>") -> Plan:
    """The same as load(), from bytes (the differential and fuzz tests call this)."""
    if len(data) > MAX_BYTES:
        raise UsageError(f"plan file '{path}' is {len(data)} bytes, over the gate's limit of "
                         f"{MAX_BYTES}; split the change into smaller updates")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"plan file '{path}' is not UTF-8 (byte {e.start}); {RERUN}") from None
    if text.startswith("\ufeff"):
        raise UsageError(f"plan file '{path}' starts with a byte order mark, which Pulumi's decoder "
                         f"rejects; {RERUN}")
    if not text.strip():
        raise UsageError(f"plan file '{path}' is empty; {RERUN}")
    document = _parse_json(path, text)
    if not isinstance(document, dict):
        raise UsageError(f"plan file '{path}' is JSON but not a Pulumi plan (expected an object); {RERUN}")
    try:
        plan_format = _format_of(document)
        _check(document, ("struct", PLAN_TOP if plan_format == UPDATE_PLAN else PREVIEW_TOP),
               "the top level", 0, top=True)
    except _Refused as e:
        raise UsageError(f"plan file '{path}' is refused: {e}; {RERUN}") from None
    if plan_format == UPDATE_PLAN:
        return _load_update_plan(path, document)
    return _load_preview(path, document)


def _parse_json(path: str, text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant,
                          parse_float=_float, parse_int=_int)
    except _Refused as e:
        raise UsageError(f"plan file '{path}' is refused: {e}; {RERUN}") from None
    except RecursionError:
        raise UsageError(f"plan file '{path}' is refused: it nests deeper than {MAX_DEPTH} levels; "
                         f"{RERUN}") from None
    except json.JSONDecodeError as e:
        if e.msg.startswith("Extra data"):
            first = text.lstrip().splitlines()[0]
            try:
                event = json.loads(first)
            except (ValueError, RecursionError):
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
    except ValueError as e:  # e.g. an integer too long to convert
        raise UsageError(f"plan file '{path}' is refused: {str(e)[:120]}; {RERUN}") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _object(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"key '{escape(key)}' appears twice in one object (Pulumi's decoder "
                           "merges duplicates, the last one winning, so the file reads two ways)")
        if _SURROGATE.search(key):
            raise _Refused(f"key '{escape(key)}' holds an unpaired UTF-16 surrogate")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number (Pulumi's decoder rejects it)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:24]}... is out of range (Pulumi's decoder rejects it)")
    return value


def _int(text: str) -> Any:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _Refused(f"the number {text[:24]}... is out of range (Pulumi's decoder rejects it)")
    return int(text)


def _format_of(document: Mapping[str, Any]) -> str:
    keys = set(document)
    for key in keys:
        if key in PLAN_TOP or key in PREVIEW_TOP:
            continue
        known = next((k for k in (*PLAN_TOP, *PREVIEW_TOP) if _same_field(key, k)), None)
        if known:
            raise _Refused(f"top-level key '{escape(key)}' is a case variant of '{known}'; Pulumi's "
                           "decoder matches keys case-insensitively, so the file reads two ways")
        if key in ("version", "plan"):
            raise _Refused(f"top-level key '{key}': a {{\"version\", \"plan\"}} wrapper is not what "
                           "`pulumi up --plan` reads (it decodes the plan itself at the top level)")
        raise _Refused(f"unknown top-level key '{escape(key)}' (a saved plan has "
                       f"{', '.join(sorted(PLAN_TOP))}; a preview has {', '.join(sorted(PREVIEW_TOP))})")
    plan_keys, preview_keys = keys & _PLAN_ONLY, keys & _PREVIEW_ONLY
    if plan_keys and preview_keys:
        raise _Refused(f"it mixes a saved plan's keys ({', '.join(sorted(plan_keys))}) with a "
                       f"preview's ({', '.join(sorted(preview_keys))}), so it reads two ways")
    if plan_keys:
        return UPDATE_PLAN
    if preview_keys:
        return PREVIEW
    raise _Refused("it is neither `pulumi preview --json` output (no 'steps') nor a saved update "
                   "plan (no 'resourcePlans')")


_LEAF_TYPES = {"str": str, "bool": bool, "int": int}


def _check(value: Any, schema: Any, where: str, depth: int, top: bool = False) -> None:
    """Walk value against the Go struct schema (iteratively bounded by MAX_DEPTH)."""
    if depth > MAX_DEPTH:
        raise _Refused(f"it nests deeper than {MAX_DEPTH} levels")
    if value is None:
        return  # null: the zero value in Go, absent here
    if isinstance(value, str) and _SURROGATE.search(value):
        raise _Refused(f"a string in {where} holds an unpaired UTF-16 surrogate")
    if schema == ANY:
        if isinstance(value, dict):
            for _key, item in value.items():
                _check(item, ANY, where, depth + 1)
        elif isinstance(value, list):
            for item in value:
                _check(item, ANY, where, depth + 1)
        return
    if isinstance(schema, str):
        expected = _LEAF_TYPES[schema]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise _Refused(f"{where} should be a {_TYPE_NAMES[schema]}, not {_json_type(value)}")
        return
    kind, inner = schema
    if kind == "list":
        if not isinstance(value, list):
            raise _Refused(f"{where} should be a list, not {_json_type(value)}")
        for index, item in enumerate(value):
            _check(item, inner, f"{where}[{index}]", depth + 1)
        return
    if not isinstance(value, dict):
        raise _Refused(f"{where} should be an object, not {_json_type(value)}")
    if kind == "map":
        for key, item in value.items():
            _check(item, inner, f"{where}['{escape(key, 80)}']", depth + 1)
        return
    fields: Mapping[str, Any] = inner
    for key, item in value.items():
        if key in fields:
            _check(item, fields[key], key if top else f"{where}.{key}", depth + 1)
            continue
        known = next((k for k in fields if _same_field(key, k)), None)
        if known:
            raise _Refused(f"key '{escape(key)}' in {where} is a case variant of '{known}'; Pulumi's "
                           "decoder matches keys case-insensitively, so the file reads two ways")
        _check(item, ANY, where, depth + 1)  # ignored by Go and by the gate; still bounded


_TYPE_NAMES = {"str": "string", "bool": "boolean", "int": "whole number"}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def _bad(path: str, what: str) -> UsageError:
    return UsageError(f"plan file '{path}' is malformed: {what}; {RERUN}")


def _identify(path: str, urns: List[str]) -> Urn:
    parsed: Optional[Urn] = None
    for raw in urns:
        urn = Urn.parse(raw)
        if urn is None:
            raise _bad(path, f"'{escape(raw)}' is not a Pulumi URN")
        if not (_NAME.match(urn.stack) and _NAME.match(urn.project)):
            raise _bad(path, f"'{escape(raw)}' names a stack or project Pulumi does not allow "
                             "(letters, digits, '-', '_', '.')")
        if parsed and (urn.stack, urn.project) != (parsed.stack, parsed.project):
            raise _bad(path, f"it mixes stacks '{escape(parsed.project)}/{escape(parsed.stack)}' and "
                             f"'{escape(urn.project)}/{escape(urn.stack)}'")
        parsed = parsed or urn
    if parsed is None:
        raise _bad(path, "it lists no resources at all (even a no-op preview lists the root stack)")
    return parsed


def _load_preview(path: str, document: Dict[str, Any]) -> Plan:
    steps = document.get("steps") or []
    by_urn: Dict[str, ResourceChange] = {}
    for index, step in enumerate(steps):
        if not isinstance(step, dict) or not step.get("op") or not step.get("urn"):
            raise _bad(path, f"step {index} has no 'op' or 'urn'")
        urn = Urn.parse(step["urn"])
        if urn is None:
            raise _bad(path, f"step {index} urn '{escape(step['urn'])}' is not a Pulumi URN")
        old, new = step.get("oldState"), step.get("newState")
        for record in (old, new):
            if record and record.get("urn") and record["urn"] != step["urn"]:
                raise _bad(path, f"step {index} names '{escape(step['urn'])}' but its state is for "
                                 f"'{escape(record['urn'])}'")
        change = by_urn.setdefault(step["urn"], ResourceChange(urn=step["urn"], type=urn.type,
                                                               name=urn.name))
        change.ops.append(step["op"])
        # With --show-replacement-steps one resource has several steps; keep the old record that is
        # being deleted and the newest goal.
        if old and (change.old is None or old.get("delete")):
            change.old = old
        if new:
            change.new = new
        for reason in step.get("replaceReasons") or []:
            if reason not in change.replace_reasons:
                change.replace_reasons.append(reason)
    summary = document.get("changeSummary") or {}
    diagnostics = document.get("diagnostics") or []
    errors = [f"{escape(d.get('urn') or 'the stack')}: {_one_line(d.get('message'))}"
              for d in diagnostics if isinstance(d, dict) and d.get("severity") in ("error", "info#err")]
    identity = _identify(path, list(by_urn))
    return Plan(path=path, format=PREVIEW, stack=identity.stack, project=identity.project,
                changes=list(by_urn.values()), config=dict(document.get("config") or {}),
                change_summary=dict(summary), errors=errors,
                maybe_corrupt=bool(document.get("maybeCorrupt")))


def _one_line(message: Any, limit: int = 240) -> str:
    text = escape(" ".join(str(message or "").split()))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _load_update_plan(path: str, document: Dict[str, Any]) -> Plan:
    plans = document.get("resourcePlans")
    if not isinstance(plans, dict):
        raise _bad(path, "'resourcePlans' is missing")
    changes: List[ResourceChange] = []
    for urn_text, resource_plan in plans.items():
        urn = Urn.parse(urn_text)
        if urn is None:
            raise _bad(path, f"resource plan key '{escape(urn_text)}' is not a Pulumi URN")
        resource_plan = resource_plan or {}
        goal = resource_plan.get("goal")
        ops = resource_plan.get("steps") or []
        if not all(ops):
            raise _bad(path, f"the steps for '{escape(urn_text)}' contain an empty op name")
        input_diff = (goal or {}).get("inputDiff") or {}
        changes.append(ResourceChange(
            urn=urn_text, type=urn.type, name=urn.name,
            ops=list(ops) or ["same"], input_diff=input_diff, goal=goal))
    identity = _identify(path, list(plans))
    return Plan(path=path, format=UPDATE_PLAN, stack=identity.stack, project=identity.project,
                changes=changes, config=dict(document.get("config") or {}))


# --- printing ---------------------------------------------------------------------------------------

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def escape(value: Any, limit: int = 0) -> str:
    """Text from a plan, safe for a terminal: control, bidi and zero-width characters as \\xNN/\\uNNNN."""
    text = _UNSAFE.sub(lambda m: (f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                                  else f"\\u{ord(m.group()):04x}"), str(value))
    if limit and len(text) > limit:
        text = text[:limit - 3] + "..."
    return text
