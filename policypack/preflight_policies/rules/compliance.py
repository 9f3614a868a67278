"""Compliance checklist: compliance.audit-logging, compliance.data, compliance.incident-response."""
from __future__ import annotations

from ..helpers import as_list, is_true, links_to, non_empty, presence_policy, property_policy
from ..model import ADVISORY_EVERYWHERE, PROD_ONLY, Report, resource_policy, stack_policy
from ..resource import Resource, Stack, contains_unknown, is_unknown
from ..model import unknown_during_preview
from .. import tokens as T

cloudtrail_multi_region = property_policy(
    name="cloudtrail-multi-region",
    title="CloudTrail trails must record every region",
    checklist="compliance.audit-logging", severity="high",
    cross_references=("Checkov:CKV_AWS_67", "Prowler:cloudtrail_multi_region_enabled"),
    types=T.CLOUDTRAIL_TRAIL, path="isMultiRegionTrail", expect=is_true,
    message="trail '{name}' misses activity in every other Region; set is_multi_region_trail=True "
            "(components.AuditTrail does)",
    remediation="Set is_multi_region_trail=True and include_global_service_events=True on aws.cloudtrail.Trail, "
                "so activity in any region (and IAM, a global service) is recorded.",
    aws_default="CloudTrail records a trail's events only in the Region it is created in",
)

cloudtrail_log_validation = property_policy(
    name="cloudtrail-log-file-validation",
    title="CloudTrail trails must validate their log files",
    checklist="compliance.audit-logging", severity="medium",
    cross_references=("Checkov:CKV_AWS_36", "Prowler:cloudtrail_log_file_validation_enabled"),
    types=T.CLOUDTRAIL_TRAIL, path="enableLogFileValidation", expect=is_true,
    message="trail '{name}' does not validate its log files, so tampering goes unnoticed; set "
            "enable_log_file_validation=True (components.AuditTrail does)",
    remediation="Set enable_log_file_validation=True on aws.cloudtrail.Trail; CloudTrail then writes signed "
                "digest files that prove the logs were not changed.",
    aws_default=("CloudTrail writes no signed digest files for a trail, so its log files cannot be proven "
                 "unchanged"),
)

cloudtrail_kms = property_policy(
    name="cloudtrail-kms-encryption",
    title="CloudTrail trails must encrypt their logs with a KMS key",
    checklist=("compliance.audit-logging", "security.encryption"), severity="medium",
    cross_references=("Checkov:CKV_AWS_35", "Prowler:cloudtrail_kms_encryption_enabled"),
    types=T.CLOUDTRAIL_TRAIL, path="kmsKeyId", expect=non_empty,
    message="trail '{name}' does not encrypt its logs with your KMS key; set kms_key_id to a customer managed key "
            "(components.AuditTrail does) so reading the audit log takes kms:Decrypt too",
    remediation="Set kms_key_id=key.arn on aws.cloudtrail.Trail; the key policy must allow "
                "cloudtrail.amazonaws.com to GenerateDataKey* (components.AuditTrail sets this up).",
    aws_default=("CloudTrail encrypts a trail's log files with S3-managed keys (SSE-S3), not with a KMS key you "
                 "control"),
)

