"""Helpers every component shares: child options, validation, AWS context lookups, policy JSON.

Components never read stack config; the program (stacks/baseline) does and passes typed args.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

PACKAGE = "preflight"

# Tag that BackupPlan selects on and Database/buckets carry.
BACKUP_TAG = "preflight:backup"


def token(module: str, type_name: str) -> str:
    """The component type token: preflight:<module>:<Type>."""
    return f"{PACKAGE}:{module}:{type_name}"


def require(condition: bool, message: str) -> None:
    """Raise ValueError(message) unless condition holds. Messages say what is wrong and how to fix it."""
    if not condition:
        raise ValueError(message)


def child(parent: pulumi.Resource, *, protect: bool = False, depends_on: Optional[Sequence[Any]] = None,
          delete_before_replace: Optional[bool] = None, ignore_changes: Optional[List[str]] = None,
          ) -> pulumi.ResourceOptions:
    """Options for a child resource: always parented to the component (providers are inherited)."""
    return pulumi.ResourceOptions(parent=parent, protect=protect or None,
                                  depends_on=[d for d in (depends_on or []) if d is not None] or None,
                                  delete_before_replace=delete_before_replace, ignore_changes=ignore_changes)


def merge_tags(*tag_maps: Optional[Mapping[str, str]]) -> Dict[str, str]:
    merged: Dict[str, str] = {}
    for tags in tag_maps:
        merged.update(tags or {})
    return merged


def policy_document(statements: Sequence[Any]) -> pulumi.Output[str]:
    """An IAM policy document (JSON string) from statements that may contain Outputs."""
    source = statements if isinstance(statements, pulumi.Output) else list(statements)
    return pulumi.Output.from_input(source).apply(
        lambda resolved: json.dumps({"Version": "2012-10-17", "Statement": resolved}, sort_keys=True))


def assume_role_policy(service: str, account_id: pulumi.Input[str],
                       source_arn_like: Optional[pulumi.Input[str]] = None) -> pulumi.Output[str]:
    """Trust policy for an AWS service principal, limited to this account (confused-deputy guard)."""
    condition: Dict[str, Any] = {"StringEquals": {"aws:SourceAccount": account_id}}
    if source_arn_like is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn_like}
    return policy_document([{
        "Sid": "AllowServiceInThisAccount", "Effect": "Allow",
        "Principal": {"Service": service}, "Action": "sts:AssumeRole", "Condition": condition,
    }])


@dataclass
class AwsContext:
    """Account, region and partition of the provider the component runs with (invokes, parented)."""
    account_id: pulumi.Output[str]
    region: pulumi.Output[str]
    partition: pulumi.Output[str]

    @staticmethod
    def lookup(parent: pulumi.Resource) -> "AwsContext":
        opts = pulumi.InvokeOutputOptions(parent=parent)
        identity = aws.get_caller_identity_output(opts=opts)
        region = aws.get_region_output(opts=opts)
        partition = aws.get_partition_output(opts=opts)
        return AwsContext(account_id=identity.account_id, region=region.region,
                          partition=partition.partition)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> pulumi.Output[str]:
        return pulumi.Output.all(self.partition, self.region, self.account_id).apply(
            lambda v: f"arn:{v[0]}:{service}:{v[1] if region else ''}:{v[2] if account else ''}:{resource}")

    @property
    def root_arn(self) -> pulumi.Output[str]:
        return pulumi.Output.all(self.partition, self.account_id).apply(lambda v: f"arn:{v[0]}:iam::{v[1]}:root")


def is_known_str(value: Any) -> bool:
    return isinstance(value, str)


_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$")


def validate_name_prefix(value: str, what: str) -> None:
    require(isinstance(value, str) and bool(_NAME_RE.match(value)),
            f"{what} {value!r} is not a valid name prefix; use 2-40 lowercase letters, digits and hyphens "
            f"(e.g. 'acme-prod')")


def validate_positive(value: Any, what: str, *, minimum: int = 1, maximum: Optional[int] = None) -> None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum \
        and (maximum is None or value <= maximum)
    upper = f" and at most {maximum}" if maximum is not None else ""
    require(ok, f"{what} must be a whole number of at least {minimum}{upper} (got {value!r}); fix the argument")


def as_list(values: Optional[Iterable[Any]]) -> List[Any]:
    return list(values or [])
