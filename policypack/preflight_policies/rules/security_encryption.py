"""Encryption at rest and in transit beyond S3 and RDS: KMS keys, EBS, EFS, ElastiCache, OpenSearch,
Redshift, DocumentDB, Neptune, DynamoDB, SNS, SQS.
"""
from __future__ import annotations

from typing import Callable, List

from .. import resource_policy as resource_policy_reader
from .. import tokens as T
from ..helpers import (why, as_list, is_true, non_empty, not_false, property_policy, short_type,
                       truthy)
from ..model import Report, resource_policy, stack_policy
from ..resource import Resource, Stack, is_unknown
from ..model import not_applicable, unknown_during_preview

# -- KMS ------------------------------------------------------------------------------------------
KMS_ROTATION_DEFAULT = "KMS does not rotate a customer managed key's material automatically"


@resource_policy(
    name="kms-key-rotation",
    aws_default=KMS_ROTATION_DEFAULT,
    title="Symmetric KMS keys must rotate their key material automatically",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_7", "Prowler:kms_cmk_rotation_enabled"),
    types=(T.KMS_KEY,),
    remediation="Set enable_key_rotation=True (optionally rotation_period_in_days=90..2560) on aws.kms.Key "
                "(components.KmsKey does); asymmetric and HMAC keys cannot rotate and are not judged.",
)
def kms_key_rotation(r: Resource, report: Report) -> None:
    spec = r.peek("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
    usage = r.peek("keyUsage", "ENCRYPT_DECRYPT")
    if is_unknown(spec) or is_unknown(usage):
        unknown_during_preview("the key spec")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        not_applicable(f"{spec} keys do not support automatic rotation")
    rotation = r.peek("enableKeyRotation", False)
    if is_unknown(rotation):
        unknown_during_preview("enableKeyRotation")
    if rotation is not True:
        report(f"KMS key '{r.name}' never rotates its key material "
               f"{why(r, 'enableKeyRotation', KMS_ROTATION_DEFAULT)}; set enable_key_rotation=True "
               f"(components.KmsKey does)")


@resource_policy(
    name="kms-key-deletion-window",
    title="KMS keys must wait the full deletion window (30 days by default) before they are destroyed",
    checklist=("infra.iac", "infra.backups"), severity="medium",
    cross_references=("Prowler:kms_cmk_not_deleted_unintentionally",),
    types=(T.KMS_KEY, T.KMS_REPLICA_KEY),
    config={"minimumDays": {"type": "integer", "minimum": 7, "maximum": 30, "default": 30,
                            "description": "The shortest deletion window (days) a key may have."}},
    remediation="Remove deletion_window_in_days (AWS then waits 30 days) or set it to the configured minimum; a "
                "key deleted by mistake makes everything encrypted with it unreadable for good.",
)
def kms_key_deletion_window(r: Resource, report: Report) -> None:
    days = r.peek("deletionWindowInDays", 30)
    if is_unknown(days):
        unknown_during_preview("deletionWindowInDays")
    minimum = int(r.config.get("minimumDays", 30))
    if not isinstance(days, (int, float)) or days < minimum:
        shown = f"{days:g}" if isinstance(days, (int, float)) else repr(days)
        report(f"{short_type(r.type)} '{r.name}' can be destroyed {shown} days after deletion is scheduled; set "
               f"deletion_window_in_days to at least {minimum} so a mistaken delete can be cancelled")


@resource_policy(
    name="kms-key-policy-not-public",
    title="KMS key policies must not allow any principal without a condition",
    checklist=("security.encryption", "security.iam"), severity="critical",
    cross_references=("Checkov:CKV_AWS_33", "Prowler:kms_key_not_publicly_accessible"),
    types=(T.KMS_KEY, T.KMS_REPLICA_KEY, T.KMS_KEY_POLICY),
    remediation="Replace \"Principal\": \"*\" / {\"AWS\": \"*\"} in the key policy with the account root or role "
                "ARNs, or add a Condition such as kms:CallerAccount or aws:PrincipalOrgID.",
)
def kms_key_policy_not_public(r: Resource, report: Report) -> None:
    grant = resource_policy_reader.first_public_grant(r.peek("policy"))
    if grant:
        report(f"{short_type(r.type)} '{r.name}' key policy {grant.describe()}; name the principals or add a "
               f"condition such as kms:CallerAccount or aws:PrincipalOrgID")


# -- EBS ------------------------------------------------------------------------------------------
def _instance_devices(r: Resource) -> List[tuple]:
    devices = [("root volume", r.peek("rootBlockDevice.encrypted"))]
    for i, device in enumerate(as_list(r.peek("ebsBlockDevices"))):
        if isinstance(device, dict):
            devices.append((f"volume {device.get('deviceName') or i}", device.get("encrypted")))
    return devices


def _launch_template_devices(r: Resource) -> List[tuple]:
    devices = []
    for i, mapping in enumerate(as_list(r.peek("blockDeviceMappings"))):
        if isinstance(mapping, dict) and isinstance(mapping.get("ebs"), dict):
            devices.append((f"volume {mapping.get('deviceName') or i}", mapping["ebs"].get("encrypted")))
    return devices


def _volume_devices(r: Resource) -> List[tuple]:
    return [("volume", r.peek("encrypted"))]


_EBS_CONFIG = {"accountEncryptionByDefault": {
    "type": "boolean", "default": False,
    "description": "Set true when EBS encryption by default is on for the account and region outside this stack "
                   "(`preflight audit` verifies it); new volumes are then encrypted whatever the inputs say."}}


def _ebs_policy(*, name: str, title: str, types: tuple, devices: Callable[[Resource], List[tuple]],
                cross_references: tuple, remediation: str):
    """A stack policy: volumes must be encrypted unless EBS encryption by default is on for the account."""
    @stack_policy(name=name, title=title, checklist="security.encryption", severity="high",
                  cross_references=cross_references, types=types + (T.EBS_ENCRYPTION_BY_DEFAULT,), config=_EBS_CONFIG,
                  remediation=remediation)
    def check(stack: Stack, report: Report) -> None:
        if stack.config.get("accountEncryptionByDefault"):
            return
        defaults = [d.peek("enabled", True) for d in stack.of_type(T.EBS_ENCRYPTION_BY_DEFAULT)]
        if any(d is True or is_unknown(d) for d in defaults):
            return
        for r in stack.of_type(*types):
            bare = [where for where, encrypted in devices(r) if not truthy(encrypted) and not is_unknown(encrypted)]
            if bare:
                report(f"{short_type(r.type)} '{r.name}' leaves its {', '.join(bare)} unencrypted; set encrypted=True "
                       f"(with kms_key_id) or add aws.ebs.EncryptionByDefault(enabled=True) to the stack", r.urn)
    return check


ebs_volume_encrypted = _ebs_policy(
    name="ebs-volume-encrypted", title="EBS volumes must be encrypted",
    types=(T.EBS_VOLUME,), devices=_volume_devices,
    cross_references=("Checkov:CKV_AWS_3", "Prowler:ec2_ebs_volume_encryption"),
    remediation="Set encrypted=True and kms_key_id=key.arn on aws.ebs.Volume, or turn on "
                "aws.ebs.EncryptionByDefault(enabled=True) for the account.",
)

ec2_instance_volumes_encrypted = _ebs_policy(
    name="ec2-instance-volumes-encrypted", title="EC2 instance root and EBS block devices must be encrypted",
    types=(T.EC2_INSTANCE,), devices=_instance_devices,
    cross_references=("Checkov:CKV_AWS_8", "Prowler:ec2_ebs_volume_encryption"),
    remediation="Set root_block_device={'encrypted': True} and encrypted=True on every ebs_block_devices entry "
                "of aws.ec2.Instance, or turn on aws.ebs.EncryptionByDefault(enabled=True).",
)

launch_template_volumes_encrypted = _ebs_policy(
    name="launch-template-volumes-encrypted", title="Launch template block devices must be encrypted",
    types=(T.EC2_LAUNCH_TEMPLATE,), devices=_launch_template_devices,
    cross_references=("Checkov:CKV_AWS_8", "Prowler:ec2_ebs_volume_encryption"),
    remediation="Set ebs={'encrypted': 'true', 'kms_key_id': key.arn} on every block_device_mappings entry of "
                "aws.ec2.LaunchTemplate, or turn on aws.ebs.EncryptionByDefault(enabled=True).",
)

ebs_encryption_by_default = property_policy(
    name="ebs-encryption-by-default",
    title="EBS encryption by default must not be turned off",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_106", "Prowler:ec2_ebs_default_encryption"),
    types=T.EBS_ENCRYPTION_BY_DEFAULT, path="enabled", expect=not_false, missing=True,
    message="{type} '{name}' turns EBS encryption by default off; set enabled=True",
    remediation="Set enabled=True (the default) on aws.ebs.EncryptionByDefault, optionally with "
                "aws.ebs.DefaultKmsKey pointing at your key.",
)

# -- EFS, ElastiCache, OpenSearch, warehouses and graph stores ------------------------------------
efs_encrypted = property_policy(
    name="efs-encrypted",
    title="EFS file systems must be encrypted at rest",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_42", "Prowler:efs_encryption_at_rest_enabled"),
    types=T.EFS_FILE_SYSTEM, path="encrypted", expect=is_true,
    message="EFS file system '{name}' is not encrypted at rest; set encrypted=True with kms_key_id "
            "(it cannot be changed later: the file system is replaced)",
    remediation="Set encrypted=True and kms_key_id=key.arn on aws.efs.FileSystem; an existing file system must be "
                "copied to a new encrypted one (AWS DataSync or AWS Backup restore).",
    aws_default="the EFS API and the provider create an unencrypted file system",
)


ELASTICACHE_AT_REST_DEFAULT = ("ElastiCache leaves a Redis OSS replication group unencrypted at rest; only Valkey "
                               "groups are encrypted by default")


@resource_policy(
    name="elasticache-encryption-at-rest",
    aws_default=ELASTICACHE_AT_REST_DEFAULT,
    title="ElastiCache replication groups must encrypt data at rest",
    checklist="security.encryption", severity="high",
    types=(T.ELASTICACHE_REPLICATION_GROUP,),
    remediation="Set at_rest_encryption_enabled=True and kms_key_id=key.arn on aws.elasticache.ReplicationGroup "
                "(valkey encrypts by default; redis does not).",
)
def elasticache_encryption_at_rest(r: Resource, report: Report) -> None:
    engine = r.peek("engine", "redis")
    value = r.peek("atRestEncryptionEnabled")
    if is_unknown(value) or (value is None and is_unknown(engine)):
        unknown_during_preview("the encryption setting")
    if value is None:
        value = engine == "valkey"
    if not truthy(value):
        report(f"ElastiCache replication group '{r.name}' stores data unencrypted at rest "
               f"{why(r, 'atRestEncryptionEnabled', ELASTICACHE_AT_REST_DEFAULT)}; set "
               f"at_rest_encryption_enabled=True with kms_key_id")


elasticache_encryption_in_transit = property_policy(
    name="elasticache-encryption-in-transit",
    title="ElastiCache replication groups must encrypt traffic in transit (TLS)",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_30",),
    types=T.ELASTICACHE_REPLICATION_GROUP, path="transitEncryptionEnabled", expect=is_true,
    message="ElastiCache replication group '{name}' accepts plain-text connections; set "
            "transit_encryption_enabled=True (and auth_token or RBAC user groups)",
    remediation="Set transit_encryption_enabled=True on aws.elasticache.ReplicationGroup (engine 7.0.5+ can switch "
                "without replacement using transit_encryption_mode='preferred' then 'required').",
    aws_default="ElastiCache accepts plain-text connections to a replication group",
)

opensearch_encryption_at_rest = property_policy(
    name="opensearch-encryption-at-rest",
    title="OpenSearch and Elasticsearch domains must encrypt data at rest",
    checklist="security.encryption", severity="high",
    types=T.SEARCH_DOMAINS, path="encryptAtRest.enabled", expect=is_true,
    message="{type} '{name}' stores indices unencrypted; set encrypt_at_rest={{'enabled': True, "
            "'kms_key_id': key.arn}}",
    remediation="Set encrypt_at_rest={'enabled': True, 'kms_key_id': key.arn} on aws.opensearch.Domain (or the legacy "
                "aws.elasticsearch.Domain).",
    aws_default="OpenSearch Service (and the legacy Elasticsearch Service) does not encrypt a domain at rest",
)

opensearch_node_to_node_encryption = property_policy(
    name="opensearch-node-to-node-encryption",
    title="OpenSearch and Elasticsearch domains must encrypt traffic between nodes",
    checklist="security.encryption", severity="medium",
    types=T.SEARCH_DOMAINS, path="nodeToNodeEncryption.enabled", expect=is_true,
    message="{type} '{name}' sends data between nodes in plain text; set "
            "node_to_node_encryption={{'enabled': True}}",
    remediation="Set node_to_node_encryption={'enabled': True} on aws.opensearch.Domain (or the legacy "
                "aws.elasticsearch.Domain).",
    aws_default=("OpenSearch Service (and the legacy Elasticsearch Service) sends traffic between a domain's nodes "
                 "unencrypted"),
)

opensearch_enforce_https = property_policy(
    name="opensearch-enforce-https",
    title="OpenSearch and Elasticsearch domains must require HTTPS",
    checklist=("security.encryption", "security.api"), severity="high",
    cross_references=("Checkov:CKV_AWS_83", "Prowler:opensearch_service_domains_https_communications_enforced"),
    types=T.SEARCH_DOMAINS, path="domainEndpointOptions.enforceHttps", expect=not_false, missing=True,
    message="{type} '{name}' accepts plain HTTP; set domain_endpoint_options enforce_https=True",
    remediation="Set domain_endpoint_options={'enforce_https': True, 'tls_security_policy': "
                "'Policy-Min-TLS-1-2-PFS-2023-10'} on aws.opensearch.Domain (or the legacy aws.elasticsearch.Domain).",
)

# Security Hub's OpenSearch.8 and ES.8 ask for the latest policy, TLS 1.2 with forward-secret ciphers only.
_LATEST_TLS_POLICY = "Policy-Min-TLS-1-2-PFS-2023-10"
TLS_POLICY_DEFAULT = ("the OpenSearch API documents no default TLS security policy, so the domain's minimum TLS "
                      "version is AWS's choice, not yours; Policy-Min-TLS-1-0-2019-07 accepts TLS 1.0")


@resource_policy(
    name="opensearch-tls-1-2",
    aws_default=TLS_POLICY_DEFAULT,
    title="OpenSearch and Elasticsearch domains must use the latest TLS security policy (TLS 1.2+, forward secrecy)",
    checklist="security.encryption", severity="medium",
    types=T.SEARCH_DOMAINS,
    config={"allowedPolicies": {"type": "array", "items": {"type": "string"}, "default": [_LATEST_TLS_POLICY],
                                "description": "TLS security policies a domain may use. Add "
                                               "'Policy-Min-TLS-1-2-2019-07' to accept TLS 1.2 without forward "
                                               "secrecy (Security Hub OpenSearch.8 / ES.8 then fail)."}},
    remediation="Set domain_endpoint_options={'enforce_https': True, 'tls_security_policy': "
                "'Policy-Min-TLS-1-2-PFS-2023-10'} on aws.opensearch.Domain (or the legacy aws.elasticsearch.Domain); "
                "it accepts only TLS 1.2+ with forward-secret cipher suites, which every current client supports.",
)
def opensearch_tls_policy(r: Resource, report: Report) -> None:
    policy = r.peek("domainEndpointOptions.tlsSecurityPolicy")
    if is_unknown(policy):
        unknown_during_preview("domainEndpointOptions.tlsSecurityPolicy")
    allowed = [str(p) for p in (r.config.get("allowedPolicies") or [_LATEST_TLS_POLICY])]
    if policy not in allowed:
        report(f"{short_type(r.type)} '{r.name}' does not use the latest TLS security policy "
               f"{why(r, 'domainEndpointOptions.tlsSecurityPolicy', TLS_POLICY_DEFAULT)}; set domain_endpoint_options "
               f"tls_security_policy={allowed[0]!r}")


redshift_encrypted = property_policy(
    name="redshift-cluster-encrypted",
    title="Redshift clusters must be encrypted at rest",
    checklist="security.encryption", severity="high",
    types=T.REDSHIFT_CLUSTER, path="encrypted", expect=not_false, missing=True,
    message="Redshift cluster '{name}' turns encryption off; set encrypted=True with kms_key_id",
    remediation="Remove encrypted=False (the default is True) and set kms_key_id=key.arn on aws.redshift.Cluster.",
)

docdb_encrypted = property_policy(
    name="docdb-cluster-encrypted",
    title="DocumentDB clusters must encrypt storage",
    checklist="security.encryption", severity="high",
    types=T.DOCDB_CLUSTER, path="storageEncrypted", expect=is_true,
    message="DocumentDB cluster '{name}' stores data unencrypted; set storage_encrypted=True with kms_key_id",
    remediation="Set storage_encrypted=True and kms_key_id=key.arn on aws.docdb.Cluster (existing clusters: "
                "restore a snapshot into an encrypted cluster).",
    aws_default=("DocumentDB creates an unencrypted cluster through the API or CLI; only the console encrypts by "
                 "default"),
)

neptune_encrypted = property_policy(
    name="neptune-cluster-encrypted",
    title="Neptune clusters must encrypt storage",
    checklist="security.encryption", severity="high",
    types=T.NEPTUNE_CLUSTER, path="storageEncrypted", expect=is_true,
    message="Neptune cluster '{name}' stores data unencrypted; set storage_encrypted=True with kms_key_arn",
    remediation="Set storage_encrypted=True and kms_key_arn=key.arn on aws.neptune.Cluster.",
    aws_default="Neptune creates an unencrypted cluster",
)


DYNAMODB_SSE_DEFAULT = ("DynamoDB encrypts every table at rest, but with an AWS owned key that no key policy or "
                        "CloudTrail log of yours covers")


@resource_policy(
    name="dynamodb-kms-cmk",
    aws_default=DYNAMODB_SSE_DEFAULT,
    title="DynamoDB tables must be encrypted with a customer managed KMS key",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_119", "Prowler:dynamodb_tables_kms_cmk_encryption_enabled"),
    types=(T.DYNAMODB_TABLE,),
    remediation="Set server_side_encryption={'enabled': True, 'kms_key_arn': key.arn} on aws.dynamodb.Table, so "
                "you control who can decrypt the data and can audit each use in CloudTrail.",
)
def dynamodb_kms_cmk(r: Resource, report: Report) -> None:
    enabled = r.peek("serverSideEncryption.enabled")
    key = r.peek("serverSideEncryption.kmsKeyArn")
    if is_unknown(enabled) or is_unknown(key):
        unknown_during_preview("server-side encryption")
    if enabled is not True or not key:
        report(f"DynamoDB table '{r.name}' is encrypted with a key you do not control "
               f"{why(r, 'serverSideEncryption.kmsKeyArn', DYNAMODB_SSE_DEFAULT, 'server_side_encryption.kms_key_arn')}"
               f"; "
               f"set server_side_encryption with "
               f"enabled=True and kms_key_arn (a customer managed key)")


sns_topic_encrypted = property_policy(
    name="sns-topic-encrypted",
    title="SNS topics must be encrypted with KMS",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_26", "Prowler:sns_topics_kms_encryption_at_rest_enabled"),
    types=T.SNS_TOPIC, path="kmsMasterKeyId", expect=non_empty,
    message="SNS topic '{name}' stores messages unencrypted; set kms_master_key_id to a KMS key",
    remediation="Set kms_master_key_id=key.id (or 'alias/aws/sns') on aws.sns.Topic.",
    aws_default="SNS turns server-side encryption on only for a topic that names a KMS key",
)


@resource_policy(
    name="sqs-queue-encrypted",
    aws_default=("SQS encrypts a new queue with SQS-owned keys (SSE-SQS) by default since October 2022; "
                 "sqs_managed_sse_enabled=False without a kms_master_key_id turns that off"),
    title="SQS queues must not turn server-side encryption off",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_27",),
    types=(T.SQS_QUEUE,),
    remediation="Set kms_master_key_id=key.id on aws.sqs.Queue, or leave sqs_managed_sse_enabled at its default "
                "(True); never set it False.",
)
def sqs_queue_encrypted(r: Resource, report: Report) -> None:
    key = r.peek("kmsMasterKeyId")
    managed = r.peek("sqsManagedSseEnabled")
    if is_unknown(key) or is_unknown(managed):
        unknown_during_preview("encryption settings", "are")
    if not key and managed is False:
        report(f"SQS queue '{r.name}' turns server-side encryption off; set kms_master_key_id or remove "
               f"sqs_managed_sse_enabled=False")


POLICIES = [
    kms_key_rotation,
    kms_key_deletion_window,
    kms_key_policy_not_public,
    ebs_volume_encrypted,
    ec2_instance_volumes_encrypted,
    launch_template_volumes_encrypted,
    ebs_encryption_by_default,
    efs_encrypted,
    elasticache_encryption_at_rest,
    elasticache_encryption_in_transit,
    opensearch_encryption_at_rest,
    opensearch_node_to_node_encryption,
    opensearch_enforce_https,
    opensearch_tls_policy,
    redshift_encrypted,
    docdb_encrypted,
    neptune_encrypted,
    dynamodb_kms_cmk,
    sns_topic_encrypted,
    sqs_queue_encrypted,
]


# -- issue 13: streams --------------------------------------------------------------------------------
kinesis_stream_encrypted = property_policy(
    name="kinesis-stream-encrypted",
    title="Kinesis data streams must be encrypted with KMS",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_43", "Prowler:kinesis_stream_encrypted_at_rest"),
    types=T.KINESIS_STREAM, path="encryptionType", expect=lambda v: v == "KMS", missing="NONE",
    message="Kinesis stream '{name}' stores records unencrypted; set "
            "encryption_type='KMS' with kms_key_id",
    remediation="Set encryption_type='KMS' and kms_key_id=key.arn (or 'alias/aws/kinesis') on aws.kinesis.Stream.",
    aws_default="the default encryption type of Kinesis Data Streams is NONE",
)


FIREHOSE_SSE_DEFAULT = ("Firehose turns server-side encryption off by default for the records it buffers from "
                        "Direct PUT")


@resource_policy(
    name="firehose-encrypted",
    aws_default=FIREHOSE_SSE_DEFAULT,
    title="Firehose delivery streams that take direct puts must encrypt records at rest",
    checklist="security.encryption", severity="medium",
    cross_references=("Checkov:CKV_AWS_240", "Prowler:firehose_stream_encrypted_at_rest"),
    types=(T.FIREHOSE_STREAM,),
    remediation="Set server_side_encryption={'enabled': True, 'key_type': 'CUSTOMER_MANAGED_CMK', 'key_arn': key.arn} "
                "on aws.kinesis.FirehoseDeliveryStream (a stream fed by a Kinesis stream inherits that stream's "
                "encryption).",
)
def firehose_encrypted(r: Resource, report: Report) -> None:
    if r.peek("kinesisSourceConfiguration") is not None or r.peek("mskSourceConfiguration") is not None:
        not_applicable("records come from an encrypted source stream")
    enabled = r.peek("serverSideEncryption.enabled", False)
    if is_unknown(enabled):
        unknown_during_preview("server_side_encryption")
    if enabled is not True:
        report(f"delivery stream '{r.name}' buffers records unencrypted "
               f"{why(r, 'serverSideEncryption.enabled', FIREHOSE_SSE_DEFAULT, 'server_side_encryption.enabled')}; "
               f"set server_side_encryption enabled=True "
               f"with a KMS key")


@resource_policy(
    name="msk-encryption-in-transit",
    title="MSK clusters must encrypt traffic between clients and brokers and inside the cluster",
    checklist="security.encryption", severity="high",
    cross_references=("Checkov:CKV_AWS_81", "Prowler:kafka_cluster_in_transit_encryption_enabled"),
    types=(T.MSK_CLUSTER,),
    remediation="Set encryption_info={'encryption_in_transit': {'client_broker': 'TLS', 'in_cluster': True}, "
                "'encryption_at_rest_kms_key_arn': key.arn} on aws.msk.Cluster.",
)
def msk_encryption_in_transit(r: Resource, report: Report) -> None:
    client = r.peek("encryptionInfo.encryptionInTransit.clientBroker", "TLS")
    in_cluster = r.peek("encryptionInfo.encryptionInTransit.inCluster", True)
    if is_unknown(client) or is_unknown(in_cluster):
        unknown_during_preview("encryption_in_transit")
    problems = []
    if client in ("PLAINTEXT", "TLS_PLAINTEXT"):
        problems.append(f"client_broker {client} accepts plain-text clients")
    if in_cluster is False:
        problems.append("in_cluster=False sends data between brokers in plain text")
    if problems:
        report(f"MSK cluster '{r.name}': {'; '.join(problems)}; set client_broker='TLS' and in_cluster=True")


POLICIES += [kinesis_stream_encrypted, firehose_encrypted, msk_encryption_in_transit]


# -- Lambda: environment variables under a key you control ----------------------------------------------
from ..model import ADVISORY_EVERYWHERE  # noqa: E402


LAMBDA_ENV_KMS_DEFAULT = ("Lambda encrypts environment variables with its default service key (an AWS managed key), "
                          "not a key you control, unless kms_key_arn is set")


@resource_policy(
    name="lambda-env-kms",
    aws_default=LAMBDA_ENV_KMS_DEFAULT,
    title="Lambda functions with environment variables should encrypt them with a customer managed KMS key",
    checklist="security.encryption", severity="low", levels=ADVISORY_EVERYWHERE,
    cross_references=("Checkov:CKV_AWS_173", "Prowler:awslambda_function_env_vars_not_encrypted_with_cmk"),
    types=T.LAMBDA_FUNCTION,
    remediation="Set kms_key_arn=key.arn on aws.lambda_.Function (the execution role needs kms:Decrypt on it; "
                "components.ModelGateway does); keep secrets in Secrets Manager, not in environment variables.",
)
def lambda_env_kms(r: Resource, report: Report) -> None:
    variables = r.peek("environment.variables")
    key = r.peek("kmsKeyArn")
    if is_unknown(key) or is_unknown(variables):
        unknown_during_preview("kms_key_arn and environment", "are")
    if not non_empty(variables) or non_empty(key):
        return  # no variables to encrypt (AWS then ignores kms_key_arn), or a key of yours
    report(f"function '{r.name}' encrypts its environment variables (and the configuration they carry) with a "
           f"key you do not control {why(r, 'kmsKeyArn', LAMBDA_ENV_KMS_DEFAULT)}; set kms_key_arn")


POLICIES += [lambda_env_kms]
