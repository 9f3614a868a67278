"""Read the stack's state (`pulumi stack export`) beside a saved plan: the old `protect` flags.

A saved plan records each resource's goal (`goal.protect`) but not its old state, so on its own it
cannot show `protect` turned off. `pulumi stack export --stack S --file state.json` writes an
`apitype.UntypedDeployment`: `{"version": 3|4, "features": [...], "deployment": DeploymentV3}`,
DeploymentV3 being `{"manifest", "secrets_providers", "resources": [ResourceV3...],
"pending_operations", "metadata", "snippets", "extensions"}` (pulumi sdk/v3 apitype, v3.276.0).

The state file is untrusted input, read as strictly as the plan: one JSON object, no duplicate keys,
no case variants of known keys, no NaN/Infinity, numbers in float64 range, no lone surrogates,
bounded size and depth, the fields of ResourceV3 with their Go types. It must belong to the plan's
stack (every URN names the plan's project and stack) and match the plan (every resource the plan
treats as existing is in the state; nothing the plan creates is). Anything else is refused
(UsageError: exit 2, one line). No message ever quotes a value from the state: inputs and outputs
hold secrets (ciphertext, or plaintext after `--show-secrets`) and the secrets provider's state.

The state can only make the verdict stricter: it adds `protect` downgrades and "protected" reasons.
It never relaxes one (a `retainOnDelete` in state does not excuse a saved plan's delete), because
nothing binds the exported state to what `pulumi up --plan` will apply.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional

from ..errors import UsageError
from . import plan as plan_mod
from .plan import ANY, MAX_BYTES, MAX_DEPTH, Plan, Urn, escape

EXPORT = "pulumi stack export --stack {stack} --file state.json"
SUPPORTED_VERSIONS = (3, 4)   # DeploymentV3 reads both (apitype.DeploymentSchemaVersionCurrent is 3,
                              # 4 adds `features`)

_OPERATION = ("struct", {"resource": plan_mod._RESOURCE, "type": "str"})
_DEPLOYMENT = ("struct", {
    "manifest": plan_mod._MANIFEST, "secrets_providers": ANY,
    "resources": ("list", plan_mod._RESOURCE), "pending_operations": ("list", _OPERATION),
    "metadata": ANY, "snippets": ANY, "extensions": ANY})
STATE_TOP: Dict[str, Any] = {"version": "int", "features": ("list", "str"), "deployment": _DEPLOYMENT}

# Ops after which the resource the plan names already existed before the update.
_NEW_OPS = frozenset({"create", "import"})
_UNCHECKED_OPS = frozenset({"read", "read-replacement", "refresh"})


@dataclass
class StackState:
    path: str
    stack: str
    project: str
    version: int
    records: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # live records by URN

    def protected(self, urn: str) -> Optional[bool]:
        record = self.records.get(urn)
        return None if record is None else bool(record.get("protect"))

    def deleted_with(self, urn: str) -> Optional[str]:
        record = self.records.get(urn) or {}
        value = record.get("deletedWith")
        return value if isinstance(value, str) and value else None


def _fix(stack: str) -> str:
    return f"export it again with `{EXPORT.format(stack=stack or 'STACK')}` right before the preview"


class _Refused(Exception):
    pass


def _constant(_name: str) -> Any:
    raise _Refused("it holds NaN or Infinity, which is not a JSON number (Pulumi's decoder rejects it)")


# The plan reader's hooks decide (one set of bounds for both files); only the words differ, since a message
# about the state never quotes a value from it.
_OUT_OF_RANGE = "it holds a number out of float64 range (Pulumi's decoder rejects it)"


def _float(text: str) -> float:
    try:
        return plan_mod._float(text)
    except plan_mod._Refused:
        raise _Refused(_OUT_OF_RANGE) from None


def _int(text: str) -> Any:
    try:
        return plan_mod._int(text)
    except plan_mod._Refused:
        raise _Refused(_OUT_OF_RANGE) from None


def _object(pairs):
    try:
        return plan_mod._object(pairs)
    except plan_mod._Refused as e:
        raise _Refused(str(e)) from None


def load(path: str, stack: str) -> StackState:
    """Read PATH as `pulumi stack export` output; STACK (the plan's) is only used in messages."""
    shown = escape(path, 200)
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"--state '{shown}' does not exist; write it with "
                         f"`{EXPORT.format(stack=stack)}`")
    try:
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise UsageError(f"--state '{shown}' is {size} bytes, over the gate's limit of {MAX_BYTES}")
        data = file.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read --state '{shown}' ({e.strerror or e}); {_fix(stack)}") from None
    return parse(data, path, stack)