cloudtrail_cloudwatch_logs = property_policy(
    name="cloudtrail-cloudwatch-logs",
    title="CloudTrail trails must deliver to CloudWatch Logs",
    checklist=("compliance.audit-logging", "observability.alerting"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_10", "Prowler:cloudtrail_cloudwatch_logging_enabled"),
    types=T.CLOUDTRAIL_TRAIL, path="cloudWatchLogsGroupArn", expect=non_empty,
    message="trail '{name}' does not deliver to CloudWatch Logs, so no metric filter or alarm can watch it; set "
            "cloud_watch_logs_group_arn and cloud_watch_logs_role_arn",
    remediation="Set cloud_watch_logs_group_arn=f\"{log_group.arn}:*\" and cloud_watch_logs_role_arn=role.arn (a role "
                "cloudtrail.amazonaws.com can assume, allowed logs:CreateLogStream/PutLogEvents) on "
                "aws.cloudtrail.Trail.",
    aws_default="CloudTrail delivers a trail's events to its S3 bucket only, not to CloudWatch Logs",
)

cloudtrail_logging_enabled = property_policy(
    name="cloudtrail-logging-enabled",
    title="CloudTrail trails must be logging",
    checklist="compliance.audit-logging", severity="high",
    cross_references=("Checkov:CKV_AWS_251",),
    types=T.CLOUDTRAIL_TRAIL, path="enableLogging", expect=lambda v: v is not False, missing=True,
    message="trail '{name}' has enable_logging=False: it exists but records nothing; remove it or set True",
    remediation="Remove enable_logging=False from aws.cloudtrail.Trail (logging is on by default); a trail that "
                "must pause needs a reviewed change, and `preflight audit` checks the live trail is logging.",
)


def _selectors_record_management(r):
    """False when the trail's event selectors exclude management events (or only record one side)."""
    basic, advanced = r.peek("eventSelectors"), r.peek("advancedEventSelectors")
    if contains_unknown(basic) or contains_unknown(advanced):
        return None
    if advanced:
        for selector in as_list(advanced):
            for field in as_list((selector or {}).get("fieldSelectors")):
                if isinstance(field, dict) and field.get("field") == "eventCategory" and \
                        "Management" in as_list(field.get("equals")):
                    return True
        return False
    if not basic:
        return True  # no selectors: CloudTrail records all management events, read and write
    return any(isinstance(s, dict) and s.get("includeManagementEvents", True) is not False
               and s.get("readWriteType", "All") == "All" for s in as_list(basic))


@resource_policy(
    name="cloudtrail-management-events",
    title="CloudTrail trails must record read and write management events",
    checklist="compliance.audit-logging", severity="high",
    cross_references=("Prowler:cloudtrail_multi_region_enabled_logging_management_events",),
    types=T.CLOUDTRAIL_TRAIL,
    remediation="Leave event_selectors unset, or include one with include_management_events=True and "
                "read_write_type='All' on aws.cloudtrail.Trail (advanced selectors: eventCategory equals Management).",
)
def cloudtrail_management_events(r: Resource, report: Report) -> None:
    records = _selectors_record_management(r)
    if records is None:
        unknown_during_preview("the trail's event selectors", "are")
    if not records:
        report(f"trail '{r.name}' does not record all management events (read and write), so API calls that change "
               f"or read the account go unrecorded; add a selector with include_management_events=True and "
               f"read_write_type='All'")


def _records_s3_data_events(r):
    for selector in as_list(r.peek("eventSelectors")):
        for resource in as_list((selector or {}).get("dataResources") if isinstance(selector, dict) else None):
            if isinstance(resource, dict) and resource.get("type") == "AWS::S3::Object":
                return True
    for selector in as_list(r.peek("advancedEventSelectors")):
        for field in as_list((selector or {}).get("fieldSelectors") if isinstance(selector, dict) else None):
            if isinstance(field, dict) and field.get("field") == "resources.type" and \
                    "AWS::S3::Object" in as_list(field.get("equals")):
                return True
    return False


DATA_EVENTS_DEFAULT = ("a trail records management events only, and data events (such as S3 object reads and "
                       "deletes) only for the resources its event selectors name")


@resource_policy(
    name="cloudtrail-s3-data-events",
    aws_default=DATA_EVENTS_DEFAULT,
    title="CloudTrail should record S3 object-level (data) events",
    checklist=("compliance.audit-logging", "compliance.data"), severity="low",
    cross_references=("Prowler:cloudtrail_s3_dataevents_write_enabled",
                      "Prowler:cloudtrail_s3_dataevents_read_enabled"),
    types=T.CLOUDTRAIL_TRAIL, levels=ADVISORY_EVERYWHERE,
    remediation="Add event_selectors=[{'read_write_type': 'All', 'include_management_events': True, "
                "'data_resources': [{'type': 'AWS::S3::Object', 'values': ['arn:aws:s3:::customer-data/']}]}] on "
                "aws.cloudtrail.Trail for buckets holding customer data (data events are billed per event).",
)
def cloudtrail_s3_data_events(r: Resource, report: Report) -> None:
    if contains_unknown(r.peek("eventSelectors")) or contains_unknown(r.peek("advancedEventSelectors")):
        unknown_during_preview("the trail's event selectors", "are")
    if not _records_s3_data_events(r):
        none_set = r.peek('eventSelectors') is None and r.peek('advancedEventSelectors') is None
        report(f"trail '{r.name}' records no S3 object-level events ("
               + (DATA_EVENTS_DEFAULT if none_set else "its selectors name none") + "), so who read or deleted "
               "customer data cannot be answered; add an AWS::S3::Object data resource selector for the buckets "
               "that hold it")


@stack_policy(
    name="cloudtrail-bucket-access-logging",
    title="The S3 bucket that receives CloudTrail logs must have server access logging",
    checklist="compliance.audit-logging", severity="medium",
    cross_references=("Checkov:CKV_AWS_18", "Prowler:cloudtrail_logs_s3_bucket_access_logging_enabled"),
    types=(T.CLOUDTRAIL_TRAIL,) + T.S3_BUCKETS + T.S3_BUCKET_LOGGING,
    remediation="Add aws.s3.BucketLogging(bucket=trail_bucket.id, target_bucket=access_logs_bucket.id, "
                "target_prefix='cloudtrail/') for the bucket named in the trail's s3_bucket_name.",
)
def cloudtrail_bucket_access_logging(stack: Stack, report: Report) -> None:
    for trail in stack.of_type(T.CLOUDTRAIL_TRAIL):
        for bucket in stack.of_type(*T.S3_BUCKETS):
            if not links_to(trail, "s3BucketName", bucket, "bucket"):
                continue
            inline = bucket.peek("logging.targetBucket") or as_list(bucket.peek("loggings"))
            split = [lg for lg in stack.of_type(*T.S3_BUCKET_LOGGING) if links_to(lg, "bucket", bucket, "bucket")]
            if not inline and not split:
                report(f"bucket '{bucket.name}' receives CloudTrail logs from '{trail.name}' but has no access "
                       "logging, so reads of the audit log leave no trace; add aws.s3.BucketLogging for it",
                       bucket.urn)


cloudtrail_present = presence_policy(
    name="cloudtrail-present",
    title="Production accounts must have a CloudTrail trail (in the account baseline stack)",
    checklist="compliance.audit-logging", severity="medium",
    cross_references=("Prowler:cloudtrail_multi_region_enabled",),
    types=(T.CLOUDTRAIL_TRAIL,), levels=PROD_ONLY, account=True,
    message="this account baseline stack defines no aws.cloudtrail.Trail; without one, API activity in the account "
            "is kept only as 90 days of CloudTrail event history (management events, no data events)",
    remediation="Create one multi-region aws.cloudtrail.Trail per account with log file validation, KMS and "
                "CloudWatch Logs delivery (components.AuditTrail; stacks/baseline does).",
)

@resource_policy(
    name="config-recorder-all-resources",
    title="AWS Config recorders must record all supported resource types, including global ones",
    checklist=("compliance.audit-logging", "compliance.data"), severity="medium",
    cross_references=("Checkov:CKV2_AWS_48", "Prowler:config_recorder_all_regions_enabled"),
    types=T.CONFIG_RECORDER,
    remediation="Set recording_group={'all_supported': True, 'include_global_resource_types': True} on "
                "aws.cfg.Recorder (global types in one region only) and start it with aws.cfg.RecorderStatus.",
)
def config_recorder_all_resources(r: Resource, report: Report) -> None:
    group = r.peek("recordingGroup")
    if contains_unknown(group):
        unknown_during_preview("recording_group")
    group = group if isinstance(group, dict) else {}
    if group.get("allSupported", True) is False:
        report(f"config recorder '{r.name}' records only selected resource types, so changes to the others leave no "
               f"configuration history; set recording_group all_supported=True")


config_recorder_present = presence_policy(
    name="config-recorder-present",
    title="Production accounts must record configuration changes with AWS Config",
    checklist=("compliance.audit-logging", "compliance.data"), severity="low",
    cross_references=("Checkov:CKV2_AWS_45", "Prowler:config_recorder_all_regions_enabled"),
    types=(T.CONFIG_RECORDER,), levels=PROD_ONLY, account=True,
    message="this account baseline stack defines no aws.cfg.Recorder; AWS Config records nothing until a recorder "
            "is created and started, so resource configuration history is not kept",
    remediation="Create aws.cfg.Recorder + aws.cfg.DeliveryChannel + aws.cfg.RecorderStatus(is_enabled=True) once per "
                "account and region (in the baseline stack).",
)

securityhub_enabled = presence_policy(
    name="securityhub-enabled",
    title="Production accounts must enable Security Hub",
    checklist=("compliance.incident-response", "observability.alerting"), severity="low",
    cross_references=("Prowler:securityhub_enabled",),
    types=T.SECURITY_HUB, levels=PROD_ONLY, account=True,
    message="this account baseline stack enables no Security Hub (aws.securityhub.Account); it is off until "
            "enabled, so findings from GuardDuty, Config and Inspector are not collected in one place",
    remediation="Add aws.securityhub.Account() and aws.securityhub.StandardsSubscription for the AWS FSBP and CIS "
                "standards once per account (in the baseline stack).",
)

access_analyzer_present = presence_policy(
    name="access-analyzer-present",
    title="Production accounts must run IAM Access Analyzer",
    checklist=("security.iam", "compliance.audit-logging"), severity="low",
    cross_references=("Prowler:accessanalyzer_enabled",),
    types=(T.ACCESS_ANALYZER,), levels=PROD_ONLY, account=True,
    message="this account baseline stack defines no aws.accessanalyzer.Analyzer; none exists until one is created, "
            "so resources shared outside the account go unnoticed",
    remediation="Add aws.accessanalyzer.Analyzer(analyzer_name='account', type='ACCOUNT') once per account and "
                "region (in the baseline stack).",
)


def _security_contact(r) -> bool:
    kind = r.peek("alternateContactType")
    return is_unknown(kind) or kind == "SECURITY"


security_contact_registered = presence_policy(
    name="security-contact-registered",
    title="Production accounts must register a security contact",
    checklist="compliance.incident-response", severity="low",
    cross_references=("Prowler:account_security_contact_information_is_registered",),
    types=(T.ALTERNATE_CONTACT,), levels=PROD_ONLY, satisfied_by=_security_contact, account=True,
    message="this account baseline stack registers no security contact (aws.account.AlternativeContact with "
            "alternate_contact_type='SECURITY'); AWS then sends abuse and security notices to the root e-mail only",
    remediation="Add aws.account.AlternativeContact(alternate_contact_type='SECURITY', name=..., "
                "email_address='security@example.com', phone_number=..., title=...) once per account.",
)

macie_enabled = presence_policy(
    name="macie-enabled",
    title="Production accounts holding customer data must run Macie",
    checklist="compliance.data", severity="low",
    cross_references=("Prowler:macie_is_enabled",),
    types=(T.MACIE_ACCOUNT,), levels=PROD_ONLY, account=True,
    satisfied_by=lambda r: r.peek("status", "ENABLED") != "PAUSED",
    when=lambda stack: bool(stack.of_type(*T.S3_BUCKETS)),
    message="this account baseline stack stores data in S3 but enables no Macie (aws.macie2.Account); Macie is off "
            "until enabled, so nobody knows which buckets hold personal data",
    remediation="Add aws.macie2.Account(status='ENABLED') once per account and configure automated sensitive data "
                "discovery for buckets holding customer data.",
)

POLICIES = [
    cloudtrail_multi_region,
    cloudtrail_log_validation,
    cloudtrail_kms,
    cloudtrail_cloudwatch_logs,
    cloudtrail_logging_enabled,
    cloudtrail_management_events,
    cloudtrail_s3_data_events,
    cloudtrail_bucket_access_logging,
    cloudtrail_present,
    config_recorder_all_resources,
    config_recorder_present,
    securityhub_enabled,
    access_analyzer_present,
    security_contact_registered,
    macie_enabled,
]
