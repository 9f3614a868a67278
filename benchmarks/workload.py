"""The resources the benchmarks send: a realistic mix, as the engine would record it for a service stack.

One "unit" is what one small service typically declares: an S3 bucket with its pulumi-aws 7.x
split-out configuration (encryption, versioning, public access block, ownership, policy), a
v6-era bucket with the same settings inline (the shape older programs and AWSGuard understand),
an RDS instance, a DynamoDB table, an EC2 instance, a security group, an IAM role + policy +
attachment, a Lambda function, a log group and a KMS key. Every few units something is insecure
(so packs report diagnostics, as they do on real stacks), some inputs are secrets, and some are
unknown (preview). AWSGuard (pulumi-aws 4.x era) has no notion of the v7 split-out S3 resources:
it judges the inline bucket, RDS, DynamoDB, EC2 and KMS parts of the same stream.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "prod"
PROJECT = "bench"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

PROVIDER = {"type": "pulumi:providers:aws", "name": "default",
            "urn": f"urn:pulumi:{STACK}::{PROJECT}::pulumi:providers:aws::default",
            "props": {"region": REGION, "allowedAccountIds": [ACCOUNT], "version": "7.10.0"}}


def secret(value: Any) -> Dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def _res(type_: str, name: str, props: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    r = {"type": type_, "name": name, "urn": _urn(type_, name), "props": props, "custom": True,
         "providerResource": PROVIDER, "dependencies": [], "propertyDependencies": {}}
    r.update(extra)
    return r


def _ref(source: Dict[str, Any], prop: str, target: Dict[str, Any]) -> None:
    """source's input `prop` comes from target (value + property dependency, as the engine records)."""
    source["dependencies"].append(target["urn"])
    source["propertyDependencies"].setdefault(prop, []).append(target["urn"])


