"""Seed moto with one insecure and one secure account (over HTTP, as a user's tools would)."""
from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import urlsplit, urlunsplit

ACCOUNT = "123456789012"
STAR_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
SCOPED_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::app-data/*"}]})
ROLE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}]})
CERT = ("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZXhwaXJlZA==\n-----END CERTIFICATE-----")
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def s3control(moto):
    client = moto.client("s3control")
    base = urlsplit(moto.url).netloc

    def strip_account_prefix(request, **_):
        parts = urlsplit(request.url)
        if parts.netloc.endswith("." + base):
            request.url = urlunsplit(parts._replace(netloc=base))
    client.meta.events.register("before-send.s3-control.*", strip_account_prefix)
    return client


def lambda_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return {}\n")
    return buf.getvalue()


def lambda_function(moto, name: str, auth: str) -> None:
    role = moto.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=LAMBDA_TRUST)
    lam = moto.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=role["Role"]["Arn"], Handler="handler.handle",
                        Code={"ZipFile": lambda_zip()})
    lam.create_function_url_config(FunctionName=name, AuthType=auth)


def rest_api(moto, name: str):
    api = moto.client("apigateway")
    rest = api.create_rest_api(name=name)
    root = api.get_resources(restApiId=rest["id"])["items"][0]["id"]
    api.put_method(restApiId=rest["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    api.put_integration(restApiId=rest["id"], resourceId=root, httpMethod="GET", type="MOCK")
    api.create_deployment(restApiId=rest["id"], stageName="prod")
    return api, rest["id"]


def rds_instance(moto, ident: str, **overrides):
    params = dict(DBInstanceIdentifier=ident, Engine="postgres", DBInstanceClass="db.t3.micro",
                  MasterUsername="app", MasterUserPassword="not-a-real-password-1", AllocatedStorage=20)
    params.update(overrides)
    return moto.client("rds").create_db_instance(**params)["DBInstance"]


def seed_insecure(moto) -> None:
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="trail-logs-open")
    s3.create_bucket(Bucket="customer-uploads")
    s3.create_bucket(Bucket="sse-s3-only")
    s3.put_bucket_encryption(Bucket="sse-s3-only", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    moto.client("cloudtrail").create_trail(Name="main-trail", S3BucketName="trail-logs-open",
                                           IsMultiRegionTrail=True)  # never started, no validation, no KMS
    rds_instance(moto, "orders-db", PubliclyAccessible=True, BackupRetentionPeriod=0, StorageEncrypted=False,
                 AutoMinorVersionUpgrade=False)
    moto.client("efs").create_file_system(CreationToken="shared-files", Encrypted=False)
    instance(moto, "optional")  # IMDSv1 still accepted
    rds = moto.client("rds")
    for snap in rds.describe_db_snapshots(DBInstanceIdentifier="orders-db")["DBSnapshots"]:
        rds.delete_db_snapshot(DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])  # no backup at all
    moto.client("dynamodb").create_table(
        TableName="sessions", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    moto.client("backup").create_backup_vault(BackupVaultName="unlocked-vault")
    moto.client("kms").create_key(Description="never rotated")
    moto.client("secretsmanager").create_secret(Name="db-password", SecretString="hunter2")
    iam = moto.client("iam")
    iam.create_policy(PolicyName="everything", PolicyDocument=STAR_POLICY)
    iam.create_user(UserName="deployer")
    iam.put_user_policy(UserName="deployer", PolicyName="admin-inline", PolicyDocument=STAR_POLICY)
    iam.create_access_key(UserName="deployer")
    iam.create_access_key(UserName="deployer")  # two active keys
    iam.create_login_profile(UserName="deployer", Password="Not-a-real-password-1")  # console, no MFA
    iam.attach_user_policy(UserName="deployer", PolicyArn="arn:aws:iam::aws:policy/AWSCloudShellFullAccess")
    # moto stamps every uploaded server certificate with an expiry in 2012.
    iam.upload_server_certificate(ServerCertificateName="old-www", CertificateBody=CERT, PrivateKey="not-a-key")
    moto.client("cloudwatch").put_metric_alarm(
        AlarmName="api-errors", MetricName="5XXError", Namespace="AWS/ApiGateway", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    moto.client("logs").create_log_group(logGroupName="/app/forever")
    ec2 = moto.client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="bastion", Description="ssh from anywhere", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    lambda_function(moto, "open-llm-proxy", "NONE")
    rest_api(moto, "public-api")


def seed_secure(moto) -> None:
    kms = moto.client("kms")
    key = kms.create_key(Description="data key")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=key["KeyId"])
    s3 = moto.client("s3")
    s3control(moto).put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    for bucket in ("audit-trail-logs", "app-data"):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]})
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    for bucket in ("audit-trail-logs", "app-data"):
        s3.put_bucket_policy(Bucket=bucket, Policy=tls_only_policy(bucket))
    trail = moto.client("cloudtrail")
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="cloudtrail/org-trail")
    logs.put_retention_policy(logGroupName="cloudtrail/org-trail", retentionInDays=365)
    trail.create_trail(Name="org-trail", S3BucketName="audit-trail-logs", IsMultiRegionTrail=True,
                       EnableLogFileValidation=True, KmsKeyId=key["Arn"], IncludeGlobalServiceEvents=True,
                       CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:cloudtrail/org-trail:*",
                       CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCOUNT}:role/cloudtrail-to-logs")
    trail.start_logging(Name="org-trail")
    trail.put_event_selectors(TrailName="org-trail", EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    s3.put_bucket_policy(Bucket="app-data", Policy=tls_only_policy("app-data", log_delivery=True))
    s3.put_bucket_logging(Bucket="audit-trail-logs", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "app-data", "TargetPrefix": "trail-access/"}})
    security_alarms(moto, "cloudtrail/org-trail")
    moto.client("efs").create_file_system(CreationToken="shared-files", Encrypted=True, KmsKeyId=key["Arn"])
    instance(moto, "required")
    moto.client("account").put_alternate_contact(
        AlternateContactType="SECURITY", Name="Security team", Title="Security", EmailAddress="security@example.com",
        PhoneNumber="+44 20 7946 0000")
    moto.client("ec2").enable_ebs_encryption_by_default()
    rds_instance(moto, "billing-db", StorageEncrypted=True, KmsKeyId=key["Arn"], BackupRetentionPeriod=14,
                 DeletionProtection=True, PubliclyAccessible=False)
    dynamodb = moto.client("dynamodb")
    dynamodb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    dynamodb.update_continuous_backups(TableName="orders",
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    backup = moto.client("backup")
    backup.create_backup_vault(BackupVaultName="locked-vault")
    backup.put_backup_vault_lock_configuration(BackupVaultName="locked-vault", MinRetentionDays=7)
    iam = moto.client("iam")
    iam.create_policy(PolicyName="read-app-data", PolicyDocument=SCOPED_POLICY)
    iam.create_user(UserName="ci")
    iam.create_access_key(UserName="ci")
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24, RequireSymbols=True,
                                       RequireNumbers=True, RequireUppercaseCharacters=True,
                                       RequireLowercaseCharacters=True)
    iam.create_role(RoleName="incident-response", AssumeRolePolicyDocument=ROLE_TRUST)
    iam.attach_role_policy(RoleName="incident-response", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    config = moto.client("config")
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "audit-trail-logs"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    moto.client("securityhub").enable_security_hub()
    close_network(moto)
    topic = moto.client("sns").create_topic(Name="on-call")["TopicArn"]
    moto.client("cloudwatch").put_metric_alarm(
        AlarmName="api-errors", MetricName="5XXError", Namespace="AWS/ApiGateway", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic])
    logs = moto.client("logs")
    logs.create_log_group(logGroupName="/app/api")
    logs.put_retention_policy(logGroupName="/app/api", retentionInDays=365)
    moto.client("guardduty").create_detector(Enable=True)
    moto.client("budgets").create_budget(
        AccountId=ACCOUNT,
        Budget={"BudgetName": "monthly", "BudgetLimit": {"Amount": "500", "Unit": "USD"}, "TimeUnit": "MONTHLY",
                "BudgetType": "COST"},
        NotificationsWithSubscribers=[{
            "Notification": {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80,
                             "ThresholdType": "PERCENTAGE"},
            "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "oncall@example.com"}]}])
    ec2 = moto.client("ec2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="https only", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    lambda_function(moto, "private-worker", "AWS_IAM")
    api, api_id = rest_api(moto, "orders-api")
    api.update_stage(restApiId=api_id, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "200"},
        {"op": "replace", "path": "/accessLogSettings/destinationArn",
         "value": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/app/api"},
        {"op": "replace", "path": "/accessLogSettings/format", "value": '{"requestId":"$context.requestId"}'}])


def tls_only_policy(bucket: str, log_delivery: bool = False) -> str:
    # moto's log-delivery permission check cannot read Principal "*" next to a service principal, so the
    # log bucket spells everyone as {"AWS": "*"} (the same to IAM).
    everyone = {"AWS": "*"} if log_delivery else "*"
    statements = [{"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": everyone, "Action": "s3:*",
                   "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    if log_delivery:
        statements.append({"Sid": "S3ServerAccessLogs", "Effect": "Allow",
                           "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                           "Resource": f"arn:aws:s3:::{bucket}/*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def instance(moto, http_tokens: str) -> str:
    ec2 = moto.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             MetadataOptions={"HttpTokens": http_tokens})["Instances"][0]["InstanceId"]


def close_network(moto) -> None:
    """Flow logs on every VPC, default security groups emptied, no NACL open to SSH/RDP."""
    ec2 = moto.client("ec2")
    for vpc in ec2.describe_vpcs()["Vpcs"]:
        ec2.create_flow_logs(ResourceIds=[vpc["VpcId"]], ResourceType="VPC", TrafficType="ALL",
                             LogDestinationType="s3", LogDestination="arn:aws:s3:::audit-trail-logs")
    for group in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]:
        if group["IpPermissions"]:
            ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
        if group["IpPermissionsEgress"]:
            ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
    for acl in ec2.describe_network_acls()["NetworkAcls"]:
        for entry in acl["Entries"]:
            if not entry["Egress"] and entry["RuleAction"] == "allow" and entry["RuleNumber"] < 32767:
                ec2.replace_network_acl_entry(NetworkAclId=acl["NetworkAclId"], RuleNumber=entry["RuleNumber"],
                                              Protocol="6", RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0",
                                              PortRange={"From": 443, "To": 443})


def _any_event(source: str, *names: str) -> str:
    either = " || ".join(f'($.eventName = "{n}")' for n in names)
    return f"{{ ($.eventSource = {source}) && ({either}) }}" if source else f"{{ {either} }}"


# The CIS AWS Foundations 3.0 recommendations 4.1-4.15, written the way the benchmark gives them.
CIS_FILTERS = {
    "unauthorized-api-calls": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
                              '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "console-login-without-mfa": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && '
                                 '($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
    "root-usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
                  '$.eventType != "AwsServiceEvent" }',
    "iam-policy-changes": _any_event(
        "iam.amazonaws.com", "DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy",
        "PutRolePolicy", "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
        "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy", "AttachGroupPolicy",
        "DetachGroupPolicy"),
    "cloudtrail-changes": _any_event("", "CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    "console-auth-failures": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "kms-key-disable-or-deletion": _any_event("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "s3-bucket-policy-changes": _any_event(
        "s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
        "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle",
        "DeleteBucketReplication"),
    "config-changes": _any_event("config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel",
                                 "PutDeliveryChannel", "PutConfigurationRecorder"),
    "security-group-changes": _any_event("", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
                                         "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
                                         "CreateSecurityGroup", "DeleteSecurityGroup"),
    "nacl-changes": _any_event("", "CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl",
                               "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"),
    "network-gateway-changes": _any_event("", "CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
                                          "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"),
    "route-table-changes": _any_event("ec2.amazonaws.com", "CreateRoute", "CreateRouteTable", "ReplaceRoute",
                                      "ReplaceRouteTableAssociation", "DeleteRouteTable", "DeleteRoute",
                                      "DisassociateRouteTable"),
    "vpc-changes": _any_event("", "CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection",
                              "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
                              "AttachClassicLinkVpc", "DetachClassicLinkVpc", "DisableVpcClassicLink",
                              "EnableVpcClassicLink"),
    "organizations-changes": _any_event(
        "organizations.amazonaws.com", "AcceptHandshake", "AttachPolicy", "CreateAccount", "CreateOrganizationalUnit",
        "CreatePolicy", "DeclineHandshake", "DeleteOrganization", "DeleteOrganizationalUnit", "DeletePolicy",
        "DetachPolicy", "DisablePolicyType", "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization",
        "MoveAccount", "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"),
}


def security_alarms(moto, log_group: str, only=None) -> None:
    """A metric filter per CIS 4.x recommendation on the trail's log group, each alarming a subscribed topic."""
    topic = moto.client("sns").create_topic(Name="security-alarms")["TopicArn"]
    moto.client("sns").subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    logs, cloudwatch = moto.client("logs"), moto.client("cloudwatch")
    for name, pattern in CIS_FILTERS.items():
        if only is not None and name not in only:
            continue
        logs.put_metric_filter(logGroupName=log_group, filterName=name, filterPattern=pattern,
                               metricTransformations=[{"metricName": name, "metricNamespace": "CISBenchmark",
                                                       "metricValue": "1"}])
        cloudwatch.put_metric_alarm(AlarmName=f"cis-{name}", MetricName=name, Namespace="CISBenchmark",
                                    Statistic="Sum", Period=300, EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
