"""From a plan to a decision: allowed, needs approval, or denied outright."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from . import approvals as approvals_mod
from .plan import PREVIEW, ROOT_STACK_TYPE, UPDATE_PLAN, Plan
from .rules import DELETE_OPS, REPLACE_OPS, Finding, classify_all, is_counted_resource, unprotect_unknowable
from .state import EXPORT, StackState
from .settings import Environment, GateSettings, describe

ALLOWED, NEEDS_APPROVAL, DENIED = "allowed", "needs-approval", "denied"
EXIT_CODES = {ALLOWED: 0, NEEDS_APPROVAL: 1, DENIED: 1}
CHECKLIST = ["infra.iac", "ai.agents"]


@dataclass
class MassCreate:
    creates: int
    resources: int

    @property
    def digest_item(self) -> str:
        return f"mass-create {self.creates} of {self.resources}"

    @property
    def text(self) -> str:
        return (f"the plan creates {self.creates} of {self.resources} resources: a prod stack "
                "should already have most of them (an empty or wrong state backend looks like this)")


@dataclass
class Assessment:
    """Everything about the plan that does not depend on approvals."""

    plan: Plan
    environment: Environment
    settings: GateSettings
    findings: List[Finding]
    mass_create: Optional[MassCreate]
    incomplete: List[str]
    stack_destroy: bool
    state: Optional[StackState] = None
    # A saved plan without --state: existing resources whose goal says protect=false, any of which
    # may have been protected before (the plan cannot say).
    protect_unknown: List[str] = field(default_factory=list)

    @property
    def protect_warning(self) -> Optional[str]:
        if not self.protect_unknown:
            return None
        n = len(self.protect_unknown)
        return (f"a saved plan does not record whether a resource was protected before, so the gate "
                f"cannot see `protect` turned off ({n} existing resource{'s' if n != 1 else ''} "
                f"{'are' if n != 1 else 'is'} unprotected in the plan's goal); pass the stack's state: "
                f"`{EXPORT.format(stack=self.plan.stack)}` and add `--state state.json` to the gate, "
                "digest and approve (or gate `pulumi preview --json` output)")

    @property
    def gated(self) -> List[Finding]:
        return [f for f in self.findings if f.gated]

    @property
    def digest(self) -> str:
        items = [line for f in self.gated for line in f.digest_lines]
        if self.mass_create:
            items.append(self.mass_create.digest_item)
        return approvals_mod.digest_line(self.plan.project, self.plan.stack, items)

    @property
    def strict(self) -> bool:
        return self.environment.name in self.settings.approval_environments

    @property
    def needs_approval(self) -> bool:
        return bool(self.gated or self.mass_create)


def _incomplete(plan: Plan) -> List[str]:
    problems = []
    if plan.maybe_corrupt:
        problems.append("the engine marked this preview maybeCorrupt")
    for error in plan.errors:
        problems.append(f"the preview reported an error, so its step list may be incomplete: {error}")
    if plan.format == PREVIEW:
        seen = {op for change in plan.changes for op in change.ops}
        for op, number in sorted(plan.change_summary.items()):
            if number <= 0 or op == "same":
                continue
            present = bool(seen & (REPLACE_OPS | {"replace"})) if op == "replace" else op in seen
            if not present:
                problems.append(f"changeSummary counts {number} '{op}' but no '{op}' step is listed")
    return problems


def _mass_create(plan: Plan, settings: GateSettings) -> Optional[MassCreate]:
    counted = [c for c in plan.changes if is_counted_resource(c)]
    creates = sum(1 for c in counted if "create" in c.ops)
    existing = len(counted) - creates
    if plan.format == PREVIEW:
        # Unchanged resources are not listed in a preview; the summary counts them.
        listed_same = sum(1 for c in plan.changes if c.ops == ["same"])
        existing += max(0, plan.change_summary.get("same", 0) - listed_same)
    total = creates + existing
    if creates >= settings.mass_create_minimum and total and creates / total > settings.mass_create_ratio:
        return MassCreate(creates, total)
    return None


def assess(plan: Plan, environment: Environment, settings: GateSettings,
           state: Optional[StackState] = None) -> Assessment:
    """`state` (a saved plan's stack state, already bound to the plan) only adds findings."""
    if plan.format != UPDATE_PLAN:
        state = None
    findings = classify_all(plan.changes, plan.format, settings.stateful_types, state)
    stack_destroy = any(c.type == ROOT_STACK_TYPE and set(c.ops) & (DELETE_OPS | REPLACE_OPS)
                        for c in plan.changes)
    unknown = [c.urn for c in plan.changes if unprotect_unknowable(c)] \
        if plan.format == UPDATE_PLAN and state is None else []
    return Assessment(plan=plan, environment=environment, settings=settings, findings=findings,
                      mass_create=_mass_create(plan, settings), incomplete=_incomplete(plan),
                      stack_destroy=stack_destroy, state=state, protect_unknown=unknown)


@dataclass
class Verdict:
    assessment: Assessment
    decision: str
    reasons: List[str]
    warnings: List[str]
    approvals: Optional[approvals_mod.ApprovalCount] = None
    hints: List[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.decision]

    def as_json(self) -> Dict[str, Any]:
        a = self.assessment
        approvals = self.approvals or approvals_mod.ApprovalCount()
        return {
            "tool": "preflight gate", "version": 1,
            "decision": self.decision, "allowed": self.decision == ALLOWED, "exitCode": self.exit_code,
            "reasons": self.reasons, "warnings": self.warnings, "next": self.hints,
            "plan": {"file": a.plan.path, "format": a.plan.format},
            "state": ({"file": a.state.path, "version": a.state.version,
                       "resources": len(a.state.records)} if a.state else None),
            "protectUnknown": a.protect_unknown,
            "project": a.plan.project, "stack": a.plan.stack,
            "environment": a.environment.name, "environmentSource": a.environment.source,
            "digest": a.digest.rstrip("\n"),
            "approvals": {"required": a.settings.required if a.strict and a.needs_approval else 0,
                          "counted": [x.as_json() for x in approvals.counted],
                          "rejected": [x.as_json() for x in approvals.rejected]},
            "destructive": [f.as_json() for f in a.findings],
            "massCreate": ({"creates": a.mass_create.creates, "resources": a.mass_create.resources}
                           if a.mass_create else None),
            "incomplete": a.incomplete,
            "summary": {"resources": len(a.plan.changes), "destructive": len(a.findings),
                        "needApproval": len(a.gated),
                        "approvalsCounted": len(approvals.counted),
                        "approvalsRejected": len(approvals.rejected)},
            "settings": describe(a.settings),
            "checklist": CHECKLIST,
        }


def decide(assessment: Assessment, approvals: Optional[approvals_mod.ApprovalCount],
           approval_hint: str, extra_warnings: Sequence[str] = ()) -> Verdict:
    """`extra_warnings`: e.g. allowed_signers lines that can never count an approval."""
    a, s = assessment, assessment.settings
    denials: List[str] = []
    warnings: List[str] = list(a.environment.warnings) + list(extra_warnings)
    if a.stack_destroy:
        denials.append("the plan destroys the whole stack; a prod stack is never destroyed through "
                       "the gate (use a reviewed break-glass procedure)")
    if len(a.findings) > s.max_destructive:
        denials.append(f"{len(a.findings)} destructive changes exceed the blast-radius limit of "
                       f"{s.max_destructive}; split the change, or raise maxDestructive in the gate "
                       "config through review")
    denials += [f"{p}; re-run the preview (add --ignore-protect to a dry run to see every step)"
                for p in a.incomplete]
    if a.protect_warning:
        if s.require_state:
            denials.append(f"requireState is set in the gate --config, and {a.protect_warning}")
        else:
            warnings.append(a.protect_warning)

    if not a.strict:
        label = a.environment.name
        warnings += [f"{label} stack: would be denied in prod: {d}" for d in denials]
        if a.gated:
            warnings.append(f"{label} stack: {len(a.gated)} destructive change(s) to stateful or "
                            "protected resources pass without approval outside prod")
        if a.mass_create:
            warnings.append(f"{label} stack: {a.mass_create.text}")
        return Verdict(a, ALLOWED, [], warnings, approvals)

    if denials:
        return Verdict(a, DENIED, denials, warnings, approvals,
                       hints=["approvals cannot override this; change the plan"])
    if not a.needs_approval:
        return Verdict(a, ALLOWED, [], warnings, approvals)
    reasons = [f"{len(a.gated)} destructive change(s) to stateful or protected resources, or "
               "protection downgrades, need approval"] if a.gated else []
    if a.mass_create:
        reasons.append(a.mass_create.text + "; needs approval")
    counted = len(approvals.counted) if approvals else 0
    if counted >= s.required:
        return Verdict(a, ALLOWED, [f"approved by {', '.join(approvals.principals)}"], warnings, approvals)
    reasons.append(f"{counted} of {s.required} required approvals"
                   + (f" ({', '.join(approvals.principals)})" if counted else ""))
    return Verdict(a, NEEDS_APPROVAL, reasons, warnings, approvals, hints=[approval_hint])
