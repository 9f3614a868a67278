"""CloudTrail: a multi-region trail that is really logging, validated, encrypted and delivering."""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from ..model import check
from .common import age_hours, human_hours

DELIVERY_STALE_HOURS = 24.0


def trails(ctx) -> List[Dict[str, Any]]:
    found = ctx.memo(("cloudtrail", "trails"), lambda: ctx.call(
        "cloudtrail", "describe_trails", includeShadowTrails=True).get("trailList", []))
    unique: Dict[str, Dict[str, Any]] = {}
    for trail in found:
        unique.setdefault(trail.get("TrailARN") or trail["Name"], trail)
    return list(unique.values())


def status(ctx, trail) -> Dict[str, Any]:
    arn = trail.get("TrailARN") or trail["Name"]
    return ctx.memo(("cloudtrail", "status", arn), lambda: ctx.call("cloudtrail", "get_trail_status", Name=arn))


def event_selectors(ctx, trail) -> Dict[str, Any]:
    arn = trail.get("TrailARN") or trail["Name"]
    return ctx.memo(("cloudtrail", "selectors", arn),
                    lambda: ctx.call("cloudtrail", "get_event_selectors", TrailName=arn))


def logs_management_events(ctx, trail) -> bool:
    selectors = event_selectors(ctx, trail)
    basic = selectors.get("EventSelectors") or []
    advanced = selectors.get("AdvancedEventSelectors") or []
    if not basic and not advanced:
        return True  # AWS's default selector: all management events (emulators return none)
    if any(s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") == "All" for s in basic):
        return True
    for selector in advanced:
        for field in selector.get("FieldSelectors", []):
            if field.get("Field") == "eventCategory" and "Management" in (field.get("Equals") or []):
                return True
    return False


@check(id="cloudtrail-multi-region-logging",
       title="A multi-region CloudTrail trail is logging all management events",
       checklist="compliance.audit-logging", severity="critical",
       remediation="Create a multi-region trail that logs management events and keep it logging: "
                   "components.AuditTrail creates one (aws.cloudtrail.Trail(is_multi_region_trail=True, "
                   "enable_logging=True)).")
def cloudtrail_multi_region_logging(ctx):
    all_trails = trails(ctx)
    multi = [t for t in all_trails if t.get("IsMultiRegionTrail")]
    if not multi:
        yield (f"account {ctx.account}",
               f"no multi-region CloudTrail trail ({len(all_trails)} single-region trail(s)): API activity "
               f"in other regions is not recorded")
        return
    problems = []
    for trail in multi:
        if not status(ctx, trail).get("IsLogging"):
            problems.append(f"'{trail['Name']}' is not logging")
        elif not logs_management_events(ctx, trail):
            problems.append(f"'{trail['Name']}' does not log all management events")
        else:
            return
    yield f"account {ctx.account}", "no multi-region trail is recording management events: " + "; ".join(problems)


@check(id="cloudtrail-log-validation", title="CloudTrail trails have log file validation",
       checklist="compliance.audit-logging", severity="medium",
       remediation="Set enable_log_file_validation=True on the aws.cloudtrail.Trail (components.AuditTrail "
                   "does) so tampering with delivered logs is detectable.")
def cloudtrail_log_validation(ctx):
    for trail in trails(ctx):
        if not trail.get("LogFileValidationEnabled"):
            yield trail.get("TrailARN", trail["Name"]), f"trail '{trail['Name']}' has log file validation off"


@check(id="cloudtrail-kms-encryption", title="CloudTrail logs are encrypted with a KMS key",
       checklist=("compliance.audit-logging", "security.encryption"), severity="medium",
       remediation="Set kms_key_id on the aws.cloudtrail.Trail to a customer managed key (components.AuditTrail "
                   "with components.KmsKey does).")
def cloudtrail_kms_encryption(ctx):
    for trail in trails(ctx):
        if not trail.get("KmsKeyId"):
            yield (trail.get("TrailARN", trail["Name"]),
                   f"trail '{trail['Name']}' delivers logs without KMS encryption (SSE-S3 only)")


@check(id="cloudtrail-recent-delivery", title="CloudTrail delivered logs in the last 24 hours without errors",
       checklist="compliance.audit-logging", severity="high",
       remediation="Start logging (aws cloudtrail start-logging) and fix the delivery error (usually the "
                   "bucket policy or KMS key policy); components.AuditTrail sets both up correctly.")
def cloudtrail_recent_delivery(ctx):
    for trail in trails(ctx):
        state = status(ctx, trail)
        name, arn = trail["Name"], trail.get("TrailARN", trail["Name"])
        if not state.get("IsLogging"):
            yield arn, f"trail '{name}' is not logging (stopped or never started)"
        elif state.get("LatestDeliveryError"):
            yield arn, f"trail '{name}' fails to deliver logs: {state['LatestDeliveryError']}"
        else:
            age = age_hours(state.get("LatestDeliveryTime"))
            if age is None:
                yield arn, f"trail '{name}' has never delivered a log file"
            elif age > DELIVERY_STALE_HOURS:
                yield arn, f"trail '{name}' last delivered logs {human_hours(age)} ago"


@check(id="cloudtrail-cloudwatch-logs", title="CloudTrail trails deliver to CloudWatch Logs",
       checklist=("compliance.audit-logging", "observability.alerting"), severity="medium",
       remediation="Set cloud_watch_logs_group_arn and cloud_watch_logs_role_arn on the aws.cloudtrail.Trail "
                   "(components.AuditTrail does), so metric filters and alarms can watch API activity.")
def cloudtrail_cloudwatch_logs(ctx):
    for trail in trails(ctx):
        if not trail.get("CloudWatchLogsLogGroupArn"):
            yield (trail.get("TrailARN", trail["Name"]),
                   f"trail '{trail['Name']}' does not deliver to CloudWatch Logs: nothing can alarm on its events")


@check(id="cloudtrail-bucket-access-logging", title="The S3 bucket CloudTrail writes to has server access logging",
       checklist=("compliance.audit-logging", "observability.logging"), severity="low",
       remediation="Add aws.s3.BucketLogging to the trail's bucket, targeting a separate log bucket "
                   "(components.AuditTrail's bucket is a components.SecureBucket that logs to the "
                   "components.AccountBaseline access-log bucket).")
def cloudtrail_bucket_access_logging(ctx):
    seen = set()
    for trail in trails(ctx):
        bucket = trail.get("S3BucketName")
        if not bucket or bucket in seen:
            continue
        seen.add(bucket)
        got = ctx.call("s3", "get_bucket_logging", Bucket=bucket, absent=("NoSuchBucket",))
        if got is None:
            yield f"s3://{bucket}", f"trail '{trail['Name']}' writes to bucket '{bucket}', which does not exist"
        elif not got.get("LoggingEnabled"):
            yield f"s3://{bucket}", (f"bucket '{bucket}' (CloudTrail logs of '{trail['Name']}') has no server access "
                                     "logging: nobody can see who read or deleted the audit logs")


ALL_S3_RE = re.compile(r"^arn:[a-z-]+:s3(:::)?$")
BUCKET_ARN_RE = re.compile(r"^arn:[a-z-]+:s3:::([^/]+)")


def _bucket_of(value: str) -> Optional[str]:
    found = BUCKET_ARN_RE.match(value or "")
    return found.group(1) if found else None


def s3_object_logging(selectors: Dict[str, Any], bucket: str, write: bool) -> bool:
    """Whether the trail's selectors record S3 object-level write (or read) events for the bucket."""
    wanted = ("All", "WriteOnly") if write else ("All", "ReadOnly")
    for selector in selectors.get("EventSelectors") or []:
        if selector.get("ReadWriteType", "All") not in wanted:
            continue
        for resource in selector.get("DataResources") or []:
            if resource.get("Type") != "AWS::S3::Object":
                continue
            for value in resource.get("Values") or []:
                if ALL_S3_RE.match(value) or _bucket_of(value) == bucket:
                    return True
    for selector in selectors.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
        if (fields.get("eventCategory", {}).get("Equals") != ["Data"]
                or fields.get("resources.type", {}).get("Equals") != ["AWS::S3::Object"]
                or set(fields) - {"eventCategory", "resources.type", "resources.ARN", "readOnly"}):
            continue
        read_only = fields.get("readOnly", {}).get("Equals")
        if read_only and read_only != (["false"] if write else ["true"]):
            continue
        arn = fields.get("resources.ARN")
        if arn is None:
            return True
        included = [v for op in ("Equals", "StartsWith") for v in arn.get(op) or []]
        excluded = [v for op in ("NotEquals", "NotStartsWith") for v in arn.get(op) or []]
        if any(_bucket_of(v) == bucket for v in excluded):
            continue
        if (not included and excluded) or any(ALL_S3_RE.match(v) or _bucket_of(v) == bucket for v in included):
            return True
    return False


def s3_object_logging_findings(ctx, write: bool):
    recording = [t for t in trails(ctx) if t.get("IsMultiRegionTrail") and status(ctx, t).get("IsLogging")]
    kind = "write" if write else "read"
    for bucket in ctx.items("s3", "list_buckets", "Buckets"):
        name = bucket["Name"]
        if not any(s3_object_logging(event_selectors(ctx, t), name, write) for t in recording):
            yield f"s3://{name}", (f"no logging multi-region trail records S3 object-level {kind} events for bucket "
                                   f"'{name}'")


@check(id="cloudtrail-s3-write-events", title="CloudTrail records S3 object-level write events for every bucket",
       checklist=("compliance.audit-logging", "compliance.data"), severity="low",
       remediation="Add a data event selector for AWS::S3::Object on all buckets (values ['arn:aws:s3'], "
                   "read_write_type 'All' or 'WriteOnly') to the multi-region trail (components.AuditTrail "
                   "s3_data_event_bucket_arns covers the buckets you list).")
def cloudtrail_s3_write_events(ctx):
    return s3_object_logging_findings(ctx, write=True)


@check(id="cloudtrail-s3-read-events", title="CloudTrail records S3 object-level read events for every bucket",
       checklist=("compliance.audit-logging", "compliance.data"), severity="low",
       remediation="Add a data event selector for AWS::S3::Object on all buckets (values ['arn:aws:s3'], "
                   "read_write_type 'All' or 'ReadOnly') to the multi-region trail (components.AuditTrail "
                   "s3_data_event_bucket_arns covers the buckets you list).")
def cloudtrail_s3_read_events(ctx):
    return s3_object_logging_findings(ctx, write=False)


CHECKS = (cloudtrail_multi_region_logging, cloudtrail_log_validation, cloudtrail_kms_encryption,
          cloudtrail_recent_delivery, cloudtrail_cloudwatch_logs, cloudtrail_bucket_access_logging,
          cloudtrail_s3_write_events, cloudtrail_s3_read_events)
