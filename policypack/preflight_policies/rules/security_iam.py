"""IAM least privilege: full admin, service wildcards, unconstrained writes, PassRole, admin managed
policies, open trust policies, IAM users with policies or access keys.
"""
from __future__ import annotations

import re
from fnmatch import fnmatchcase

from .. import iamdoc
from .. import resource_policy as resource_policy_reader
from .. import stackconfig
from .. import tokens as T
from ..helpers import as_list, short_type
from ..model import Report, resource_policy
from ..resource import Resource, is_unknown

_DOCUMENT_TYPES = T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,)
_BUILD_DOCS = "build documents with aws.iam.get_policy_document_output"


def _allow_statements(r):
    """(where, statement) for every Allow statement of every known document the resource carries."""
    for where, document in iamdoc.documents(r):
        for stmt in iamdoc.known_statements(document):
            if iamdoc.allows(stmt):
                yield where, stmt


def _on_everything(stmt) -> bool:
    """Resource '*' (or '*:*'), or a NotResource: every resource but the few it names."""
    return "NotResource" in stmt or any(res in ("*", "*:*") for res in iamdoc.resources(stmt))


def _all_roles(resource: str) -> bool:
    """Does an IAM resource pattern cover every role ('*', 'arn:aws:iam::*:role/*', 'arn:aws:iam::1234:role/*')?"""
    res = resource.lower()
    if res in ("*", "*:*"):
        return True
    parts = res.split(":", 5)
    if len(parts) != 6 or not fnmatchcase("iam", parts[2]):
        return False
    return all(fnmatchcase(sample, parts[5]) for sample in ("role/zz-any-role-9", "role/service-role/zz-any-9"))


def _wildcard(value) -> bool:
    return any(v in ("*", "*:*") for v in as_list(value) if isinstance(v, str))


@resource_policy(
    name="iam-no-wildcard-admin",
    title="IAM policies must not allow every action on every resource",
    checklist=("security.iam", "ai.agents"), severity="critical",
    cross_references=("Checkov:CKV_AWS_62", "Prowler:iam_customer_attached_policy_no_administrative_privileges"),
    types=T.IAM_POLICY_DOCUMENT_HOLDERS + (T.IAM_ROLE,),
    remediation="Replace \"Action\": \"*\" with the specific actions the workload needs (e.g. "
                "\"s3:GetObject\") and \"Resource\": \"*\" with the ARNs it works on; build documents with "
                "aws.iam.get_policy_document_output.",
)
def iam_no_wildcard_admin(r: Resource, report: Report) -> None:
    for where, stmt in _allow_statements(r):
        everything = _wildcard(stmt.get("Action"))
        on_all = _wildcard(stmt.get("Resource")) or "NotResource" in stmt
        if everything and on_all:
            report(f"{short_type(r.type)} '{r.name}' {where} allows Action '*' on "
                   f"{'every resource but a few (NotResource)' if 'NotResource' in stmt else 'Resource *'} "
                   f"(full administrator); list the actions and resources it needs")
        elif "NotAction" in stmt and "Action" not in stmt and on_all:
            excluded = ", ".join(iamdoc.strings(stmt.get("NotAction"))[:3]) or "nothing"
            report(f"{short_type(r.type)} '{r.name}' {where} allows every action except {excluded} (NotAction) on "
                   f"every resource: administrator in all but name; list the actions it needs in Action instead")


