"""The pack's policy metadata and the audit's check metadata follow one set of rules.

They cannot share code (the CLI talks to the pack only over the protocol, and the pack runs in its
own interpreter), so this test feeds both validators the same metadata and demands the same verdict.
"""
import os
import sys

import pytest

from preflight.audit.model import Check, CheckMetadataError
from tests.conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "policypack"))
from preflight_policies.model import MetadataError, PolicyMeta  # noqa: E402

GOOD = {"name": "rds-storage-encrypted", "title": "RDS storage must be encrypted",
        "checklist": ("security.encryption",), "severity": "high",
        "remediation": "Set storage_encrypted=True on aws.rds.Instance with a KMS key."}
CASES = [
    {},
    {"title": "x" * 120}, {"title": "x" * 121}, {"title": "x" * 101}, {"title": ""},
    {"title": " leading space"}, {"title": "two\nlines"}, {"title": "trailing newline\n"},
    {"checklist": ()}, {"checklist": ("security.nope",)}, {"checklist": ("ai.cost", "infra.backups")},
    {"severity": "urgent"}, {"severity": "critical"}, {"severity": "info"},
    {"remediation": "too short"}, {"remediation": ""},
    {"name": "single"}, {"name": "Upper-Case"}, {"name": "two-words"},
]


def _pack_ok(meta) -> bool:
    try:
        PolicyMeta(name=meta["name"], title=meta["title"], checklist=meta["checklist"], severity=meta["severity"],
                   frameworks=(), remediation=meta["remediation"]).validate()
        return True
    except MetadataError:
        return False


def _audit_ok(meta) -> bool:
    try:
        Check(id=meta["name"], title=meta["title"], checklist=meta["checklist"], severity=meta["severity"],
              remediation=meta["remediation"], run=lambda ctx: []).validate()
        return True
    except CheckMetadataError:
        return False


@pytest.mark.parametrize("change", CASES, ids=repr)
def test_same_verdict(change):
    meta = {**GOOD, **change}
    assert _pack_ok(meta) == _audit_ok(meta), f"pack and audit disagree on {change}"


def test_the_cases_can_fail():
    assert _pack_ok(GOOD) and not _pack_ok({**GOOD, "title": "x" * 121})