def _doc(*statements: Dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def unit(i: int) -> List[Dict[str, Any]]:
    """The resources of service number i (17 resources)."""
    sloppy = i % 5 == 4          # one service in five gets something wrong
    previewing = i % 7 == 3      # some inputs not yet known (computed from other resources)
    svc = f"svc{i}"
    tags = {"service": svc, "owner": "team-a", "environment": STACK, "cost-center": "cc-42"}
    key = _res("aws:kms/key:Key", f"{svc}-key", {
        "description": f"{svc} data key", "enableKeyRotation": not sloppy, "deletionWindowInDays": 30,
        "tags": tags})
    key_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{i:08d}-0000-4000-8000-000000000000"

    bucket_name = f"{svc}-data-{i:05d}"
    bucket = _res("aws:s3/bucket:Bucket", f"{svc}-data", {"bucket": bucket_name, "forceDestroy": False,
                                                        "tags": tags}, protect=True)
    sse = _res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
               f"{svc}-data-sse", {"bucket": bucket_name, "rules": [{
                   "applyServerSideEncryptionByDefault": {
                       "sseAlgorithm": "AES256" if sloppy else "aws:kms",
                       "kmsMasterKeyId": UNKNOWN_STRING if previewing else key_arn},
                   "bucketKeyEnabled": True}]})
    versioning = _res("aws:s3/bucketVersioning:BucketVersioning", f"{svc}-data-versioning", {
        "bucket": bucket_name, "versioningConfiguration": {"status": "Suspended" if sloppy else "Enabled"}})
    pab = _res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{svc}-data-pab", {
        "bucket": bucket_name, "blockPublicAcls": True, "blockPublicPolicy": True,
        "ignorePublicAcls": True, "restrictPublicBuckets": not sloppy})
    ownership = _res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", f"{svc}-data-ownership", {
        "bucket": bucket_name, "rule": {"objectOwnership": "BucketOwnerEnforced"}})
    bucket_policy = _res("aws:s3/bucketPolicy:BucketPolicy", f"{svc}-data-policy", {
        "bucket": bucket_name, "policy": _doc({
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket_name}", f"arn:aws:s3:::{bucket_name}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}})})
    for child in (sse, versioning, pab, ownership, bucket_policy):
        _ref(child, "bucket", bucket)
    _ref(sse, "rules", key)

    # The same bucket as a pulumi-aws <= 6 program declares it: everything inline.
    legacy = _res("aws:s3/bucket:Bucket", f"{svc}-legacy", {
        "bucket": f"{svc}-legacy-{i:05d}", "acl": "public-read" if sloppy else "private",
        "versioning": {"enabled": not sloppy, "mfaDelete": False},
        "serverSideEncryptionConfiguration": {"rule": {"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}}},
        "loggings": [{"targetBucket": bucket_name, "targetPrefix": "legacy/"}],
        "tags": tags})

    db = _res("aws:rds/instance:Instance", f"{svc}-db", {
        "engine": "postgres", "engineVersion": "16.3", "instanceClass": "db.t4g.medium",
        "allocatedStorage": 50, "storageType": "gp3", "storageEncrypted": not sloppy,
        "kmsKeyId": key_arn, "backupRetentionPeriod": 1 if sloppy else 14, "multiAz": True,
        "publiclyAccessible": False, "deletionProtection": not sloppy, "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": f"{svc}-db-final", "username": "app", "password": secret(f"pw-{i}-x7!"),
        "iamDatabaseAuthenticationEnabled": True, "autoMinorVersionUpgrade": True,
        "performanceInsightsEnabled": True, "monitoringInterval": 60, "copyTagsToSnapshot": True,
        "enabledCloudwatchLogsExports": ["postgresql", "upgrade"], "dbSubnetGroupName": f"{svc}-subnets",
        "vpcSecurityGroupIds": [UNKNOWN_STRING] if previewing else [f"sg-{i:08x}"], "tags": tags},
        protect=not sloppy)
    table = _res("aws:dynamodb/table:Table", f"{svc}-table", {
        "name": f"{svc}-items", "billingMode": "PAY_PER_REQUEST", "hashKey": "pk", "rangeKey": "sk",
        "attributes": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
        "pointInTimeRecovery": {"enabled": not sloppy},
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": key_arn},
        "deletionProtectionEnabled": True, "ttl": {"attributeName": "expires", "enabled": True},
        "tags": tags}, protect=True)
    sg = _res("aws:ec2/securityGroup:SecurityGroup", f"{svc}-sg", {
        "description": f"{svc} service", "vpcId": "vpc-0abc",
        "ingress": [{"protocol": "tcp", "fromPort": 22 if sloppy else 443, "toPort": 22 if sloppy else 443,
                     "cidrBlocks": ["0.0.0.0/0"] if sloppy else ["10.0.0.0/8"],
                     "description": "service traffic"}],
        "egress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}],
        "tags": tags})
    vm = _res("aws:ec2/instance:Instance", f"{svc}-vm", {
        "ami": "ami-0123456789abcdef0", "instanceType": "t3.medium",
        "subnetId": UNKNOWN_STRING if previewing else "subnet-0abc",
        "vpcSecurityGroupIds": [f"sg-{i:08x}"], "associatePublicIpAddress": sloppy,
        "monitoring": True, "ebsOptimized": True, "iamInstanceProfile": f"{svc}-profile",
        "metadataOptions": {"httpTokens": "optional" if sloppy else "required", "httpEndpoint": "enabled"},
        "rootBlockDevice": {"encrypted": not sloppy, "volumeSize": 30, "volumeType": "gp3"},
        "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True, "volumeSize": 100}],
        "userData": "#!/bin/bash\necho hello\n", "tags": tags})
    _ref(vm, "vpcSecurityGroupIds", sg)
    role = _res("aws:iam/role:Role", f"{svc}-role", {
        "name": f"{svc}-role", "assumeRolePolicy": _doc({
            "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        "maxSessionDuration": 3600, "tags": tags})
    policy = _res("aws:iam/policy:Policy", f"{svc}-policy", {
        "name": f"{svc}-policy", "description": f"{svc} access",
        "policy": _doc({"Effect": "Allow", "Action": "*" if sloppy else ["dynamodb:GetItem", "dynamodb:PutItem"],
                        "Resource": "*" if sloppy else f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{svc}-items"},
                       {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": key_arn}),
        "tags": tags})
    attachment = _res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"{svc}-attach", {
        "role": f"{svc}-role", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/{svc}-policy"})
    _ref(attachment, "role", role)
    _ref(attachment, "policyArn", policy)
    log_group = _res("aws:cloudwatch/logGroup:LogGroup", f"{svc}-logs", {
        "name": f"/aws/lambda/{svc}-fn", "retentionInDays": 0 if sloppy else 365,
        "kmsKeyId": key_arn, "tags": tags})
    fn = _res("aws:lambda/function:Function", f"{svc}-fn", {
        "name": f"{svc}-fn", "role": f"arn:aws:iam::{ACCOUNT}:role/{svc}-role", "runtime": "python3.12",
        "handler": "app.handler", "memorySize": 512, "timeout": 30, "architectures": ["arm64"],
        "code": {"4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7", "path": "./app"},
        "environment": {"variables": {"TABLE": f"{svc}-items", "API_KEY": secret(f"k-{i}")}},
        "tracingConfig": {"mode": "PassThrough" if sloppy else "Active"},
        "kmsKeyArn": key_arn, "reservedConcurrentExecutions": 50,
        "deadLetterConfig": {"targetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{svc}-dlq"},
        "vpcConfig": {"subnetIds": ["subnet-0abc", "subnet-0def"], "securityGroupIds": [f"sg-{i:08x}"]},
        "loggingConfig": {"logFormat": "JSON", "logGroup": f"/aws/lambda/{svc}-fn"}, "tags": tags})
    _ref(fn, "role", role)
    return [key, bucket, sse, versioning, pab, ownership, bucket_policy, legacy, db, table, sg, vm, role,
            policy, attachment, log_group, fn]


UNIT_SIZE = len(unit(0))


def stack(count: int) -> List[Dict[str, Any]]:
    """At least `count` resources (whole units), trimmed to exactly `count`."""
    out: List[Dict[str, Any]] = []
    i = 0
    while len(out) < count:
        out.extend(unit(i))
        i += 1
    return out[:count]
