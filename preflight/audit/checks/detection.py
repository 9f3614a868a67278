"""Threat detection, budgets, alarms and log retention."""
from __future__ import annotations

from ..model import check


@check(id="guardduty-enabled", title="GuardDuty is enabled in the region",
       checklist="observability.alerting", severity="high",
       remediation="Create aws.guardduty.Detector(enable=True) in every region you use and route its findings "
                   "to your alerting (components.AccountBaseline with components.Alerting).")
def guardduty_enabled(ctx):
    detectors = ctx.items("guardduty", "list_detectors", "DetectorIds")
    if not detectors:
        yield f"account {ctx.account} ({ctx.region})", f"GuardDuty is not enabled in {ctx.region}"
    for detector_id in detectors:
        got = ctx.call("guardduty", "get_detector", DetectorId=detector_id)
        if got.get("Status") != "ENABLED":
            yield f"guardduty:detector/{detector_id}", f"GuardDuty detector {detector_id} is suspended"


@check(id="config-recorder-enabled", title="AWS Config records every resource type in the region",
       checklist=("compliance.audit-logging", "infra.iac"), severity="medium",
       remediation="Run an AWS Config recorder for all supported resource types with a delivery channel, and "
                   "start it, in every region you use (components.AuditTrail does; "
                   "aws.cfg.Recorder + aws.cfg.DeliveryChannel + aws.cfg.RecorderStatus(is_enabled=True)).")
def config_recorder_enabled(ctx):
    recorders = ctx.call("config", "describe_configuration_recorders").get("ConfigurationRecorders") or []
    if not recorders:
        yield f"account {ctx.account} ({ctx.region})", (f"AWS Config has no configuration recorder in {ctx.region}: "
                                                         "resource changes are not recorded")
        return
    states = {s.get("name"): s for s in ctx.call("config", "describe_configuration_recorder_status").get(
        "ConfigurationRecordersStatus") or []}
    for recorder in recorders:
        name = recorder.get("name", "default")
        state = states.get(name, {})
        group = recorder.get("recordingGroup") or {}
        if not state.get("recording"):
            yield f"config-recorder/{name}", f"AWS Config recorder '{name}' in {ctx.region} is not recording"
        elif str(state.get("lastStatus", "")).upper() == "FAILURE":
            yield f"config-recorder/{name}", (f"AWS Config recorder '{name}' in {ctx.region} fails to record: "
                                              f"{state.get('lastErrorCode', '')} {state.get('lastErrorMessage', '')}"
                                              .strip())
        elif not group.get("allSupported", True):
            yield f"config-recorder/{name}", (f"AWS Config recorder '{name}' in {ctx.region} records only some "
                                              "resource types")


@check(id="securityhub-enabled", title="Security Hub is enabled in the region",
       checklist=("observability.alerting", "compliance.audit-logging"), severity="medium",
       remediation="Enable Security Hub with the AWS FSBP and CIS standards in every region you use "
                   "(components.AccountBaseline does: aws.securityhub.Account + StandardsSubscription).")
def securityhub_enabled(ctx):
    hub = ctx.call("securityhub", "describe_hub", absent=("InvalidAccessException", "ResourceNotFoundException"))
    if not (hub or {}).get("HubArn"):
        yield f"account {ctx.account} ({ctx.region})", f"Security Hub is not enabled in {ctx.region}"


@check(id="budgets-notifications", title="A cost budget with notifications exists",
       checklist="ai.cost", severity="high",
       remediation="Create aws.budgets.Budget(budget_type='COST') with notifications at e.g. 80% forecast and "
                   "100% actual to an alert topic or email (components.CostGuard does).")
def budgets_notifications(ctx):
    got = ctx.call("budgets", "describe_budgets", AccountId=ctx.account, absent=("NotFoundException",))
    budgets = (got or {}).get("Budgets") or []
    cost = [b for b in budgets if b.get("BudgetType") == "COST"]
    if not cost:
        yield f"account {ctx.account}", "no cost budget: nobody is told when spend (e.g. model usage) runs away"
        return
    for budget in cost:
        notes = ctx.call("budgets", "describe_notifications_for_budget", AccountId=ctx.account,
                         BudgetName=budget["BudgetName"], absent=("NotFoundException",))
        if not (notes or {}).get("Notifications"):
            yield f"budget/{budget['BudgetName']}", f"budget '{budget['BudgetName']}' notifies nobody"


@check(id="cloudwatch-alarm-actions", title="CloudWatch alarms exist and notify someone",
       checklist="observability.alerting", severity="medium",
       remediation="Give each aws.cloudwatch.MetricAlarm alarm_actions pointing at an SNS topic wired to your "
                   "on-call tool, with actions_enabled=True (components.Alerting does).")
def cloudwatch_alarm_actions(ctx):
    alarms = ctx.items("cloudwatch", "describe_alarms", "MetricAlarms")
    if not alarms:
        yield f"account {ctx.account} ({ctx.region})", f"no CloudWatch alarms in {ctx.region}: nothing pages anyone"
    for alarm in alarms:
        name = alarm["AlarmName"]
        if not alarm.get("AlarmActions"):
            yield alarm.get("AlarmArn", name), f"alarm '{name}' has no alarm action: it changes state silently"
        elif alarm.get("ActionsEnabled") is False:
            yield alarm.get("AlarmArn", name), f"alarm '{name}' has its actions disabled"


@check(id="log-group-retention", title="CloudWatch log groups have a retention period",
       checklist=("observability.logging", "compliance.data"), severity="low",
       remediation="Set retention_in_days on the aws.cloudwatch.LogGroup (e.g. 365 for audit data, 30 for "
                   "debug logs) so logs are kept as long as required and no longer.")
def log_group_retention(ctx):
    for group in ctx.items("logs", "describe_log_groups", "logGroups"):
        if not group.get("retentionInDays"):
            yield group.get("arn", group["logGroupName"]), f"log group '{group['logGroupName']}' keeps logs forever"


CHECKS = (guardduty_enabled, config_recorder_enabled, securityhub_enabled, budgets_notifications,
          cloudwatch_alarm_actions, log_group_retention)