def parse(data: bytes, path: str = "<state>", stack: str = "") -> StackState:
    shown = escape(path, 200)

    def refused(why: str) -> UsageError:
        return UsageError(f"--state '{shown}' is refused: {why}; {_fix(stack)}")

    if len(data) > MAX_BYTES:
        raise UsageError(f"--state '{shown}' is {len(data)} bytes, over the gate's limit of {MAX_BYTES}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise refused(f"it is not UTF-8 (byte {e.start})") from None
    if text.startswith("\ufeff"):
        raise refused("it starts with a byte order mark")
    if not text.strip():
        raise refused("it is empty")
    try:
        document = json.loads(text, object_pairs_hook=_object, parse_constant=_constant,
                              parse_float=_float, parse_int=_int)
    except _Refused as e:
        raise refused(str(e)) from None
    except RecursionError:
        raise refused(f"it nests deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as e:
        what = "it holds more than one JSON document" if e.msg.startswith("Extra data") else \
            "it is truncated" if e.pos >= len(text.rstrip()) else "it is not valid JSON"
        raise refused(f"{what} (line {e.lineno} column {e.colno})") from None
    except ValueError:
        raise refused("it holds a number Python cannot read") from None
    if not isinstance(document, dict):
        raise refused("it is JSON but not `pulumi stack export` output (expected an object)")
    keys = set(document)
    if "checkpoint" in keys:
        raise refused("it is a backend checkpoint file (`{version, checkpoint}`), not "
                      "`pulumi stack export` output")
    if "resourcePlans" in keys or "steps" in keys:
        raise refused("it is a plan or a preview, not the stack's state (pass the plan as PLAN and "
                      "the `pulumi stack export` output as --state)")
    unknown = sorted(k for k in keys if k not in STATE_TOP)
    if unknown:
        known = next((k for k in STATE_TOP if plan_mod._same_field(unknown[0], k)), None)
        if known:
            raise refused(f"top-level key '{escape(unknown[0], 40)}' is a case variant of '{known}' "
                          "(Pulumi's decoder matches keys case-insensitively, so the file reads two ways)")
        raise refused(f"unknown top-level key '{escape(unknown[0], 40)}' (`pulumi stack export` "
                      f"writes {', '.join(sorted(STATE_TOP))})")
    try:
        plan_mod._check(document, ("struct", STATE_TOP), "the top level", 0, top=True)
    except plan_mod._Refused as e:
        raise refused(_no_values(str(e))) from None
    version = document.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise refused(f"deployment version {version if isinstance(version, int) else 'missing'} is not "
                      f"one the gate reads ({' or '.join(map(str, SUPPORTED_VERSIONS))}); export it with "
                      "the Pulumi CLI that made the plan")
    deployment = document.get("deployment")
    if not isinstance(deployment, dict):
        raise refused("it has no 'deployment'")
    records: Dict[str, Dict[str, Any]] = {}
    identity: Optional[Urn] = None
    for index, resource in enumerate(deployment.get("resources") or []):
        if not isinstance(resource, dict):
            raise refused(f"resource {index} is not an object")
        raw = resource.get("urn")
        urn = Urn.parse(raw)
        if urn is None:
            raise refused(f"resource {index} has no Pulumi URN")
        if identity and (urn.stack, urn.project) != (identity.stack, identity.project):
            raise refused(f"it mixes stacks '{escape(identity.project)}/{escape(identity.stack)}' and "
                          f"'{escape(urn.project)}/{escape(urn.stack)}'")
        identity = identity or urn
        if resource.get("delete"):
            continue  # an old copy waiting to be deleted (replace); the live record shares its URN
        if raw in records:
            raise refused(f"'{escape(raw, 200)}' has two live records, so the state reads two ways")
        records[raw] = resource
    return StackState(path=path, stack=identity.stack if identity else "",
                      project=identity.project if identity else "", version=version, records=records)


def _no_values(message: str) -> str:
    # _check's messages name paths and JSON types, never values; keep them short.
    return escape(message, 300)


def bind(state: StackState, plan: Plan) -> None:
    """Refuse a state that does not belong to the plan's stack, or does not match the plan."""
    shown = escape(state.path, 200)
    fix = _fix(plan.stack)
    if (state.records or state.stack) and (state.stack, state.project) != (plan.stack, plan.project):
        raise UsageError(f"--state '{shown}' is the state of stack '{escape(state.project)}/"
                         f"{escape(state.stack)}', not of the plan's stack '{plan.project}/"
                         f"{plan.stack}'; export the plan's stack: `{EXPORT.format(stack=plan.stack)}`")
    for change in plan.changes:
        ops = set(change.ops)
        if not ops or ops <= _UNCHECKED_OPS:
            continue
        in_state = change.urn in state.records
        if ops <= _NEW_OPS:
            if in_state:
                raise UsageError(f"--state '{shown}' does not match the plan: it already holds "
                                 f"'{escape(change.urn, 200)}', which the plan creates (the state is "
                                 f"newer than the plan); {fix}, then re-create the plan")
        elif not in_state:
            raise UsageError(f"--state '{shown}' does not match the plan: it does not hold "
                             f"'{escape(change.urn, 200)}', which the plan treats as existing "
                             f"({'/'.join(change.ops)}); the state is older than the plan or from "
                             f"another backend; {fix}")
