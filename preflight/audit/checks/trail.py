"""CloudTrail: a multi-region trail that is really logging, validated, encrypted and delivering."""
from __future__ import annotations

from typing import Any, Dict, List

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


def logs_management_events(ctx, trail) -> bool:
    arn = trail.get("TrailARN") or trail["Name"]
    selectors = ctx.memo(("cloudtrail", "selectors", arn),
                         lambda: ctx.call("cloudtrail", "get_event_selectors", TrailName=arn))
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


CHECKS = (cloudtrail_multi_region_logging, cloudtrail_log_validation, cloudtrail_kms_encryption,
          cloudtrail_recent_delivery)
