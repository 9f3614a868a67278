"""ModelInvocationLogging: Bedrock model invocation logging for one account and region.

Every prompt and completion goes to a KMS-encrypted CloudWatch log group with retention, delivered by a
role only Bedrock in this account can assume; payloads too large for CloudWatch (over 100 KB, images)
go to a SecureBucket that only Bedrock in this account may write to. The delivery role carries a
permissions boundary limited to log delivery. Without it, the prompts and
responses behind an injection attack or a cost spike cannot be investigated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws

from ._base import AwsContext, assume_role_policy, child, merge_tags, policy_document, require, token, \
    validate_positive
from .storage import SecureBucket, SecureBucketArgs

LARGE_DATA_PREFIX = "bedrock"


@dataclass
class ModelInvocationLoggingArgs:
    kms_key_arn: pulumi.Input[str]
    """Key for the log group and the large-data bucket; its policy must grant the 'logs' and 'bedrock-logging'
    services (KmsKeyArgs.services)."""
    access_log_bucket: Optional[pulumi.Input[str]] = None
    """Bucket receiving the large-data bucket's S3 access logs (AccountBaseline.access_logs.name)."""
    log_group_name: str = "/aws/bedrock/model-invocations"
    log_retention_days: int = 365
    large_data_bucket: bool = True
    """Opt-out: False keeps no payload over 100 KB (and no image) -- Bedrock drops what CloudWatch cannot take."""
    image_data: bool = True
    embedding_data: bool = False
    """Embedding vectors are bulky and say little in an investigation; the input text is logged either way."""
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(self.kms_key_arn is not None and self.kms_key_arn != "",
                "ModelInvocationLoggingArgs.kms_key_arn is required: prompts and completions are sensitive; pass a "
                "KmsKey's arn whose services include 'logs' and 'bedrock-logging'")
        require(isinstance(self.log_group_name, str)
                and re.match(r"^[A-Za-z0-9_./#-]{1,512}$", self.log_group_name) is not None,
                f"ModelInvocationLoggingArgs.log_group_name {self.log_group_name!r} is not a valid log group name; "
                f"use letters, digits and '_-./#', e.g. '/aws/bedrock/model-invocations'")
        validate_positive(self.log_retention_days, "ModelInvocationLoggingArgs.log_retention_days", minimum=90)


class ModelInvocationLogging(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("observability.logging", "compliance.audit-logging", "ai.prompt-injection")
    log_group: aws.cloudwatch.LogGroup
    bucket: Optional[SecureBucket]
    configuration: aws.bedrockmodel.InvocationLoggingConfiguration

    def __init__(self, name: str, args: ModelInvocationLoggingArgs,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("bedrock", "ModelInvocationLogging"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        bedrock_in_this_account = ctx.arn("bedrock", "*")

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-log-group", name=args.log_group_name, retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn, tags=tags, opts=child(self))
        delivery = policy_document([
            {"Sid": "DeliverInvocationLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": pulumi.Output.concat(self.log_group.arn, ":log-stream:*")}])
        # A role Bedrock assumes: the boundary pins it to log delivery whatever is attached to it later.
        boundary = aws.iam.Policy(f"{name}-boundary", description="Bedrock invocation log delivery only",
                                  policy=delivery, tags=tags, opts=child(self))
        role = aws.iam.Role(
            f"{name}-role", assume_role_policy=assume_role_policy("bedrock.amazonaws.com", ctx.account_id,
                                                                  bedrock_in_this_account),
            permissions_boundary=boundary.arn, max_session_duration=3600,
            description="Bedrock model invocation logging: write to its log group", tags=tags, opts=child(self))
        role_policy = aws.iam.RolePolicy(f"{name}-delivery", role=role.id, policy=delivery, opts=child(self))

        self.bucket = None
        cloudwatch_config = {"log_group_name": self.log_group.name, "role_arn": role.arn}
        depends = [role_policy]
        if args.large_data_bucket:
            def bedrock_write(bucket_arn: pulumi.Output[str]) -> pulumi.Output[dict]:
                return pulumi.Output.all(bucket_arn, ctx.account_id, bedrock_in_this_account).apply(lambda v: {
                    "Sid": "AllowBedrockInvocationLogDelivery", "Effect": "Allow",
                    "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "s3:PutObject",
                    "Resource": f"{v[0]}/{LARGE_DATA_PREFIX}/AWSLogs/{v[1]}/BedrockModelInvocationLogs/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": v[1]}, "ArnLike": {"aws:SourceArn": v[2]}}})
            self.bucket = SecureBucket(f"{name}-large-data", SecureBucketArgs(
                kms_key_arn=args.kms_key_arn, access_log_bucket=args.access_log_bucket,
                expiration_days=args.log_retention_days, extra_policy_statements=[bedrock_write],
                protect=args.protect, tags=tags), opts=pulumi.ResourceOptions(parent=self))
            cloudwatch_config["large_data_delivery_s3_config"] = {"bucket_name": self.bucket.name,
                                                                  "key_prefix": LARGE_DATA_PREFIX}
            depends.append(self.bucket)

        self.configuration = aws.bedrockmodel.InvocationLoggingConfiguration(
            f"{name}-configuration", logging_config={
                "cloudwatch_config": cloudwatch_config, "text_data_delivery_enabled": True,
                "image_data_delivery_enabled": args.image_data,
                "embedding_data_delivery_enabled": args.embedding_data,
                "video_data_delivery_enabled": args.image_data and args.large_data_bucket},
            opts=child(self, depends_on=depends))
        self.register_outputs({"log_group": self.log_group.name,
                               "bucket": self.bucket.name if self.bucket is not None else None})
