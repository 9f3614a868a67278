"""Account and IAM hygiene: the security contact, password policy, console MFA, unused and setup-time
credentials, keys per user, policies on users, the support role, CloudShell access, expired server
certificates."""
from __future__ import annotations

from typing import Dict, List

from ..model import check
from .common import age_hours, as_utc, name_list, now
from .identity import ROOT_ROW, authorization_details, credential_report

MIN_PASSWORD_LENGTH = 14
PASSWORD_REUSE_PREVENTION = 24
SUPPORT_POLICY = "AWSSupportAccess"
CLOUDSHELL_POLICY = "AWSCloudShellFullAccess"


def user_rows(ctx) -> List[Dict[str, str]]:
    """The credential report's IAM users (the root user has checks of its own)."""
    return [row for row in credential_report(ctx) if row.get("user") and row.get("user") != ROOT_ROW]


def is_true(value) -> bool:
    return str(value or "").lower() == "true"


def aws_managed_policy_arn(ctx, name: str) -> str:
    parts = (ctx.caller_arn or "").split(":")
    partition = parts[1] if len(parts) > 2 and parts[1] else "aws"
    return f"arn:{partition}:iam::aws:policy/{name}"


def policy_entities(ctx, name: str) -> List[str]:
    """Every user, group and role a managed policy is attached to, as 'kind name'."""
    attached: List[str] = []
    for page in ctx.pages("iam", "list_entities_for_policy", PolicyArn=aws_managed_policy_arn(ctx, name)):
        attached += [f"user {u['UserName']}" for u in page.get("PolicyUsers", [])]
        attached += [f"group {g['GroupName']}" for g in page.get("PolicyGroups", [])]
        attached += [f"role {r['RoleName']}" for r in page.get("PolicyRoles", [])]
    return attached


@check(id="iam-password-policy", title="The IAM password policy requires 14+ characters and prevents reuse",
       checklist="security.iam", severity="medium",
       remediation="Set the account password policy to a minimum length of 14, reuse prevention of 24 and "
                   "upper/lower case, numbers and symbols (components.AccountBaseline creates "
                   "aws.iam.AccountPasswordPolicy with these values); better, give people SSO instead of IAM "
                   "users.")
def iam_password_policy(ctx):
    got = ctx.call("iam", "get_account_password_policy", absent=("NoSuchEntity",))
    if got is None:
        yield (f"account {ctx.account}", "the account has no IAM password policy: AWS's default accepts 8-character "
               "passwords and lets users reuse old ones")
        return
    policy = got.get("PasswordPolicy") or {}
    weak = []
    if (policy.get("MinimumPasswordLength") or 0) < MIN_PASSWORD_LENGTH:
        weak.append(f"minimum length {policy.get('MinimumPasswordLength', 'unset')} (needs {MIN_PASSWORD_LENGTH})")
    if (policy.get("PasswordReusePrevention") or 0) < PASSWORD_REUSE_PREVENTION:
        weak.append(f"reuse prevention {policy.get('PasswordReusePrevention') or 'off'} "
                    f"(needs {PASSWORD_REUSE_PREVENTION})")
    for key, what in (("RequireUppercaseCharacters", "uppercase"), ("RequireLowercaseCharacters", "lowercase"),
                      ("RequireNumbers", "numbers"), ("RequireSymbols", "symbols")):
        if not policy.get(key):
            weak.append(f"{what} not required")
    if weak:
        yield f"account {ctx.account}", "the IAM password policy is weak: " + "; ".join(weak)


@check(id="iam-console-mfa", title="Every IAM user with a console password has MFA",
       checklist="security.iam", severity="high",
       remediation="Have the user register an MFA device (IAM console > Users > Security credentials), or remove "
                   "the console password (aws iam delete-login-profile); give people SSO instead of IAM users.")
def iam_console_mfa(ctx):
    for row in user_rows(ctx):
        if is_true(row.get("password_enabled")) and not is_true(row.get("mfa_active")):
            yield row.get("arn") or row["user"], f"IAM user '{row['user']}' can sign in to the console without MFA"


def unused_for(used, created, limit_days: float):
    """Days since last use (or, never used, since creation) when that is over the limit, else None."""
    hours = age_hours(used) if as_utc(used) else age_hours(created)
    if hours is not None and hours / 24 > limit_days:
        return hours / 24
    return None


@check(id="iam-unused-credentials", title="IAM passwords and access keys unused for 45 days are disabled",
       checklist=("security.iam", "security.secrets"), severity="medium",
       remediation="Remove the console password (aws iam delete-login-profile) or deactivate and delete the access "
                   "key (aws iam update-access-key --status Inactive, then delete-access-key) the user no longer "
                   "uses; prefer SSO for people and roles for machines.")
def iam_unused_credentials(ctx):
    limit = ctx.max_unused_days
    for row in user_rows(ctx):
        resource, user = row.get("arn") or row["user"], row["user"]
        if is_true(row.get("password_enabled")):
            days = unused_for(row.get("password_last_used"), row.get("password_last_changed")
                              or row.get("user_creation_time"), limit)
            if days is not None:
                used = "last used" if as_utc(row.get("password_last_used")) else "never used, set"
                yield resource, (f"the console password of IAM user '{user}' is enabled but was {used} "
                                 f"{days:.0f} days ago (limit {limit})")
        for n in ("1", "2"):
            if not is_true(row.get(f"access_key_{n}_active")):
                continue
            days = unused_for(row.get(f"access_key_{n}_last_used_date"), row.get(f"access_key_{n}_last_rotated"),
                              limit)
            if days is not None:
                used = "last used" if as_utc(row.get(f"access_key_{n}_last_used_date")) else "never used, created"
                yield resource, (f"active access key {n} of IAM user '{user}' was {used} {days:.0f} days ago "
                                 f"(limit {limit})")


