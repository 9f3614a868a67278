"""Issue 13: resource policies, IAM and network exposure judged by the mistake, not one spelling of it.

Every insecure case has its fixed twin, and the fix must clear the finding without adding one.
"""
import json

import pytest

from tests.conftest import res, link

PUBLIC = {"Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage", "ecr:PutImage", "ecr:BatchDeleteImage"]}


def doc(*statements, as_string=True):
    d = {"Version": "2012-10-17", "Statement": list(statements)}
    return json.dumps(d) if as_string else d


def stmt(**kw):
    base = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    base.update(kw)
    return base


# -- resource-based policies ------------------------------------------------------------------------
RESOURCE_POLICY_CASES = [
    ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"),
    ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
    ("aws:sqs/queue:Queue", "policy"),
    ("aws:sns/topicPolicy:TopicPolicy", "policy"),
    ("aws:sns/topic:Topic", "policy"),
    ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy"),
    ("aws:apigateway/restApiPolicy:RestApiPolicy", "policy"),
    ("aws:opensearch/domainPolicy:DomainPolicy", "accessPolicies"),
    ("aws:opensearch/domain:Domain", "accessPolicies"),
    ("aws:efs/fileSystemPolicy:FileSystemPolicy", "policy"),
    ("aws:glacier/vault:Vault", "accessPolicy"),
    ("aws:backup/vaultPolicy:VaultPolicy", "policy"),
    ("aws:kinesis/resourcePolicy:ResourcePolicy", "policy"),
]


@pytest.mark.parametrize("type_,prop", RESOURCE_POLICY_CASES)
@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
def test_public_resource_policy_is_caught_in_every_service(pack, type_, prop, principal):
    bad = pack.analyze(type_, {prop: doc(stmt(Principal=principal))})
    assert bad.violations("resource-policy-not-public"), type_
    assert "Principal '*'" in bad.violations("resource-policy-not-public")[0].message


