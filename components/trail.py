"""AuditTrail: a multi-region CloudTrail trail that cannot be quietly changed.

Global service events, log file validation, a dedicated KMS key whose policy lets CloudTrail encrypt
only for this account's trails (encryption-context conditions), an S3 destination whose policy lets
CloudTrail write only for this trail (aws:SourceArn), retention by lifecycle, and CloudWatch Logs
delivery (encrypted, retained) so metric filters and alarms can watch it. It also runs the
account's AWS Config recorder (all resource types, global ones included) delivering configuration
history to the same encrypted bucket: who changed what (CloudTrail) next to what it looked like
(Config).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import (AwsContext, assume_role_policy, child, merge_tags, policy_document, require, token,
                    validate_positive)
from .kms import KmsKey, KmsKeyArgs
from .storage import SecureBucket, SecureBucketArgs

# CIS AWS Foundations 3.0 section 4 metric filters (4.1-4.15): (id, description, pattern). Each names every
# condition of the benchmark's pattern (`preflight audit`'s alarm-* checks verify exactly that).
def _events(*names: str, source: Optional[str] = None) -> str:
    any_event = " || ".join(f"($.eventName = {n})" for n in names)
    return f"{{ ($.eventSource = {source}) && ({any_event}) }}" if source else f"{{ {any_event} }}"


SECURITY_ALARMS = (
    ("unauthorized-api-calls", "API calls were denied (possible probing or broken permissions)",
     '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }'),
    ("console-login-without-mfa", "A console sign-in happened without MFA",
     '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
     '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }'),
    ("root-usage", "The root user was used",
     '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'),
    ("iam-policy-changes", "IAM policies changed",
     _events("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
             "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
             "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
             "DetachGroupPolicy", source="iam.amazonaws.com")),
    ("cloudtrail-changes", "CloudTrail configuration changed",
     _events("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging")),
    ("console-auth-failures", "Console sign-ins failed",
     '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'),
    ("kms-key-disable-or-deletion", "A KMS key was disabled or scheduled for deletion",
     _events("DisableKey", "ScheduleKeyDeletion", source="kms.amazonaws.com")),
    ("s3-bucket-policy-changes", "An S3 bucket policy, ACL, CORS, lifecycle or replication setting changed",
     _events("PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle", "PutBucketReplication",
             "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle", "DeleteBucketReplication",
             source="s3.amazonaws.com")),
    ("config-changes", "AWS Config recording or delivery changed",
     _events("StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel", "PutConfigurationRecorder",
             source="config.amazonaws.com")),
    ("security-group-changes", "A security group changed",
     _events("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
             "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup")),
    ("nacl-changes", "A network ACL changed",
     _events("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
             "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation")),
    ("network-gateway-changes", "A network gateway changed",
     _events("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway", "CreateInternetGateway",
             "DeleteInternetGateway", "DetachInternetGateway")),
    ("route-table-changes", "A route table changed",
     _events("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation", "DeleteRouteTable",
             "DeleteRoute", "DisassociateRouteTable")),
    ("vpc-changes", "A VPC or VPC peering changed",
     _events("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
             "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
             "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink", "EnableVpcClassicLink")),
    ("organizations-changes", "AWS Organizations changed",
     _events("AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit", "CreatePolicy",
             "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy",
             "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
             "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit",
             source="organizations.amazonaws.com")),
)

CONFIG_SNAPSHOT_FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
CONFIG_PREFIX = "config"


@dataclass
class AuditTrailArgs:
    trail_name: str
    """CloudTrail trail name (the key and bucket policies name this exact trail)."""
    access_log_bucket: pulumi.Input[str]
    """Bucket receiving the trail bucket's S3 server access logs (AccountBaseline.access_logs.name)."""
    log_retention_days: int = 365
    """CloudWatch Logs retention for the trail's log group."""
    s3_retention_days: int = 2557
    """Days trail objects are kept in S3 (default 7 years)."""
    alarm_topic_arn: Optional[pulumi.Input[str]] = None
    """SNS topic for the CIS security alarms (root use, denied calls, trail/key/IAM changes). None: no alarms."""
    runbook_url: Optional[str] = None
    """Runbook link written into each security alarm's description (required with alarm_topic_arn)."""
    s3_data_event_bucket_arns: Sequence[pulumi.Input[str]] = ()
    """Buckets whose object-level reads and writes are recorded too (data events, billed per event). Empty:
    none (the pack's cloudtrail-s3-data-events flags it); Environment passes its data and state buckets."""
    record_configuration: bool = True
    """Opt-out: False runs no AWS Config recorder (no configuration history; the pack flags it). Use it when
    another stack in this account and region already records."""
    config_snapshot_frequency: str = "TwentyFour_Hours"
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.trail_name, str) and bool(re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$",
                                                                   self.trail_name)),
                f"AuditTrailArgs.trail_name {self.trail_name!r} is not a valid trail name; use 3-128 letters, "
                f"digits, '.', '_' or '-'")
        validate_positive(self.log_retention_days, "AuditTrailArgs.log_retention_days", minimum=90)
        validate_positive(self.s3_retention_days, "AuditTrailArgs.s3_retention_days", minimum=365)
        require(self.config_snapshot_frequency in CONFIG_SNAPSHOT_FREQUENCIES,
                f"AuditTrailArgs.config_snapshot_frequency {self.config_snapshot_frequency!r} is not valid; use one "
                f"of {', '.join(CONFIG_SNAPSHOT_FREQUENCIES)}")
        if self.alarm_topic_arn is not None:
            require(isinstance(self.runbook_url, str) and self.runbook_url.startswith("https://"),
                    "AuditTrailArgs.runbook_url must be an https:// link when alarm_topic_arn is set: every alarm "
                    "names the runbook its responder follows")


