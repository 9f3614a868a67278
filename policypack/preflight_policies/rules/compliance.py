"""Compliance checklist: compliance.audit-logging, compliance.data, compliance.incident-response."""
from __future__ import annotations

from ..helpers import is_true, property_policy
from .. import tokens as T

cloudtrail_multi_region = property_policy(
    name="cloudtrail-multi-region",
    title="CloudTrail trails must record every region",
    checklist="compliance.audit-logging", severity="high",
    frameworks=("CIS-AWS-3.0:3.1", "AWS-FSBP:CloudTrail.1", "Checkov:CKV_AWS_67",
                "Prowler:cloudtrail_multi_region_enabled"),
    types=T.CLOUDTRAIL_TRAIL, path="isMultiRegionTrail", expect=is_true,
    message="trail '{name}' records one region only; set is_multi_region_trail=True "
            "(components.AuditTrail does)",
    remediation="Set is_multi_region_trail=True and include_global_service_events=True on aws.cloudtrail.Trail, "
                "so activity in any region (and IAM, a global service) is recorded.",
)

cloudtrail_log_validation = property_policy(
    name="cloudtrail-log-file-validation",
    title="CloudTrail trails must validate their log files",
    checklist="compliance.audit-logging", severity="medium",
    frameworks=("CIS-AWS-3.0:3.2", "AWS-FSBP:CloudTrail.4", "Checkov:CKV_AWS_36",
                "Prowler:cloudtrail_log_file_validation_enabled"),
    types=T.CLOUDTRAIL_TRAIL, path="enableLogFileValidation", expect=is_true,
    message="trail '{name}' does not validate its log files, so tampering goes unnoticed; set "
            "enable_log_file_validation=True (components.AuditTrail does)",
    remediation="Set enable_log_file_validation=True on aws.cloudtrail.Trail; CloudTrail then writes signed "
                "digest files that prove the logs were not changed.",
)

POLICIES = [
    cloudtrail_multi_region,
    cloudtrail_log_validation,
]
