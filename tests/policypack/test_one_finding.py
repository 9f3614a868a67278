"""One finding per cause: when two policies describe the same defect on one resource, only the more
specific one reports it. Declared as metadata (`supersedes`), applied by the server per URN, checked at load."""
import json
import sys

import pytest

from tests.conftest import PACK_DIR, link, res

sys.path.insert(0, PACK_DIR)
from preflight_policies import catalog as pack_catalog  # noqa: E402
from preflight_policies.model import MetadataError  # noqa: E402

SG = "aws:ec2/securityGroup:SecurityGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TOPIC = "aws:sns/topic:Topic"
BUCKET = "aws:s3/bucket:Bucket"
WEBSITE = "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration"
RDS = "aws:rds/instance:Instance"


def _doc(action, resource="*"):
    return {"policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})}


# (more specific, superseded, resource that triggers both when judged alone)
RESOURCE_PAIRS = [
    ("sns-topic-kms", "sns-topic-encrypted", (TOPIC, {})),
    ("security-group-no-world-all-ports", "security-group-no-world-admin-ports",
     (SG, {"ingress": [{"fromPort": 0, "toPort": 0, "protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]},
                       {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}]})),
    ("security-group-no-world-all-ports", "security-group-no-world-database-ports",
     (SG, {"ingress": [{"fromPort": 0, "toPort": 65535, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]},
                       {"fromPort": 5432, "toPort": 5432, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}]})),
    ("iam-no-service-wildcard-actions", "iam-no-write-on-all-resources", (ROLE_POLICY, _doc("s3:*"))),
    ("iam-no-wildcard-admin", "iam-no-service-wildcard-actions",
     (ROLE_POLICY, {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                                        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b"}]})})),
    ("iam-no-wildcard-admin", "iam-no-write-on-all-resources",
     (ROLE_POLICY, {"policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                                        {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]})})),
    ("iam-no-wildcard-admin", "iam-no-passrole-on-all", (ROLE_POLICY, _doc("*"))),
    ("iam-no-wildcard-admin", "bedrock-expensive-model-access", (ROLE_POLICY, _doc("*"))),
    ("database-password-not-plain", "rds-managed-master-password",
     (RDS, {"engine": "postgres", "instanceClass": "db.t4g.micro", "allocatedStorage": 20, "username": "app",
            "password": "correct-horse-battery"})),
]


def test_every_declared_pair_is_tested():
    declared = {(p.meta.name, other) for p in pack_catalog.all_policies() for other in p.meta.supersedes}
    tested = {(a, b) for a, b, _ in RESOURCE_PAIRS} | {("s3-bucket-public-website", "s3-bucket-tls-only")}
    assert declared == tested


@pytest.mark.parametrize("specific,general,resource", RESOURCE_PAIRS)
def test_resource_that_triggers_both_yields_one_finding(pack, specific, general, resource):
    type_, props = resource
    with pack.configured({specific: "disabled"}):  # alone, the general policy does fire on it
        assert pack.analyze(type_, props).violations(general)
    result = pack.analyze(type_, props)
    assert result.violations(specific)
    assert not result.violations(general)
    assert specific in result.not_applicable[general]
    # The same through AnalyzeStack is irrelevant for resource policies; the tag is on the wire.
    info = {p.name: p for p in pack.info.policies}
    assert f"supersedes:{general}" in info[specific].tags


def _world(port_from, port_to, protocol="tcp"):
    return {"fromPort": port_from, "toPort": port_to, "protocol": protocol, "cidrBlocks": ["0.0.0.0/0"]}


@pytest.mark.parametrize("rules,expected", [
    ([_world(22, 22)], {"security-group-no-world-admin-ports": ["22 (SSH)"]}),
    ([_world(5432, 5432)], {"security-group-no-world-database-ports": ["5432 (PostgreSQL)"]}),
    ([_world(0, 0, "-1")], {"security-group-no-world-all-ports": ["every port"]}),
    ([_world(0, 65535)], {"security-group-no-world-all-ports": ["every port"]}),
    # Nothing is lost: the other port is still reported, by the general policy, next to SSH.
    ([_world(22, 22), _world(8080, 8080)], {"security-group-no-world-admin-ports": ["22 (SSH)"],
                                            "security-group-no-world-ingress": ["TCP port 8080"]}),
    # A range that holds SSH and more: SSH by its policy, the range (what else it opens) by the general one.
    ([_world(20, 30)], {"security-group-no-world-admin-ports": ["22 (SSH)"],
                        "security-group-no-world-ingress": ["TCP ports 20-30"]}),
    ([_world(443, 443), _world(80, 80)], {}),
])
def test_world_open_ports_are_reported_once_each(pack, rules, expected):
    """The security group policies split the ports between them: SSH/RDP, database ports and all-traffic rules
    are their specific policies'; the general policy reports every other port, so one open port is one finding."""
    result = pack.analyze(SG, {"ingress": rules})
    fired = {p: [d.message for d in result.violations(p)] for p in (
        "security-group-no-world-admin-ports", "security-group-no-world-database-ports",
        "security-group-no-world-all-ports", "security-group-no-world-ingress")}
    fired = {p: m for p, m in fired.items() if m}
    assert set(fired) == set(expected), fired
    for policy, fragments in expected.items():
        [message] = fired[policy]
        for fragment in fragments:
            assert fragment in message, (policy, message)


def test_stack_policy_pair_is_applied_per_urn(pack):
    site = res(BUCKET, "site", {"bucket": "site"})
    other = res(BUCKET, "plain", {"bucket": "plain"})
    website = link(res(WEBSITE, "site-web", {"indexDocument": {"suffix": "index.html"}}), "bucket", site)
    result = pack.analyze_stack([site, other, website])
    assert [d.urn for d in result.violations("s3-bucket-public-website")] == [site["urn"]]
    # The TLS-only finding is dropped for the website bucket only, not for the other bucket.
    assert [d.urn for d in result.violations("s3-bucket-tls-only")] == [other["urn"]]
    with pack.configured({"s3-bucket-public-website": "disabled"}):
        assert site["urn"] in [d.urn for d in pack.analyze_stack([site, other, website]).violations("s3-bucket-tls-only")]


def test_supersedes_validated_at_load():
    policies = pack_catalog.all_policies()
    with pytest.raises(MetadataError, match="do not exist"):
        pack_catalog.apply_supersedes(policies, {"no-such-policy": ("sns-topic-kms",)})
    bad = pack_catalog.apply_supersedes(policies, {"sns-topic-kms": ("no-such-policy",)})
    with pytest.raises(MetadataError, match="supersedes 'no-such-policy', which does not exist"):
        pack_catalog.validate(bad)
    cycle = pack_catalog.apply_supersedes(policies, {"sns-topic-encrypted": ("sns-topic-kms",)})
    with pytest.raises(MetadataError, match="cycle"):
        pack_catalog.validate(cycle)
    selfish = pack_catalog.apply_supersedes(policies, {"sns-topic-kms": ("sns-topic-kms",)})
    with pytest.raises(MetadataError, match="supersede itself"):
        pack_catalog.validate(selfish)