class AuditTrail(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("compliance.audit-logging", "security.encryption")
    trail: aws.cloudtrail.Trail
    key: KmsKey
    bucket: SecureBucket
    log_group: aws.cloudwatch.LogGroup
    trail_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AuditTrailArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("trail", "AuditTrail"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        trail_arn = ctx.arn("cloudtrail", f"trail/{args.trail_name}")
        any_trail_of_account = pulumi.Output.all(ctx.partition, ctx.account_id).apply(
            lambda v: f"arn:{v[0]}:cloudtrail:*:{v[1]}:trail/*")

        cloudtrail_key_statements = [
            pulumi.Output.all(any_trail_of_account, trail_arn).apply(lambda v: {
                "Sid": "AllowCloudTrailToEncryptForThisAccountsTrail", "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*",
                "Resource": "*",
                "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": v[0]},
                              "StringEquals": {"aws:SourceArn": v[1]}}}),
            trail_arn.apply(lambda arn: {
                "Sid": "AllowCloudTrailToDescribeKey", "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:DescribeKey",
                "Resource": "*", "Condition": {"StringEquals": {"aws:SourceArn": arn}}}),
        ]
        self.key = KmsKey(f"{name}-key", KmsKeyArgs(
            description=f"CloudTrail trail {args.trail_name}: log files and log group",
            alias=f"{args.trail_name}-cloudtrail", services=("logs", "s3-logging"),
            extra_statements=cloudtrail_key_statements, protect=args.protect, tags=tags),
            opts=pulumi.ResourceOptions(parent=self))

        self.bucket = _trail_bucket(self, name, args, trail_arn, ctx, self.key.arn, tags)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-log-group", name=f"/aws/cloudtrail/{args.trail_name}",
            retention_in_days=args.log_retention_days, kms_key_id=self.key.arn, tags=tags, opts=child(self))
        role = aws.iam.Role(f"{name}-cloudwatch-role",
                            assume_role_policy=assume_role_policy("cloudtrail.amazonaws.com", ctx.account_id),
                            description=f"CloudTrail {args.trail_name}: deliver events to CloudWatch Logs",
                            tags=tags, opts=child(self))
        role_policy = aws.iam.RolePolicy(f"{name}-cloudwatch-delivery", role=role.id, policy=policy_document([
            {"Sid": "DeliverTrailEvents", "Effect": "Allow",
             "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": pulumi.Output.concat(self.log_group.arn, ":log-stream:*")}]), opts=child(self))

        event_selectors = [{"read_write_type": "All", "include_management_events": True}]
        if args.s3_data_event_bucket_arns:
            event_selectors = [{
                "read_write_type": "All", "include_management_events": True,
                "data_resources": [{"type": "AWS::S3::Object",
                                    "values": [pulumi.Output.concat(arn, "/") for arn in
                                               args.s3_data_event_bucket_arns]}]}]
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail", name=args.trail_name, s3_bucket_name=self.bucket.name,
            is_multi_region_trail=True, include_global_service_events=True, enable_log_file_validation=True,
            enable_logging=True, kms_key_id=self.key.arn,
            cloud_watch_logs_group_arn=pulumi.Output.concat(self.log_group.arn, ":*"),
            cloud_watch_logs_role_arn=role.arn, event_selectors=event_selectors, tags=tags,
            opts=child(self, depends_on=[self.bucket, role_policy]))

        if args.alarm_topic_arn is not None:
            for alarm_id, description, pattern in SECURITY_ALARMS:
                metric = f"{args.trail_name}-{alarm_id}"
                aws.cloudwatch.LogMetricFilter(
                    f"{name}-{alarm_id}-filter", log_group_name=self.log_group.name, pattern=pattern,
                    metric_transformation={"name": metric, "namespace": "Preflight/CloudTrail", "value": "1",
                                           "default_value": "0"},
                    opts=child(self))
                aws.cloudwatch.MetricAlarm(
                    f"{name}-{alarm_id}-alarm", name=metric, namespace="Preflight/CloudTrail",
                    metric_name=metric, statistic="Sum", period=300, evaluation_periods=1, threshold=1,
                    comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="notBreaching",
                    actions_enabled=True, alarm_actions=[args.alarm_topic_arn],
                    alarm_description=f"{description}. Runbook: {args.runbook_url}#{alarm_id}",
                    tags=tags, opts=child(self))

        self.config_recorder = _config_recorder(self, name, args, ctx, self.bucket, self.key.arn, tags) \
            if args.record_configuration else None

        self.trail_arn = self.trail.arn
        self.register_outputs({"trail_arn": self.trail_arn, "bucket": self.bucket.name,
                               "log_group": self.log_group.name, "key_arn": self.key.arn})