@resource_policy(
    name="iam-no-service-wildcard-actions",
    title="IAM policies must not allow every action of a service (such as s3:*)",
    checklist=("security.iam", "ai.agents"), severity="high",
    cross_references=("Checkov:CKV_AWS_63",),
    types=_DOCUMENT_TYPES,
    remediation="Replace \"s3:*\"-style actions with the specific actions the workload calls (e.g. s3:GetObject, "
                f"s3:PutObject); {_BUILD_DOCS}.",
)
def iam_no_service_wildcard_actions(r: Resource, report: Report) -> None:
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
    cross_references=("Checkov:CKV_AWS_290", "Checkov:CKV_AWS_355"),
    types=_DOCUMENT_TYPES,
    config={"allowedActions": {
        "type": "array", "items": {"type": "string"}, "default": _STAR_ONLY_ACTIONS,
        "description": "Write actions that AWS only supports on Resource \"*\" (allowed there)."}},
    remediation="Scope \"Resource\" to the ARNs the writes apply to (e.g. arn:aws:s3:::my-bucket/*), or add a "
                "Condition (aws:ResourceTag, aws:SourceArn...) that constrains them.",
)
def iam_no_write_on_all_resources(r: Resource, report: Report) -> None:
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
    title="IAM policies must not allow iam:PassRole on every role (*, role/*, NotResource, NotAction)",
    checklist=("security.iam", "ai.agents"), severity="critical",
    cross_references=("Checkov:CKV_AWS_286", "Prowler:iam_policy_allows_privilege_escalation"),
    types=_DOCUMENT_TYPES,
    remediation="Limit iam:PassRole to the role ARNs the workload hands to a service, with the condition "
                "iam:PassedToService (e.g. 'lambda.amazonaws.com').",
)
def iam_no_passrole_on_all(r: Resource, report: Report) -> None:
    for where, stmt in _allow_statements(r):
        wide = ["every resource (NotResource)"] if "NotResource" in stmt else \
            [res for res in iamdoc.resources(stmt) if _all_roles(res)]
        if not wide:
            continue
        if iamdoc.statement_allows(stmt, ["iam:PassRole"]):  # Action globs and NotAction alike
            report(f"{short_type(r.type)} '{r.name}' {where} allows iam:PassRole on {wide[0]}: the holder can hand "
                   f"any role (an administrator's too) to a service it controls; list the role ARNs")
            return


_ADMIN_POLICIES = ["AdministratorAccess*", "PowerUserAccess", "IAMFullAccess", "*FullAccess", "*FullAccess_v2",
                   "*_FullAccess"]
_MANAGED_ARN_INPUTS = {T.IAM_ROLE: "managedPolicyArns", T.IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns",
                       T.IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns",
                       T.IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE: "policyArns"}


def aws_managed_name(arn) -> str:
    """'AmazonS3FullAccess' for arn:aws:iam::aws:policy/AmazonS3FullAccess (any partition or path); '' otherwise."""
    if not isinstance(arn, str) or is_unknown(arn) or ":iam::aws:policy/" not in arn:
        return ""
    return arn.rsplit("/", 1)[-1]


@resource_policy(
    name="iam-no-admin-managed-policies",
    title="Administrator-level and full-access AWS managed policies must not be attached to roles, users or groups",
    checklist=("security.iam", "ai.agents"), severity="critical",
    cross_references=("Checkov:CKV_AWS_274", "Prowler:iam_role_administratoraccess_policy",
                      "Prowler:iam_user_administrator_access_policy",
                      "Prowler:iam_group_administrator_access_policy"),
    types=T.IAM_POLICY_ATTACHMENTS + (T.IAM_ROLE,) + tuple(k for k in _MANAGED_ARN_INPUTS if k != T.IAM_ROLE),
    config={"forbiddenPolicies": {
        "type": "array", "items": {"type": "string"}, "default": _ADMIN_POLICIES,
        "description": "Names (or globs over names) of AWS managed policies that must never be attached (the last "
                       "part of the ARN); *FullAccess grants every action of a service."}},
    remediation="Detach the managed policy (managed_policy_arns, aws.iam.RolePolicyAttachment / "
                "UserPolicyAttachment / GroupPolicyAttachment / PolicyAttachment / *PolicyAttachmentsExclusive) and "
                "attach a customer managed policy with only the actions and resources the principal needs.",
)
def iam_no_admin_managed_policies(r: Resource, report: Report) -> None:
    forbidden = [p for p in r.config.get("forbiddenPolicies", _ADMIN_POLICIES) if isinstance(p, str)]
    key = _MANAGED_ARN_INPUTS.get(r.type)
    arns = as_list(r.peek(key)) if key else [r.peek("policyArn")]
    found = sorted({n for n in map(aws_managed_name, arns)
                    if n and any(fnmatchcase(n.lower(), p.lower()) for p in forbidden)})
    if found:
        kind = ("administrator access" if any(n.startswith(("AdministratorAccess", "PowerUser", "IAMFull"))
                                               for n in found) else "every action of the service")
        report(f"{short_type(r.type)} '{r.name}' attaches the AWS managed {', '.join(found)} ({kind}); attach a "
               f"policy scoped to the actions and resources the principal needs instead")


