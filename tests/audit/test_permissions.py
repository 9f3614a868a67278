"""The audit role's documented policy (AWS managed SecurityAudit plus catalog.EXTRA_ACTIONS) allows every
call the audit makes: every check runs in-process against moto while each API call is recorded, and each
call's IAM action is matched against SecurityAudit's statements (the copy moto bundles)."""
from __future__ import annotations

import fnmatch
import io
import json
import threading

import boto3
import pytest
from moto.iam.aws_managed_policies import aws_managed_policies_data

from preflight.audit import catalog
from preflight.audit.aws import AuditContext, iam_action
from preflight.audit.runner import PASS, Progress, run_checks

from . import seeds
from .conftest import DUMMY, REGION

NO_PERMISSION_NEEDED = {"sts:GetCallerIdentity"}


def security_audit_actions():
    document = json.loads(aws_managed_policies_data)["SecurityAudit"]["Document"]
    allowed = []
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            actions = statement["Action"]
            allowed += actions if isinstance(actions, list) else [actions]
    return allowed


def record_calls(ctx: AuditContext):
    calls, lock = set(), threading.Lock()
    original = ctx.client

    def client(service):
        made = service in ctx._clients
        result = original(service)
        if not made:
            def note(model, **_):
                with lock:
                    calls.add((service, model.name))
            result.meta.events.register("before-call", note)
        return result
    ctx.client = client
    return calls


@pytest.mark.parametrize("seed", ["seed_secure", "seed_insecure"])
def test_security_audit_allows_every_call_the_audit_makes(moto, monkeypatch, seed):
    getattr(seeds, seed)(moto)
    for key, value in moto.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    session = boto3.Session(aws_access_key_id=DUMMY["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=DUMMY["AWS_SECRET_ACCESS_KEY"], region_name=REGION)
    ctx = AuditContext(session, REGION)
    calls = record_calls(ctx)
    ctx.identify()
    results = run_checks(ctx, catalog.ACCOUNT_CHECKS, Progress(0, io.StringIO()))
    assert not [r.reason for r in results if "internal error" in r.reason]
    if seed == "seed_secure":  # every chain was followed to its end (alarms, topics, subscriptions...)
        assert {r.check.id for r in results if r.status != PASS} == {
            "backup-restore-testing", "root-mfa", "root-access-keys", "root-hardware-mfa"}
    actions = {iam_action(service, operation) for service, operation in calls}
    assert len(actions) > 40  # the calls were recorded
    allowed = security_audit_actions()
    uncovered = sorted(a for a in actions - NO_PERMISSION_NEEDED
                       if not any(fnmatch.fnmatchcase(a.lower(), pattern.lower()) for pattern in allowed))
    assert set(uncovered) <= set(catalog.EXTRA_ACTIONS), (
        f"SecurityAudit does not allow {sorted(set(uncovered) - set(catalog.EXTRA_ACTIONS))}: add them to "
        "catalog.EXTRA_ACTIONS (the audit-role-permissions remediation and docs/audit-guide.md name them)")


def test_extra_actions_are_needed_and_named():
    remediation = catalog.load()["audit-role-permissions"].remediation
    assert "SecurityAudit" in remediation and all(action in remediation for action in catalog.EXTRA_ACTIONS)
    for action in catalog.EXTRA_ACTIONS:  # none of them is already in SecurityAudit
        assert not any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in security_audit_actions()), action
