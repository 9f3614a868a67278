"""IAM: no '*' on '*', access key age, the root user."""
from __future__ import annotations

import csv
import io
import time
from typing import Dict, List

from botocore.exceptions import ClientError

from ..aws import Incomplete, NotSupported, classify
from ..model import check
from .common import age_hours, allows_star_on_star

ROOT_ROW = "<root_account>"
REPORT_WAIT_SECONDS = 30


def authorization_details(ctx) -> Dict[str, List]:
    def load():
        merged: Dict[str, List] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
        client = ctx.client("iam")
        try:
            pages = client.get_paginator("get_account_authorization_details").paginate(
                Filter=["User", "Role", "Group", "LocalManagedPolicy"])
            for page in pages:
                for key in merged:
                    merged[key].extend(page.get(key, []))
        except ClientError as e:
            raise classify(e, "iam", "GetAccountAuthorizationDetails") from None
        return merged
    return ctx.memo(("iam", "authorization-details"), load)


@check(id="iam-admin-policy", title="No customer or inline IAM policy allows '*' on '*'",
       checklist="security.iam", severity="critical",
       remediation="Replace the statement with the specific actions and resource ARNs the principal needs; "
                   "give humans admin through SSO permission sets, and agents/CI scoped roles.")
def iam_admin_policy(ctx):
    details = authorization_details(ctx)
    for policy in details["Policies"]:
        default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
        if default and allows_star_on_star(default.get("Document")):
            attached = policy.get("AttachmentCount", 0)
            name = policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1]
            yield policy["Arn"], (f"managed policy '{name}' allows every action on every resource "
                                  f"(attached to {attached} principal(s))")
    for kind, key, list_key in (("user", "UserName", "UserPolicyList"), ("role", "RoleName", "RolePolicyList"),
                                ("group", "GroupName", "GroupPolicyList")):
        for principal in details[{"user": "UserDetailList", "role": "RoleDetailList",
                                  "group": "GroupDetailList"}[kind]]:
            for inline in principal.get(list_key, []) or []:
                if allows_star_on_star(inline.get("PolicyDocument")):
                    yield principal.get("Arn", principal[key]), (
                        f"inline policy '{inline['PolicyName']}' on {kind} '{principal[key]}' allows every action "
                        f"on every resource")


@check(id="iam-access-key-age", title="Active IAM access keys are younger than the maximum age",
       checklist=("security.iam", "security.secrets"), severity="medium",
       remediation="Rotate the key (create a new one, switch, deactivate and delete the old) or better, replace "
                   "long-lived keys with roles (SSO for people, OIDC/instance roles for machines).")
def iam_access_key_age(ctx):
    for user in ctx.items("iam", "list_users", "Users"):
        for key in ctx.items("iam", "list_access_keys", "AccessKeyMetadata", UserName=user["UserName"]):
            if key.get("Status") != "Active":
                continue
            age = age_hours(key.get("CreateDate"))
            if age is not None and age / 24 > ctx.max_key_age_days:
                yield user.get("Arn", user["UserName"]), (
                    f"access key {key['AccessKeyId']} of user '{user['UserName']}' is {age / 24:.0f} days old "
                    f"(limit {ctx.max_key_age_days})")


def credential_report(ctx) -> List[Dict[str, str]]:
    def load():
        deadline = time.monotonic() + REPORT_WAIT_SECONDS
        while ctx.call("iam", "generate_credential_report").get("State") != "COMPLETE":
            if time.monotonic() > deadline:
                raise Incomplete(f"the IAM credential report was not ready within {REPORT_WAIT_SECONDS} s; "
                                 "run the audit again in a minute")
            time.sleep(1)
        content = ctx.call("iam", "get_credential_report")["Content"]
        text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
        return list(csv.DictReader(io.StringIO(text)))
    return ctx.memo(("iam", "credential-report"), load)


def root_row(ctx) -> Dict[str, str]:
    for row in credential_report(ctx):
        if row.get("user") == ROOT_ROW:
            return row
    raise NotSupported("iam:GetCredentialReport",
                       f"the credential report has no {ROOT_ROW} row (an emulator's report omits the root user)")


@check(id="root-mfa", title="The root user has MFA",
       checklist="security.iam", severity="critical",
       remediation="Sign in as root once and add a hardware or passkey MFA device (IAM console > Security "
                   "credentials); then lock the root credentials away.")
def root_mfa(ctx):
    if root_row(ctx).get("mfa_active", "").lower() != "true":
        yield f"account {ctx.account} root", "the root user has no MFA device"


@check(id="root-access-keys", title="The root user has no access keys",
       checklist=("security.iam", "security.secrets"), severity="critical",
       remediation="Delete the root user's access keys (IAM console > Security credentials as root); use roles "
                   "for automation.")
def root_access_keys(ctx):
    row = root_row(ctx)
    active = [n for n in ("1", "2") if row.get(f"access_key_{n}_active", "").lower() == "true"]
    if active:
        yield f"account {ctx.account} root", f"the root user has {len(active)} active access key(s)"


@check(id="root-hardware-mfa", title="The root user's MFA is a hardware device, not a virtual one",
       checklist="security.iam", severity="medium",
       remediation="Replace the root user's virtual MFA with a hardware key or passkey (IAM console > Security "
                   "credentials as root), kept offline with the root credentials.")
def root_hardware_mfa(ctx):
    if root_row(ctx).get("mfa_active", "").lower() != "true":
        return  # no MFA at all is root-mfa's finding
    for device in ctx.items("iam", "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned"):
        user_arn = str((device.get("User") or {}).get("Arn", ""))
        if user_arn.endswith(":root") or str(device.get("SerialNumber", "")).endswith("/root-account-mfa-device"):
            yield f"account {ctx.account} root", "the root user's MFA is a virtual device (an app on a phone)"
            return


CHECKS = (iam_admin_policy, iam_access_key_age, root_mfa, root_access_keys, root_hardware_mfa)
