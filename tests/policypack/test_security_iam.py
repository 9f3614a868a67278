"""IAM least-privilege policies through the Analyzer protocol (documents as JSON strings and as objects)."""
import json

import pytest

from tests.conftest import UNKNOWN_STRING_VALUE

POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="arn:aws:s3:::data/*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


SCOPED = doc(allow(["s3:GetObject", "s3:PutObject"]), allow("logs:Describe*", "*"), allow("xray:PutTraceSegments", "*"))
LAMBDA_TRUST = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})

# (policy, compliant document, failing document, words the message must contain)
DOCUMENT_CASES = [
    ("iam-no-service-wildcard-actions", SCOPED, doc(allow("s3:*")), "s3:*"),
    ("iam-no-service-wildcard-actions", SCOPED, doc(allow(["dynamodb:*", "s3:GetObject"])), "dynamodb:*"),
    ("iam-no-write-on-all-resources", SCOPED, doc(allow(["s3:GetObject", "s3:DeleteObject"], "*")), "s3:DeleteObject"),
    ("iam-no-write-on-all-resources",
     doc(allow("ec2:TerminateInstances", "*", Condition={"StringEquals": {"aws:ResourceTag/team": "a"}})),
     doc(allow("ec2:TerminateInstances", "*")), "ec2:TerminateInstances"),
    ("iam-no-passrole-on-all", doc(allow("iam:PassRole", "arn:aws:iam::1:role/app")), doc(allow("iam:PassRole", "*")),
     "iam:PassRole"),
    ("iam-no-passrole-on-all", SCOPED, doc(allow("iam:Pass*", ["*"])), "iam:PassRole"),
]


@pytest.mark.parametrize("type_", [POLICY, ROLE_POLICY])
@pytest.mark.parametrize("policy,good,bad,words", DOCUMENT_CASES)
def test_policy_documents(pack, type_, policy, good, bad, words):
    assert not pack.analyze(type_, {"policy": json.dumps(good)}).violations(policy)
    [d] = pack.analyze(type_, {"policy": json.dumps(bad)}, name="app").violations(policy)
    assert words in d.message and "'app'" in d.message
    assert pack.analyze(type_, {"policy": bad}).violations(policy)  # the object form, too
    assert not pack.analyze(type_, {"policy": UNKNOWN_STRING_VALUE}).violations(policy)


def test_role_inline_policies_are_read(pack):
    role = {"assumeRolePolicy": json.dumps(LAMBDA_TRUST),
            "inlinePolicies": [{"name": "ok", "policy": json.dumps(SCOPED)},
                               {"name": "broad", "policy": json.dumps(doc(allow("s3:*")))}]}
    [d] = pack.analyze(ROLE, role).violations("iam-no-service-wildcard-actions")
    assert "broad" in d.message


def test_write_on_all_allow_list_is_configurable(pack):
    bad = {"policy": json.dumps(doc(allow("sns:Publish", "*")))}
    assert pack.analyze(POLICY, bad).violations("iam-no-write-on-all-resources")
    with pack.configured({"iam-no-write-on-all-resources": {"allowedActions": ["sns:Publish"]}}):
        assert not pack.analyze(POLICY, bad).violations("iam-no-write-on-all-resources")


ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"


@pytest.mark.parametrize("type_,good,bad", [
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "r", "policyArn": READ_ARN},
     {"role": "r", "policyArn": ADMIN_ARN}),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", {"user": "u", "policyArn": READ_ARN},
     {"user": "u", "policyArn": "arn:aws:iam::aws:policy/IAMFullAccess"}),
    ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", {"group": "g", "policyArn": READ_ARN},
     {"group": "g", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}),
    ("aws:iam/policyAttachment:PolicyAttachment", {"roles": ["r"], "policyArn": READ_ARN},
     {"roles": ["r"], "policyArn": ADMIN_ARN}),
    (ROLE, {"assumeRolePolicy": "{}", "managedPolicyArns": [READ_ARN]},
     {"assumeRolePolicy": "{}", "managedPolicyArns": [READ_ARN, ADMIN_ARN]}),
])
def test_no_admin_managed_policies(pack, type_, good, bad):
    assert not pack.analyze(type_, good).violations("iam-no-admin-managed-policies")
    # A customer managed policy that happens to share the name is not AWS's.
    assert not pack.analyze(type_, {**good, "policyArn": "arn:aws:iam::123:policy/AdministratorAccess"}).violations(
        "iam-no-admin-managed-policies")
    [d] = pack.analyze(type_, bad).violations("iam-no-admin-managed-policies")
    assert "Access" in d.message


@pytest.mark.parametrize("trust,open_", [
    (LAMBDA_TRUST, False),
    (doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}), True),
    (doc({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}, "Action": "sts:AssumeRole"}), True),
    (doc({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}), False),
    (doc({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
          "Action": "sts:AssumeRoleWithWebIdentity"}), True),
    (doc({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"},
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}}), False),
])
def test_trust_policy_not_open(pack, trust, open_):
    result = pack.analyze(ROLE, {"assumeRolePolicy": json.dumps(trust)})
    assert bool(result.violations("iam-trust-policy-not-open")) == open_


@pytest.mark.parametrize("type_,props,bad", [
    ("aws:iam/userPolicy:UserPolicy", {"user": "u", "policy": json.dumps(SCOPED)}, True),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", {"user": "u", "policyArn": READ_ARN}, True),
    ("aws:iam/policyAttachment:PolicyAttachment", {"users": ["u"], "policyArn": READ_ARN}, True),
    ("aws:iam/policyAttachment:PolicyAttachment", {"groups": ["g"], "policyArn": READ_ARN}, False),
    ("aws:iam/groupPolicy:GroupPolicy", {"group": "g", "policy": json.dumps(SCOPED)}, False),
])
def test_no_user_policies(pack, type_, props, bad):
    assert bool(pack.analyze(type_, props).violations("iam-no-user-policies")) == bad


def test_no_access_keys(pack, dev_pack):
    [d] = pack.analyze("aws:iam/accessKey:AccessKey", {"user": "ci"}, name="ci-key").violations("iam-no-access-keys")
    assert "'ci-key'" in d.message and d.level == "mandatory"
    assert not pack.analyze("aws:iam/user:User", {"name": "ci"}).violations("iam-no-access-keys")
    assert [d.level for d in dev_pack.analyze("aws:iam/accessKey:AccessKey", {"user": "ci"}).violations(
        "iam-no-access-keys")] == ["advisory"]
