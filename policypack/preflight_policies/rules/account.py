"""Account scope: what the account baseline must provide, said once in the stacks that are not it.

An AWS account has one budget, one trail, one GuardDuty detector... usually created by one stack, the
account baseline, which says so in its stack config (`preflight:accountBaseline: true`). Policies marked
`account=True` are required there (mandatory in prod). In every other stack the server runs them too, but
a finding that blames the stack itself ("no trail here") is not reported as a violation of that stack:
it is collected into `stack.account_findings`, and this policy reports them as one advisory summary.
Nothing is said when the policy pack config names the stack that covers the account (`coveredBy`).

Declaring a stack the baseline only adds checks; no stack config can switch a resource policy off.
`preflight audit` remains the check that the live account really has these controls.
"""
from __future__ import annotations

from ..model import ADVISORY_EVERYWHERE, Report, stack_policy
from ..resource import Stack

ACCOUNT_BASELINE_KEY = "preflight:accountBaseline"


@stack_policy(
    name="account-baseline-controls",
    title="Account-level controls belong to the account baseline stack (summary for other stacks)",
    checklist=("compliance.audit-logging", "infra.separation"), severity="low",
    levels=ADVISORY_EVERYWHERE,
    config={"coveredBy": {
        "type": "string", "default": "",
        "description": "The stack (e.g. 'acme/preflight/prod') that is this account's baseline and provides its "
                       "account-level controls; when set, application stacks no longer show this summary."}},
    remediation="Deploy the account-level controls (budget, CloudTrail, GuardDuty, AWS Config, Security Hub, "
                "Access Analyzer, cost anomaly detection, security contact, Bedrock invocation logging) from one stack "
                "that sets "
                "`preflight:accountBaseline: true` (stacks/baseline does), then name it in this policy's coveredBy "
                "config; run `preflight audit` to check the live account.",
)
def account_baseline_controls(stack: Stack, report: Report) -> None:
    findings = getattr(stack, "account_findings", None) or []
    if not findings or (stack.config.get("coveredBy") or "").strip():
        return
    names = sorted({name for name, _message in findings})
    report(f"this stack is not the account baseline ({ACCOUNT_BASELINE_KEY} is not true), so account-level "
           f"controls are not required of it; the account baseline stack must provide what this stack does not: "
           f"{', '.join(names)}. Set {ACCOUNT_BASELINE_KEY}: true in the stack that creates them, name it in "
           f"this policy's coveredBy config, and run `preflight audit` to check the live account")


POLICIES = [account_baseline_controls]