_ACCOUNT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")
_CROSS_ACCOUNT_KEYS = ("sts:externalid", "aws:principalorgid", "aws:principalorgpaths")


def _principal_accounts(principal) -> list:
    """Account ids named by the AWS principals of a trust statement (ARNs or bare 12-digit ids)."""
    found = []
    for p in iamdoc.strings(principal.get("AWS")) if isinstance(principal, dict) else []:
        m = _ACCOUNT_ARN.match(p)
        if m:
            found.append(m.group(1))
        elif re.fullmatch(r"\d{12}", p):
            found.append(p)
    return found


def _narrows_to_keys(condition, keys) -> bool:
    if not isinstance(condition, dict):
        return False
    return any(str(k).lower() in keys and not str(op).lower().endswith("ifexists") and "not" not in str(op).lower()
               for op, tests in condition.items() if isinstance(tests, dict) for k in tests)


def _open_trust(stmt, own_accounts) -> str:
    if not iamdoc.allows(stmt):
        return ""
    principal = stmt.get("Principal")
    condition = stmt.get("Condition")
    if resource_policy_reader.principal_is_public(stmt):
        if resource_policy_reader.condition_narrows(condition):
            return ""
        extra = " (its condition does not narrow who)" if condition else ""
        return f"any AWS principal (Principal '*'){extra}"
    federated = iamdoc.strings(principal.get("Federated")) if isinstance(principal, dict) else []
    if federated and not condition and \
            any(iamdoc.action_matches(a, "sts:AssumeRoleWithWebIdentity") for a in iamdoc.actions(stmt)):
        return f"any identity of {federated[0]} (web identity without a 'sub' condition)"
    others = sorted({a for a in _principal_accounts(principal) if a not in own_accounts})
    if others and not _narrows_to_keys(condition, _CROSS_ACCOUNT_KEYS):
        return (f"account {', '.join(others)}, another account, with no sts:ExternalId or aws:PrincipalOrgID "
                f"condition (confused deputy)")
    return ""


@resource_policy(
    name="iam-trust-policy-not-open",
    title="IAM role trust policies must not let any principal, or another account unchecked, assume the role",
    checklist=("security.iam", "infra.separation", "ai.agents"), severity="critical",
    cross_references=("Checkov:CKV_AWS_60", "Prowler:iam_no_custom_policy_permissive_role_assumption"),
    types=(T.IAM_ROLE,),
    remediation="Name the trusted principal (a service such as 'lambda.amazonaws.com', or account/role ARNs) in "
                "assume_role_policy; for another account (a vendor) add Condition {'StringEquals': "
                "{'sts:ExternalId': ...}} or aws:PrincipalOrgID; for OIDC (GitHub Actions, EKS) add a Condition on "
                "the token's 'sub' and 'aud'.",
)
def iam_trust_policy_not_open(r: Resource, report: Report) -> None:
    own = stackconfig.own_accounts(r.provider) or {stackconfig.OFFLINE_ACCOUNT}
    for stmt in iamdoc.known_statements(r.peek("assumeRolePolicy")):
        who = _open_trust(stmt, own)
        if who:
            report(f"role '{r.name}' can be assumed by {who}; name the trusted principals or add a condition")
            return


@resource_policy(
    name="iam-no-user-policies",
    title="IAM permissions must be granted to roles or groups, not to users",
    checklist="security.iam", severity="medium",
    cross_references=("Checkov:CKV_AWS_40", "Prowler:iam_policy_attached_only_to_group_or_roles"),
    types=(T.IAM_USER_POLICY, T.IAM_USER_POLICY_ATTACHMENT, T.IAM_POLICY_ATTACHMENT),
    remediation="Attach the policy to an aws.iam.Group the user belongs to (or better, to a role assumed through "
                "IAM Identity Center) instead of aws.iam.UserPolicy / UserPolicyAttachment.",
)
def iam_no_user_policies(r: Resource, report: Report) -> None:
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
    cross_references=("Checkov:CKV_AWS_273",),
    types=(T.IAM_ACCESS_KEY,),
    remediation="Remove aws.iam.AccessKey: workloads on AWS use roles (instance profiles, task roles, IRSA); CI "
                "uses OIDC federation (aws.iam.OpenIdConnectProvider + a role); people use IAM Identity Center.",
)
def iam_no_access_keys(r: Resource, report: Report) -> None:
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