@pytest.mark.parametrize("type_,prop", RESOURCE_POLICY_CASES)
def test_condition_on_who_fixes_it_and_object_documents_too(pack, type_, prop):
    fixed = doc(stmt(Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:t"}}),
                as_string=False)
    assert not pack.analyze(type_, {prop: fixed}).violations("resource-policy-not-public")
    named = doc(stmt(Principal={"AWS": "arn:aws:iam::111122223333:role/app"}))
    assert not pack.analyze(type_, {prop: named}).violations("resource-policy-not-public")
    as_object = doc(stmt(), as_string=False)
    assert pack.analyze(type_, {prop: as_object}).violations("resource-policy-not-public")


@pytest.mark.parametrize("condition", [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}},
    {"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}},
    {"StringLike": {"aws:PrincipalOrgID": "*"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
])
def test_conditions_that_narrow_nobody_do_not_count(pack, condition):
    r = pack.analyze("aws:ecr/repositoryPolicy:RepositoryPolicy", {"policy": doc(stmt(Condition=condition))})
    assert r.violations("resource-policy-not-public"), condition


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
    {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
])
def test_conditions_on_who_count(pack, condition):
    r = pack.analyze("aws:ecr/repositoryPolicy:RepositoryPolicy", {"policy": doc(stmt(Condition=condition))})
    assert not r.violations("resource-policy-not-public"), condition


def test_not_principal_allow_is_public_and_deny_is_not(pack):
    everyone_but = stmt(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"})
    del everyone_but["Principal"]
    assert pack.analyze("aws:sqs/queuePolicy:QueuePolicy", {"policy": doc(everyone_but)}).violations(
        "resource-policy-not-public")
    deny = stmt(Effect="Deny")
    assert not pack.analyze("aws:sqs/queuePolicy:QueuePolicy", {"policy": doc(deny)}).violations(
        "resource-policy-not-public")


def test_unknown_policy_is_not_judged(pack):
    from tests.conftest import UNKNOWN_STRING_VALUE
    r = pack.analyze("aws:sqs/queuePolicy:QueuePolicy", {"policy": UNKNOWN_STRING_VALUE})
    assert not r.violations("resource-policy-not-public")


def test_opensearch_serverless_network_and_access_policies(pack):
    net = [{"Rules": [{"ResourceType": "collection", "Resource": ["collection/vectors"]}], "AllowFromPublic": True}]
    bad = pack.analyze("aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
                       {"type": "network", "policy": json.dumps(net)})
    assert bad.violations("resource-policy-not-public")
    net[0]["AllowFromPublic"] = False
    net[0]["SourceVPCEs"] = ["vpce-1"]
    assert not pack.analyze("aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
                            {"type": "network", "policy": json.dumps(net)}).violations("resource-policy-not-public")
    access = [{"Rules": [{"ResourceType": "index", "Resource": ["index/vectors/*"], "Permission": ["aoss:*"]}],
               "Principal": ["*"]}]
    assert pack.analyze("aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
                        {"type": "data", "policy": json.dumps(access)}).violations("resource-policy-not-public")
    access[0]["Principal"] = ["arn:aws:iam::111122223333:role/kb"]
    assert not pack.analyze("aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
                            {"type": "data", "policy": json.dumps(access)}).violations("resource-policy-not-public")


def test_s3_and_kms_policies_use_the_same_reader(pack):
    mfa_only = doc(stmt(Action="s3:GetObject", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    assert pack.analyze("aws:s3/bucketPolicy:BucketPolicy", {"policy": mfa_only}).violations(
        "s3-bucket-policy-not-public")
    org = doc(stmt(Action="s3:GetObject", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}))
    assert not pack.analyze("aws:s3/bucketPolicy:BucketPolicy", {"policy": org}).violations(
        "s3-bucket-policy-not-public")
    tls_only = doc(stmt(Action="kms:Decrypt", Condition={"Bool": {"aws:SecureTransport": "true"}}))
    assert pack.analyze("aws:kms/key:Key", {"policy": tls_only}).violations("kms-key-policy-not-public")
    caller = doc(stmt(Action="kms:Decrypt", Condition={"StringEquals": {"kms:CallerAccount": "111122223333"}}))
    assert not pack.analyze("aws:kms/key:Key", {"policy": caller}).violations("kms-key-policy-not-public")


@pytest.mark.parametrize("type_,props,fixed", [
    ("aws:ec2/amiLaunchPermission:AmiLaunchPermission", {"imageId": "ami-1", "group": "all"},
     {"imageId": "ami-1", "accountId": "111122223333"}),
    ("aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission", {"snapshotId": "s", "accountId": "all"},
     {"snapshotId": "s", "accountId": "111122223333"}),
    ("aws:rds/snapshot:Snapshot", {"dbInstanceIdentifier": "db", "sharedAccounts": ["all"]},
     {"dbInstanceIdentifier": "db", "sharedAccounts": ["111122223333"]}),
    ("aws:rds/clusterSnapshot:ClusterSnapshot", {"sharedAccounts": ["all"]}, {}),
])
def test_snapshots_and_images_shared_with_everyone(pack, type_, props, fixed):
    assert pack.analyze(type_, props).violations("snapshot-not-public")
    assert not pack.analyze(type_, fixed).violations("snapshot-not-public")


# -- IAM ------------------------------------------------------------------------------------------------------
def iam(type_, *statements, name="p"):
    return {"policy": doc(*statements)} if type_ != "aws:iam/role:Role" else {
        "assumeRolePolicy": doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                 "Action": "sts:AssumeRole"}),
        "inlinePolicies": [{"name": name, "policy": doc(*statements)}]}


@pytest.mark.parametrize("type_", ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/role:Role"])
def test_not_action_on_everything_is_admin(pack, type_):
    bad = pack.analyze(type_, iam(type_, {"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"}))
    assert bad.violations("iam-no-wildcard-admin")
    fixed = pack.analyze(type_, iam(type_, {"Effect": "Allow", "Action": ["s3:GetObject"],
                                            "Resource": "arn:aws:s3:::data/*"}))
    assert not fixed.violations()


def test_not_resource_with_every_action_is_admin(pack):
    r = pack.analyze("aws:iam/policy:Policy", iam("aws:iam/policy:Policy", {
        "Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit/*"}))
    assert r.violations("iam-no-wildcard-admin")


@pytest.mark.parametrize("resource", ["*", "arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/*",
                                      "arn:aws:iam::111122223333:*", "arn:*:iam::*:role/*"])
def test_passrole_on_any_role(pack, resource):
    bad = pack.analyze("aws:iam/policy:Policy", iam("aws:iam/policy:Policy", {
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": resource}))
    assert bad.violations("iam-no-passrole-on-all"), resource


def test_passrole_on_named_roles_passes(pack):
    ok = pack.analyze("aws:iam/policy:Policy", iam("aws:iam/policy:Policy", {
        "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app-task-*",
        "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}))
    assert not ok.violations("iam-no-passrole-on-all")


@pytest.mark.parametrize("type_,props", [
    ("aws:iam/role:Role", {"managedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]}),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}),
    ("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", {"group": "g", "policyArn": "arn:aws:iam::aws:policy/PowerUserAccess"}),
    ("aws:iam/userPolicyAttachment:UserPolicyAttachment", {"user": "u", "policyArn": "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"}),
    ("aws:iam/policyAttachment:PolicyAttachment", {"roles": ["r"], "policyArn": "arn:aws:iam::aws:policy/AWSLambda_FullAccess"}),
    ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
     {"roleName": "r", "policyArns": ["arn:aws:iam::aws:policy/job-function/AdministratorAccess-Amplify"]}),
])
def test_full_access_managed_policies_by_every_route(pack, type_, props):
    assert pack.analyze(type_, props).violations("iam-no-admin-managed-policies"), type_


def test_narrow_managed_policies_pass(pack):
    ok = pack.analyze("aws:iam/role:Role", {"managedPolicyArns": [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/ReadOnlyAccess"]})
    assert not ok.violations("iam-no-admin-managed-policies")


def trust(*statements):
    return {"assumeRolePolicy": doc(*statements)}


def test_trust_open_with_a_condition_that_narrows_nobody(pack):
    bad = pack.analyze("aws:iam/role:Role", trust({"Effect": "Allow", "Principal": {"AWS": "*"},
                                                   "Action": "sts:AssumeRole",
                                                   "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}))
    assert bad.violations("iam-trust-policy-not-open")
    ok = pack.analyze("aws:iam/role:Role", trust({"Effect": "Allow", "Principal": {"AWS": "*"},
                                                  "Action": "sts:AssumeRole",
                                                  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}))
    assert not ok.violations("iam-trust-policy-not-open")


def test_trust_to_another_account_needs_external_id(pack):
    vendor = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}
    bad = pack.analyze("aws:iam/role:Role", trust(vendor))
    assert bad.violations("iam-trust-policy-not-open")
    assert "999988887777" in bad.violations("iam-trust-policy-not-open")[0].message
    vendor["Condition"] = {"StringEquals": {"sts:ExternalId": "b7c1f0e2"}}
    assert not pack.analyze("aws:iam/role:Role", trust(vendor)).violations("iam-trust-policy-not-open")


def test_trust_to_the_stacks_own_account_passes(pack):
    own = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
    assert not pack.analyze("aws:iam/role:Role", trust(own)).violations("iam-trust-policy-not-open")


# -- network --------------------------------------------------------------------------------------------------
def sg(*rules):
    return {"ingress": [dict({"protocol": "tcp"}, **r) for r in rules]}


@pytest.mark.parametrize("cidrs", [["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/0"], ["::/0"], ["::/1", "8000::/1"]])
def test_ssh_open_to_cidr_sets_covering_the_internet(pack, cidrs):
    v4 = [c for c in cidrs if ":" not in c]
    v6 = [c for c in cidrs if ":" in c]
    r = pack.analyze("aws:ec2/securityGroup:SecurityGroup",
                     sg({"fromPort": 22, "toPort": 22, "cidrBlocks": v4, "ipv6CidrBlocks": v6}))
    assert r.violations("security-group-no-world-admin-ports"), cidrs
    assert not r.violations("security-group-no-world-ingress"), cidrs  # SSH is the admin policy's: one finding
    other = pack.analyze("aws:ec2/securityGroup:SecurityGroup",
                         sg({"fromPort": 8080, "toPort": 8080, "cidrBlocks": v4, "ipv6CidrBlocks": v6}))
    assert other.violations("security-group-no-world-ingress"), cidrs


def test_two_half_internet_rules_together_are_the_internet(pack):
    r = pack.analyze("aws:ec2/securityGroup:SecurityGroup",
                     sg({"fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/1"]},
                        {"fromPort": 22, "toPort": 22, "cidrBlocks": ["128.0.0.0/1"]}))
    assert r.violations("security-group-no-world-admin-ports")


def test_private_ranges_and_web_ports_pass(pack):
    ok = pack.analyze("aws:ec2/securityGroup:SecurityGroup",
                      sg({"fromPort": 22, "toPort": 22, "cidrBlocks": ["10.0.0.0/8", "192.168.0.0/16"]},
                         {"fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"], "ipv6CidrBlocks": ["::/0"]},
                         {"fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]}))
    assert not ok.violations()


@pytest.mark.parametrize("type_,props", [
    ("aws:ec2/securityGroupRule:SecurityGroupRule",
     {"type": "ingress", "fromPort": 8080, "toPort": 8080, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"],
      "securityGroupId": "sg-1"}),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
     {"fromPort": 9000, "toPort": 9100, "ipProtocol": "tcp", "cidrIpv6": "::/0", "securityGroupId": "sg-1"}),
    ("aws:ec2/securityGroup:SecurityGroup", sg({"fromPort": 53, "toPort": 53, "protocol": "udp",
                                                "cidrBlocks": ["0.0.0.0/0"]})),
])
def test_world_ingress_on_other_ports_every_spelling(pack, type_, props):
    assert pack.analyze(type_, props).violations("security-group-no-world-ingress")
    fixed = dict(props)
    for key in ("cidrBlocks",):
        if key in fixed:
            fixed[key] = ["10.0.0.0/16"]
    if "cidrIpv6" in fixed:
        fixed["cidrIpv6"] = "fd00::/8"
    if "ingress" in fixed:
        fixed["ingress"] = [dict(fixed["ingress"][0], cidrBlocks=["10.0.0.0/16"])]
    assert not pack.analyze(type_, fixed).violations("security-group-no-world-ingress")


def test_every_vpc_needs_its_default_group_emptied(pack):
    vpc = res("aws:ec2/vpc:Vpc", "main", {"cidrBlock": "10.0.0.0/16"})
    bad = pack.analyze_stack([vpc])
    found = bad.violations("vpc-default-security-group-restricted")
    assert found and found[0].urn == vpc["urn"]
    default = link(res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", {}), "vpcId", vpc)
    assert not pack.analyze_stack([vpc, default]).violations("vpc-default-security-group-restricted")


def test_eks_public_endpoint(pack):
    assert pack.analyze("aws:eks/cluster:Cluster", {"vpcConfig": {"subnetIds": ["s"]}}).violations(
        "eks-endpoint-not-public")
    assert pack.analyze("aws:eks/cluster:Cluster", {"vpcConfig": {"publicAccessCidrs": ["0.0.0.0/0"]}}).violations(
        "eks-endpoint-not-public")
    assert not pack.analyze("aws:eks/cluster:Cluster", {"vpcConfig": {
        "endpointPublicAccess": False, "endpointPrivateAccess": True}}).violations("eks-endpoint-not-public")
    assert not pack.analyze("aws:eks/cluster:Cluster", {"vpcConfig": {
        "publicAccessCidrs": ["203.0.113.0/24"]}}).violations("eks-endpoint-not-public")


@pytest.mark.parametrize("type_,path", [
    ("aws:ecs/service:Service", ("networkConfiguration",)),
    ("aws:cloudwatch/eventTarget:EventTarget", ("ecsTarget", "networkConfiguration")),
    ("aws:scheduler/schedule:Schedule", ("target", "ecsParameters", "networkConfiguration")),
])
def test_ecs_public_ips(pack, type_, path):
    def props(value):
        node = {"subnets": ["s"], "assignPublicIp": value}
        for key in reversed(path):
            node = {key: node}
        return node
    assert pack.analyze(type_, props(True)).violations("ecs-no-public-ip")
    assert not pack.analyze(type_, props(False)).violations("ecs-no-public-ip")


def test_listener_without_protocol_defaults_to_http(pack):
    forward = [{"type": "forward", "targetGroupArn": "arn:tg"}]
    assert pack.analyze("aws:lb/listener:Listener", {"port": 80, "defaultActions": forward}).violations(
        "lb-listener-https")
    redirect = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
    assert not pack.analyze("aws:lb/listener:Listener", {"port": 80, "defaultActions": redirect}).violations(
        "lb-listener-https")
    assert not pack.analyze("aws:alb/listener:Listener", {"port": 443, "protocol": "HTTPS", "certificateArn": "arn:c",
                                                         "defaultActions": forward}).violations("lb-listener-https")


def test_cloudfront_every_behavior(pack):
    base = {"defaultCacheBehavior": {"viewerProtocolPolicy": "redirect-to-https"},
            "orderedCacheBehaviors": [{"pathPattern": "/api/*", "viewerProtocolPolicy": "allow-all"}]}
    bad = pack.analyze("aws:cloudfront/distribution:Distribution", base)
    assert "/api/*" in bad.violations("cloudfront-viewer-https")[0].message
    base["orderedCacheBehaviors"][0]["viewerProtocolPolicy"] = "https-only"
    assert not pack.analyze("aws:cloudfront/distribution:Distribution", base).violations("cloudfront-viewer-https")
    assert pack.analyze("aws:cloudfront/distribution:Distribution", {"defaultCacheBehavior": {
        "viewerProtocolPolicy": "allow-all"}}).violations("cloudfront-viewer-https")


def test_http_api_quick_create(pack):
    from tests.conftest import UNKNOWN_STRING_VALUE
    assert pack.analyze("aws:apigatewayv2/api:Api", {"protocolType": "HTTP", "target": UNKNOWN_STRING_VALUE}) \
        .violations("apigatewayv2-no-quick-create")
    assert not pack.analyze("aws:apigatewayv2/api:Api", {"protocolType": "HTTP"}).violations(
        "apigatewayv2-no-quick-create")


def test_separate_rules_that_add_up_to_the_internet(pack):
    group = res("aws:ec2/securityGroup:SecurityGroup", "bastion", {"vpcId": "vpc-1"})
    halves = [link(res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"ssh-{i}", {
        "fromPort": 22, "toPort": 22, "ipProtocol": "tcp", "cidrIpv4": cidr}), "securityGroupId", group, "sg-1")
        for i, cidr in enumerate(["0.0.0.0/1", "128.0.0.0/1"])]
    found = pack.analyze_stack([group] + halves).violations("security-group-rules-together-not-world-open")
    assert {d.urn for d in found} == {h["urn"] for h in halves}
    halves[1]["props"]["cidrIpv4"] = "128.0.0.0/2"
    assert not pack.analyze_stack([group] + halves).violations("security-group-rules-together-not-world-open")
    web = [link(res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"web-{i}", {
        "fromPort": 443, "toPort": 443, "ipProtocol": "tcp", "cidrIpv4": cidr}), "securityGroupId", group, "sg-1")
        for i, cidr in enumerate(["0.0.0.0/1", "128.0.0.0/1"])]
    assert not pack.analyze_stack([group] + web).violations("security-group-rules-together-not-world-open")


def test_private_api_pattern_allow_all_fenced_by_deny_outside_the_endpoint(pack):
    allow = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    fence = {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0abc"}}}
    assert not pack.analyze("aws:apigateway/restApi:RestApi", {"policy": doc(fence, allow)}).violations(
        "resource-policy-not-public")
    assert pack.analyze("aws:apigateway/restApi:RestApi", {"policy": doc(allow)}).violations(
        "resource-policy-not-public")
    weak = dict(fence, Condition={"Bool": {"aws:SecureTransport": "false"}})  # denies plain HTTP, not outsiders
    assert pack.analyze("aws:apigateway/restApi:RestApi", {"policy": doc(weak, allow)}).violations(
        "resource-policy-not-public")
    narrow_fence = dict(fence, Action="execute-api:GET")  # fences one action, the allow grants more
    assert pack.analyze("aws:apigateway/restApi:RestApi", {"policy": doc(narrow_fence, allow)}).violations(
        "resource-policy-not-public")


def test_open_opensearch_policy_is_fine_inside_a_vpc_or_behind_fine_grained_access(pack):
    open_policy = doc(stmt(Action="es:*"))
    assert pack.analyze("aws:opensearch/domain:Domain", {"accessPolicies": open_policy}).violations(
        "resource-policy-not-public")
    for extra in ({"vpcOptions": {"subnetIds": ["subnet-1"]}}, {"advancedSecurityOptions": {"enabled": True}}):
        assert not pack.analyze("aws:opensearch/domain:Domain", dict(extra, accessPolicies=open_policy)).violations(
            "resource-policy-not-public"), extra
