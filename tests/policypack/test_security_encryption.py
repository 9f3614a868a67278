"""Encryption policies through the Analyzer protocol: a compliant resource, a mutation that fails."""
import json

import pytest

from tests.conftest import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE, res

KEY = "aws:kms/key:Key"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
DOMAIN = "aws:opensearch/domain:Domain"
ES_DOMAIN = "aws:elasticsearch/domain:Domain"
TABLE = "aws:dynamodb/table:Table"

GOOD_DOMAIN = {"encryptAtRest": {"enabled": True}, "nodeToNodeEncryption": {"enabled": True},
               "domainEndpointOptions": {"enforceHttps": True, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}}
OPEN_KEY_POLICY = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]}
OWN_KEY_POLICY = {"Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}}]}

# (policy, type, compliant inputs, failing inputs)
CASES = [
    ("kms-key-rotation", KEY, {"enableKeyRotation": True}, {}),
    ("kms-key-deletion-window", KEY, {}, {"deletionWindowInDays": 7}),
    ("kms-key-deletion-window", REPLICA_KEY, {"deletionWindowInDays": 30}, {"deletionWindowInDays": 10}),
    ("kms-key-policy-not-public", KEY, {"policy": json.dumps(OWN_KEY_POLICY)}, {"policy": json.dumps(OPEN_KEY_POLICY)}),
    ("kms-key-policy-not-public", KEY_POLICY, {"policy": OWN_KEY_POLICY}, {"policy": OPEN_KEY_POLICY}),
    ("ebs-encryption-by-default", "aws:ebs/encryptionByDefault:EncryptionByDefault", {}, {"enabled": False}),
    ("efs-encrypted", "aws:efs/fileSystem:FileSystem", {"encrypted": True}, {}),
    ("elasticache-encryption-at-rest", RG, {"atRestEncryptionEnabled": True}, {"engine": "redis"}),
    ("elasticache-encryption-at-rest", RG, {"engine": "valkey"}, {"engine": "valkey", "atRestEncryptionEnabled": False}),
    ("elasticache-encryption-in-transit", RG, {"transitEncryptionEnabled": True}, {}),
    ("opensearch-encryption-at-rest", DOMAIN, GOOD_DOMAIN, {**GOOD_DOMAIN, "encryptAtRest": {"enabled": False}}),
    ("opensearch-node-to-node-encryption", DOMAIN, GOOD_DOMAIN, {}),
    ("opensearch-enforce-https", DOMAIN, {}, {"domainEndpointOptions": {"enforceHttps": False}}),
    ("opensearch-tls-1-2", DOMAIN, GOOD_DOMAIN,
     {"domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}}),
    ("opensearch-tls-1-2", DOMAIN, GOOD_DOMAIN,
     {"domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}}),
    ("opensearch-encryption-at-rest", ES_DOMAIN, GOOD_DOMAIN, {}),
    ("opensearch-node-to-node-encryption", ES_DOMAIN, GOOD_DOMAIN, {"nodeToNodeEncryption": {"enabled": False}}),
    ("opensearch-enforce-https", ES_DOMAIN, GOOD_DOMAIN, {"domainEndpointOptions": {"enforceHttps": False}}),
    ("opensearch-tls-1-2", ES_DOMAIN, GOOD_DOMAIN, {}),
    ("redshift-cluster-encrypted", "aws:redshift/cluster:Cluster", {}, {"encrypted": False}),
    ("docdb-cluster-encrypted", "aws:docdb/cluster:Cluster", {"storageEncrypted": True}, {}),
    ("neptune-cluster-encrypted", "aws:neptune/cluster:Cluster", {"storageEncrypted": True}, {"storageEncrypted": False}),
    ("dynamodb-kms-cmk", TABLE, {"serverSideEncryption": {"enabled": True, "kmsKeyArn": "arn:aws:kms:k"}},
     {"serverSideEncryption": {"enabled": True}}),
    ("sns-topic-encrypted", "aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/app"}, {}),
    ("sqs-queue-encrypted", "aws:sqs/queue:Queue", {}, {"sqsManagedSseEnabled": False}),
]


@pytest.mark.parametrize("policy,type_,good,bad", CASES, ids=[f"{c[0]}-{c[1].split(':')[-1]}" for c in CASES])
def test_policy_passes_and_fails(pack, policy, type_, good, bad):
    # sns-topic-encrypted is superseded by sns-topic-kms on the same topic: it is seen with that one off.
    config = {"sns-topic-kms": "disabled"} if policy == "sns-topic-encrypted" else {}
    with pack.configured(config):
        assert not pack.analyze(type_, good, name="good").violations(policy)
        [d] = pack.analyze(type_, bad, name="bad").violations(policy)
        assert d.level == "mandatory" and "'bad'" in d.message


def test_kms_rotation_skips_asymmetric_keys_and_unknowns(pack):
    result = pack.analyze(KEY, {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"})
    assert not result.violations("kms-key-rotation") and "RSA_2048" in result.not_applicable["kms-key-rotation"]
    result = pack.analyze(KEY, {"enableKeyRotation": UNKNOWN_BOOLEAN_VALUE})
    assert not result.violations("kms-key-rotation") and "kms-key-rotation" in result.not_applicable


def test_kms_deletion_window_is_configurable(pack):
    with pack.configured({"kms-key-deletion-window": {"minimumDays": 14}}):
        assert not pack.analyze(KEY, {"deletionWindowInDays": 14}).violations("kms-key-deletion-window")
        [d] = pack.analyze(KEY, {"deletionWindowInDays": 10}).violations("kms-key-deletion-window")
        assert "at least 14" in d.message


def test_unknown_nested_input_never_misfires(pack):
    result = pack.analyze(DOMAIN, {**GOOD_DOMAIN, "encryptAtRest": {"enabled": UNKNOWN_BOOLEAN_VALUE}})
    assert not result.violations("opensearch-encryption-at-rest")
    assert "unknown during preview" in result.not_applicable["opensearch-encryption-at-rest"]
    assert not pack.analyze(KEY, {"policy": UNKNOWN_STRING_VALUE}).violations("kms-key-policy-not-public")


INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"


@pytest.mark.parametrize("policy,type_,good,bad", [
    ("ebs-volume-encrypted", VOLUME, {"encrypted": True}, {"size": 10}),
    ("ec2-instance-volumes-encrypted", INSTANCE,
     {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}]},
     {"rootBlockDevice": {"encrypted": True}, "ebsBlockDevices": [{"deviceName": "/dev/sdf"}]}),
    ("ec2-instance-volumes-encrypted", INSTANCE, {"rootBlockDevice": {"encrypted": True}}, {}),
    ("launch-template-volumes-encrypted", TEMPLATE,
     {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]},
     {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]}),
])
def test_ebs_volumes(pack, policy, type_, good, bad):
    assert not pack.analyze_stack([res(type_, "good", good)]).violations(policy)
    [d] = pack.analyze_stack([res(type_, "bad", bad)]).violations(policy)
    assert d.urn.endswith("::bad")
    # EBS encryption by default in the stack (or declared for the account) covers every volume.
    assert not pack.analyze_stack([res(type_, "bad", bad), res(BY_DEFAULT, "ebs", {})]).violations(policy)
    assert pack.analyze_stack([res(type_, "bad", bad), res(BY_DEFAULT, "ebs", {"enabled": False})]).violations(policy)
    with pack.configured({policy: {"accountEncryptionByDefault": True}}):
        assert not pack.analyze_stack([res(type_, "bad", bad)]).violations(policy)


def test_encryption_is_advisory_in_dev(dev_pack):
    [d] = dev_pack.analyze("aws:efs/fileSystem:FileSystem", {}).violations("efs-encrypted")
    assert d.level == "advisory"


@pytest.mark.parametrize("type_", [DOMAIN, ES_DOMAIN])
def test_tls_policy_is_the_latest_unless_configured(pack, type_):
    policy = "opensearch-tls-1-2"
    older = {"domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"}}
    [d] = pack.analyze(type_, older, name="search").violations(policy)
    assert "'Policy-Min-TLS-1-2-2019-07'" in d.message and "Policy-Min-TLS-1-2-PFS-2023-10" in d.message
    [d] = pack.analyze(type_, {}, name="search").violations(policy)
    assert "tls_security_policy not set" in d.message
    with pack.configured({policy: {"allowedPolicies": ["Policy-Min-TLS-1-2-PFS-2023-10",
                                                       "Policy-Min-TLS-1-2-2019-07"]}}):
        assert not pack.analyze(type_, older).violations(policy)
        assert pack.analyze(type_, {"domainEndpointOptions": {"tlsSecurityPolicy": "Policy-Min-TLS-1-0-2019-07"}}
                            ).violations(policy)
    result = pack.analyze(type_, {"domainEndpointOptions": {"tlsSecurityPolicy": UNKNOWN_STRING_VALUE}})
    assert not result.violations(policy) and policy in result.not_applicable
