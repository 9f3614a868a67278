"""IAM least privilege: full admin, service wildcards, unconstrained writes, PassRole, admin managed
policies, open trust policies, IAM users with policies or access keys.
"""
from __future__ import annotations

import re

from .. import iamdoc
from .. import tokens as T
from ..helpers import as_list, short_type
from ..model import resource_policy
from ..resource import is_unknown

_DOCUMENT_TYPES = T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,)
_BUILD_DOCS = "build documents with aws.iam.get_policy_document_output"


def _allow_statements(r):
    """(where, statement) for every Allow statement of every known document the resource carries."""
    for where, document in iamdoc.documents(r):
        for stmt in iamdoc.known_statements(document):
            if iamdoc.allows(stmt):
                yield where, stmt


def _on_everything(stmt) -> bool:
    return "*" in iamdoc.resources(stmt)


def _wildcard(value) -> bool:
    return any(v in ("*", "*:*") for v in as_list(value) if isinstance(v, str))


@resource_policy(
    name="iam-no-wildcard-admin",
    title="IAM policies must not allow every action on every resource",
    checklist=("security.iam", "ai.agents"), severity="critical",
    frameworks=("CIS-AWS-3.0:1.16", "AWS-FSBP:IAM.1", "Checkov:CKV_AWS_62",
                "Prowler:iam_customer_attached_policy_no_administrative_privileges"),
    types=T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,),
    remediation="Replace \"Action\": \"*\" with the specific actions the workload needs (e.g. "
                "\"s3:GetObject\") and \"Resource\": \"*\" with the ARNs it works on; build documents with "
                "aws.iam.get_policy_document_output.",
)
def iam_no_wildcard_admin(r, report):
    for where, stmt in _allow_statements(r):
        if _wildcard(stmt.get("Action")) and _wildcard(stmt.get("Resource")):
            report(f"{short_type(r.type)} '{r.name}' {where} allows Action '*' on Resource '*' "
                   f"(full administrator); list the actions and resources it needs")


@resource_policy(
    name="iam-no-service-wildcard-actions",
    title="IAM policies must not allow every action of a service (such as s3:*)",
    checklist=("security.iam", "ai.agents"), severity="high",
    frameworks=("AWS-FSBP:IAM.21", "Checkov:CKV_AWS_63"),
    types=_DOCUMENT_TYPES,
    remediation="Replace \"s3:*\"-style actions with the specific actions the workload calls (e.g. s3:GetObject, "
                f"s3:PutObject); {_BUILD_DOCS}.",
)
def iam_no_service_wildcard_actions(r, report):
    for where, stmt in _allow_statements(r):
        wildcards = [a for a in iamdoc.actions(stmt) if re.fullmatch(r"[A-Za-z0-9-]+:\*", a)
                     or (a == "*" and not _on_everything(stmt))]  # '*' on '*' is iam-no-wildcard-admin's
        if wildcards:
            report(f"{short_type(r.type)} '{r.name}' {where} allows {', '.join(sorted(set(wildcards)))}: every "
                   f"action of the service, including deletes and permission changes; list the actions it needs")
            return


_READ_PREFIXES = ("get", "list", "describe", "batchget", "head", "lookup", "search", "query", "scan", "select",
                  "view", "check", "estimate", "preview", "validate", "simulate", "generate", "test")
_STAR_ONLY_ACTIONS = [
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData",
    "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
]


def _is_read_only(action: str) -> bool:
    _, _, verb = action.partition(":")
    return verb.lower().startswith(_READ_PREFIXES)


@resource_policy(
    name="iam-no-write-on-all-resources",
    title="IAM policies must not allow write actions on every resource without a condition",
    checklist=("security.iam", "ai.agents"), severity="high",
    frameworks=("Checkov:CKV_AWS_290", "Checkov:CKV_AWS_355"),
    types=_DOCUMENT_TYPES,
    config={"allowedActions": {
        "type": "array", "items": {"type": "string"}, "default": _STAR_ONLY_ACTIONS,
        "description": "Write actions that AWS only supports on Resource \"*\" (allowed there)."}},
    remediation="Scope \"Resource\" to the ARNs the writes apply to (e.g. arn:aws:s3:::my-bucket/*), or add a "
                "Condition (aws:ResourceTag, aws:SourceArn...) that constrains them.",
)
def iam_no_write_on_all_resources(r, report):
    allowed = {a.lower() for a in r.config.get("allowedActions", _STAR_ONLY_ACTIONS)}
    for where, stmt in _allow_statements(r):
        if not _on_everything(stmt) or iamdoc.has_condition(stmt):
            continue
        writes = [a for a in iamdoc.actions(stmt) if a not in ("*", "*:*") and not _is_read_only(a)
                  and a.lower() not in allowed]
        if writes:
            shown = ", ".join(sorted(set(writes))[:5])
            report(f"{short_type(r.type)} '{r.name}' {where} allows {shown} on Resource '*' with no condition; "
                   f"scope the resources or add a condition")
            return


@resource_policy(
    name="iam-no-passrole-on-all",
    title="IAM policies must not allow iam:PassRole on every role",
    checklist=("security.iam", "ai.agents"), severity="critical",
    frameworks=("Checkov:CKV_AWS_286", "Prowler:iam_policy_allows_privilege_escalation"),
    types=_DOCUMENT_TYPES,
    remediation="Limit iam:PassRole to the role ARNs the workload hands to a service, with the condition "
                "iam:PassedToService (e.g. 'lambda.amazonaws.com').",
)
def iam_no_passrole_on_all(r, report):
    for where, stmt in _allow_statements(r):
        if not _on_everything(stmt):
            continue
        if iamdoc.statement_allows(stmt, ["iam:PassRole"]):  # Action globs and NotAction alike
            report(f"{short_type(r.type)} '{r.name}' {where} allows iam:PassRole on Resource '*': the holder can "
                   f"hand any role (an administrator's too) to a service it controls; list the role ARNs")
            return