def _config_recorder(parent: pulumi.Resource, name: str, args: AuditTrailArgs, ctx: AwsContext,
                     bucket: SecureBucket, key_arn: pulumi.Output[str], tags: Mapping[str, str]
                     ) -> aws.cfg.Recorder:
    """AWS Config: record every supported resource type (global ones too) and deliver the history, encrypted,
    under config/ in the trail bucket. The recorder's own role may write only there and use only this key."""
    role = aws.iam.Role(f"{name}-config-role",
                        assume_role_policy=assume_role_policy("config.amazonaws.com", ctx.account_id),
                        description=f"AWS Config recorder of {args.trail_name}: read configuration, deliver history",
                        tags=tags, opts=child(parent))
    managed = aws.iam.RolePolicyAttachment(
        f"{name}-config-role-read", role=role.name,
        policy_arn=pulumi.Output.concat("arn:", ctx.partition, ":iam::aws:policy/service-role/AWS_ConfigRole"),
        opts=child(parent))
    delivery = aws.iam.RolePolicy(f"{name}-config-delivery", role=role.id, policy=policy_document([
        {"Sid": "CheckBucketAcl", "Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": bucket.arn},
        {"Sid": "DeliverConfigurationHistory", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": pulumi.Output.concat(bucket.arn, f"/{CONFIG_PREFIX}/AWSLogs/", ctx.account_id, "/*")},
        {"Sid": "EncryptDeliveries", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": key_arn}]), opts=child(parent))
    recorder = aws.cfg.Recorder(
        f"{name}-config-recorder", name=f"{args.trail_name}-config", role_arn=role.arn,
        recording_group={"all_supported": True, "include_global_resource_types": True},
        opts=child(parent, depends_on=[managed, delivery]))
    channel = aws.cfg.DeliveryChannel(
        f"{name}-config-delivery-channel", name=f"{args.trail_name}-config", s3_bucket_name=bucket.name,
        s3_key_prefix=CONFIG_PREFIX, s3_kms_key_arn=key_arn,
        snapshot_delivery_properties={"delivery_frequency": args.config_snapshot_frequency},
        opts=child(parent, depends_on=[recorder]))
    aws.cfg.RecorderStatus(f"{name}-config-recorder-status", name=recorder.name, is_enabled=True,
                           opts=child(parent, depends_on=[channel]))
    return recorder


def _trail_bucket(parent: pulumi.Resource, name: str, args: AuditTrailArgs, trail_arn: pulumi.Output[str],
                  ctx: AwsContext, key_arn: pulumi.Output[str], tags: Mapping[str, str]) -> SecureBucket:
    """The trail bucket: CloudTrail may check the ACL and write under AWSLogs/<account>/, for this trail only."""
    def cloudtrail_statements(bucket_arn: pulumi.Output[str]) -> pulumi.Output[list]:
        return pulumi.Output.all(bucket_arn, trail_arn, ctx.account_id).apply(lambda v: [
            {"Sid": "AllowCloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl", "Resource": v[0],
             "Condition": {"StringEquals": {"aws:SourceArn": v[1]}}},
            {"Sid": "AllowCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"{v[0]}/AWSLogs/{v[2]}/*",
             "Condition": {"StringEquals": {"aws:SourceArn": v[1]}}},
        ])
    return SecureBucket(f"{name}-logs", SecureBucketArgs(
        kms_key_arn=key_arn, access_log_bucket=args.access_log_bucket, expiration_days=args.s3_retention_days,
        noncurrent_version_expiration_days=90, extra_policy_statements=[cloudtrail_statements],
        protect=args.protect, tags=tags), opts=pulumi.ResourceOptions(parent=parent))