@check(id="iam-setup-access-keys", title="Console users have no active access key they never used",
       checklist=("security.iam", "security.secrets"), severity="low",
       remediation="Delete the access key (aws iam delete-access-key); create keys only when a user needs one, "
                   "and prefer roles (SSO for people, OIDC/instance roles for machines).")
def iam_setup_access_keys(ctx):
    for row in user_rows(ctx):
        if not is_true(row.get("password_enabled")):
            continue
        for n in ("1", "2"):
            if is_true(row.get(f"access_key_{n}_active")) and not as_utc(row.get(f"access_key_{n}_last_used_date")):
                yield row.get("arn") or row["user"], (f"console user '{row['user']}' has active access key {n} that "
                                                      "was never used (created with the user, not because it was "
                                                      "needed)")


@check(id="iam-one-active-key", title="No IAM user has more than one active access key",
       checklist=("security.iam", "security.secrets"), severity="medium",
       remediation="Deactivate and delete the access key the user no longer needs (aws iam update-access-key "
                   "--status Inactive, then delete-access-key); keep a second key only during a rotation.")
def iam_one_active_key(ctx):
    for user in ctx.items("iam", "list_users", "Users"):
        keys = ctx.items("iam", "list_access_keys", "AccessKeyMetadata", UserName=user["UserName"])
        active = [k["AccessKeyId"] for k in keys if k.get("Status") == "Active"]
        if len(active) > 1:
            yield user.get("Arn", user["UserName"]), (
                f"IAM user '{user['UserName']}' has {len(active)} active access keys ({', '.join(active)})")


@check(id="iam-user-attached-policies", title="IAM users get permissions only through groups or roles",
       checklist="security.iam", severity="medium",
       remediation="Move the user's inline and attached policies to a group (aws.iam.GroupPolicyAttachment) or a "
                   "role the user assumes, then detach them from the user.")
def iam_user_attached_policies(ctx):
    for user in authorization_details(ctx)["UserDetailList"]:
        inline = [p["PolicyName"] for p in user.get("UserPolicyList") or []]
        attached = [p["PolicyName"] for p in user.get("AttachedManagedPolicies") or []]
        if inline or attached:
            parts = ([f"inline {name_list(inline)}"] if inline else []) + \
                ([f"attached {name_list(attached)}"] if attached else [])
            yield user.get("Arn", user["UserName"]), (
                f"IAM user '{user['UserName']}' has policies of its own ({'; '.join(parts)})")


@check(id="iam-support-role", title="A role or group may open AWS Support cases (AWSSupportAccess)",
       checklist=("security.iam", "compliance.incident-response"), severity="low",
       remediation="Create an IAM role your incident responders can assume and attach the AWS managed policy "
                   "AWSSupportAccess to it (aws.iam.Role with aws.iam.RolePolicyAttachment).")
def iam_support_role(ctx):
    if not policy_entities(ctx, SUPPORT_POLICY):
        yield f"account {ctx.account}", (f"no user, group or role has the {SUPPORT_POLICY} policy: in an incident "
                                         "nobody may open or follow an AWS Support case")


@check(id="cloudshell-full-access", title="Nobody has the AWSCloudShellFullAccess policy",
       checklist="security.iam", severity="medium",
       remediation="Detach AWSCloudShellFullAccess and grant only the CloudShell actions needed, without file "
                   "upload and download (cloudshell:CreateEnvironment, CreateSession, StartEnvironment...).")
def cloudshell_full_access(ctx):
    attached = policy_entities(ctx, CLOUDSHELL_POLICY)
    if attached:
        yield f"account {ctx.account}", (f"{CLOUDSHELL_POLICY} (a shell with file transfer out of the account) is "
                                         f"attached to {name_list(attached)}")


@check(id="iam-expired-server-certificates", title="No expired SSL/TLS certificate is stored in IAM",
       checklist="security.encryption", severity="medium",
       remediation="Delete the expired certificate (aws iam delete-server-certificate --server-certificate-name "
                   "NAME) after moving whatever used it to an ACM certificate, which renews itself.")
def iam_expired_server_certificates(ctx):
    for cert in ctx.items("iam", "list_server_certificates", "ServerCertificateMetadataList"):
        expires = as_utc(cert.get("Expiration"))
        if expires is not None and expires < now():
            name = cert["ServerCertificateName"]
            yield cert.get("Arn", name), (f"IAM server certificate '{name}' expired on "
                                          f"{expires.date().isoformat()}")


@check(id="security-contact", title="The account has a security alternate contact",
       checklist="compliance.incident-response", severity="low",
       remediation="Register a SECURITY alternate contact (a monitored team address) so AWS reaches the right people "
                   "about abuse and incidents (components.AccountBaseline security_contact does).")
def security_contact(ctx):
    got = ctx.call("account", "get_alternate_contact", AlternateContactType="SECURITY",
                   absent=("ResourceNotFoundException",))
    if not (got or {}).get("AlternateContact", {}).get("EmailAddress"):
        yield f"account {ctx.account}", "no security contact is registered: AWS security notices go to the root e-mail"


CHECKS = (security_contact, iam_password_policy, iam_console_mfa, iam_unused_credentials, iam_setup_access_keys,
          iam_one_active_key, iam_user_attached_policies, iam_support_role, cloudshell_full_access,
          iam_expired_server_certificates)
