"""The check catalog: every unit has valid metadata, and bad metadata is refused at load."""
from __future__ import annotations

import dataclasses

import pytest

from preflight.audit import catalog
from preflight.audit.checklist import CHECKLIST
from preflight.audit.model import COMPONENTS, SEVERITIES, CheckMetadataError


def test_catalog_loads_with_unique_valid_ids():
    checks = catalog.load()
    assert len(checks) == len(catalog.ACCOUNT_CHECKS) + len(catalog.META_CHECKS)
    for item in checks.values():
        assert item.severity in SEVERITIES
        assert item.checklist and all(cid in CHECKLIST for cid in item.checklist)


def test_issue_checks_are_all_present():
    required = {
        "cloudtrail-multi-region-logging", "cloudtrail-log-validation", "cloudtrail-kms-encryption",
        "cloudtrail-recent-delivery", "s3-account-public-access-block", "ebs-default-encryption",
        "s3-bucket-encryption", "s3-bucket-versioning", "s3-bucket-public-access-block", "rds-storage-encrypted",
        "rds-backup-retention", "rds-deletion-protection", "rds-public-access", "rds-recent-backup",
        "dynamodb-pitr", "backup-vault-lock", "kms-key-rotation", "secrets-rotation", "iam-admin-policy",
        "iam-access-key-age", "root-mfa", "root-access-keys", "guardduty-enabled", "budgets-notifications",
        "cloudwatch-alarm-actions", "log-group-retention", "security-group-admin-ports", "lambda-url-auth",
        "apigateway-throttling", "apigateway-access-logs"}
    assert required <= set(catalog.load())


def test_remediations_name_only_real_components():
    named = {name for item in catalog.load().values()
             for name in __import__("re").findall(r"components\.([A-Za-z]+)", item.remediation)}
    assert named and named <= set(COMPONENTS)


@pytest.mark.parametrize("change, problem", [
    ({"checklist": ("security.nonsense",)}, "unknown checklist id"),
    ({"checklist": ()}, "at least one checklist id"),
    ({"severity": "urgent"}, "severity must be one of"),
    ({"id": "NotKebab"}, "kebab-case"),
    ({"remediation": "fix it"}, "remediation must say"),
    ({"remediation": "Use components.MagicShield to fix this for good."}, "unknown component"),
])
def test_bad_metadata_is_refused(change, problem):
    broken = dataclasses.replace(catalog.ACCOUNT_CHECKS[0], **change)
    with pytest.raises(CheckMetadataError, match=problem):
        broken.validate()


def test_duplicate_ids_are_refused(monkeypatch):
    monkeypatch.setattr(catalog, "ACCOUNT_CHECKS", catalog.ACCOUNT_CHECKS + (catalog.ACCOUNT_CHECKS[0],))
    with pytest.raises(CheckMetadataError, match="defined twice"):
        catalog.load()