_ADMIN_POLICIES = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]


@resource_policy(
    name="iam-no-admin-managed-policies",
    title="Administrator-level AWS managed policies must not be attached to roles, users or groups",
    checklist=("security.iam", "ai.agents"), severity="critical",
    frameworks=("Checkov:CKV_AWS_274", "Prowler:iam_role_administratoraccess_policy",
                "Prowler:iam_user_administrator_access_policy", "Prowler:iam_group_administrator_access_policy"),
    types=T.IAM_POLICY_ATTACHMENTS + (T.IAM_ROLE,),
    config={"forbiddenPolicies": {
        "type": "array", "items": {"type": "string"}, "default": _ADMIN_POLICIES,
        "description": "Names of AWS managed policies that must never be attached (the last part of the ARN)."}},
    remediation="Detach the managed policy (aws.iam.RolePolicyAttachment / managed_policy_arns) and attach a "
                "customer managed policy with only the actions the principal needs.",
)
def iam_no_admin_managed_policies(r, report):
    forbidden = set(r.config.get("forbiddenPolicies", _ADMIN_POLICIES))
    arns = as_list(r.peek("managedPolicyArns")) if r.type == T.IAM_ROLE else [r.peek("policyArn")]
    found = sorted({a.rsplit("/", 1)[-1] for a in arns
                    if isinstance(a, str) and not is_unknown(a) and ":aws:policy/" in a
                    and a.rsplit("/", 1)[-1] in forbidden})
    if found:
        report(f"{short_type(r.type)} '{r.name}' attaches {', '.join(found)}; attach a policy scoped to what the "
               f"principal needs instead")


def _open_trust(stmt) -> str:
    if not iamdoc.allows(stmt) or iamdoc.has_condition(stmt):
        return ""
    principal = stmt.get("Principal")
    if iamdoc.principal_is_anyone(principal):
        return "any AWS principal (Principal '*')"
    federated = iamdoc.strings(principal.get("Federated")) if isinstance(principal, dict) else []
    if federated and any(iamdoc.action_matches(a, "sts:AssumeRoleWithWebIdentity") for a in iamdoc.actions(stmt)):
        return f"any identity of {federated[0]} (web identity without a 'sub' condition)"
    return ""


@resource_policy(
    name="iam-trust-policy-not-open",
    title="IAM role trust policies must not let any principal assume the role",
    checklist=("security.iam", "infra.separation", "ai.agents"), severity="critical",
    frameworks=("Checkov:CKV_AWS_60", "Prowler:iam_no_custom_policy_permissive_role_assumption"),
    types=(T.IAM_ROLE,),
    remediation="Name the trusted principal (a service such as 'lambda.amazonaws.com', or account/role ARNs) in "
                "assume_role_policy; for OIDC (GitHub Actions, EKS) add a Condition on the token's 'sub' and 'aud'.",
)
def iam_trust_policy_not_open(r, report):
    for stmt in iamdoc.known_statements(r.peek("assumeRolePolicy")):
        who = _open_trust(stmt)
        if who:
            report(f"role '{r.name}' can be assumed by {who}; name the trusted principals or add a condition")
            return


@resource_policy(
    name="iam-no-user-policies",
    title="IAM permissions must be granted to roles or groups, not to users",
    checklist="security.iam", severity="medium",
    frameworks=("CIS-AWS-3.0:1.15", "AWS-FSBP:IAM.2", "Checkov:CKV_AWS_40",
                "Prowler:iam_policy_attached_only_to_group_or_roles"),
    types=(T.IAM_USER_POLICY, T.IAM_USER_POLICY_ATTACHMENT, T.IAM_POLICY_ATTACHMENT),
    remediation="Attach the policy to an aws.iam.Group the user belongs to (or better, to a role assumed through "
                "IAM Identity Center) instead of aws.iam.UserPolicy / UserPolicyAttachment.",
)
def iam_no_user_policies(r, report):
    if r.type == T.IAM_POLICY_ATTACHMENT:
        users = [u for u in as_list(r.peek("users")) if not is_unknown(u)]
        if users:
            report(f"policy attachment '{r.name}' grants permissions directly to {len(users)} user(s); attach it "
                   f"to groups or roles instead (remove users=...)")
        return
    report(f"{short_type(r.type)} '{r.name}' grants permissions directly to a user; grant them to a group or "
           f"role instead")


@resource_policy(
    name="iam-no-access-keys",
    title="IAM users must not get long-lived access keys from infrastructure code",
    checklist=("security.secrets", "security.iam"), severity="high",
    frameworks=("Checkov:CKV_AWS_273", "Preflight:no-long-lived-access-keys"),
    types=(T.IAM_ACCESS_KEY,),
    remediation="Remove aws.iam.AccessKey: workloads on AWS use roles (instance profiles, task roles, IRSA); CI "
                "uses OIDC federation (aws.iam.OpenIdConnectProvider + a role); people use IAM Identity Center.",
)
def iam_no_access_keys(r, report):
    report(f"access key '{r.name}' is a long-lived credential that never expires and whose secret ends up in "
           f"the Pulumi state; use a role (or OIDC federation for CI) instead")


POLICIES = [
    iam_no_wildcard_admin,
    iam_no_service_wildcard_actions,
    iam_no_write_on_all_resources,
    iam_no_passrole_on_all,
    iam_no_admin_managed_policies,
    iam_trust_policy_not_open,
    iam_no_user_policies,
    iam_no_access_keys,
]
