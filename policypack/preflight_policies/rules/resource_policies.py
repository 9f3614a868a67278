"""Resource-based policies and public sharing, for every service that has them (one analyzer:
resource_policy). S3 bucket policies and KMS key policies keep their own policies
(s3-bucket-policy-not-public, kms-key-policy-not-public) and use the same analyzer.
"""
from __future__ import annotations

from .. import resource_policy as rp
from .. import tokens as T
from ..helpers import as_list, short_type
from ..model import Report, resource_policy
from ..resource import Resource, is_unknown

# type token -> the input that holds its resource policy
POLICY_INPUTS = {
    T.SQS_QUEUE: "policy", T.SQS_QUEUE_POLICY: "policy",
    T.SNS_TOPIC: "policy", T.SNS_TOPIC_POLICY: "policy",
    T.ECR_REPOSITORY_POLICY: "policy",
    T.SECRET: "policy", T.SECRET_POLICY: "policy",
    T.APIGW_REST_API: "policy", T.APIGW_REST_API_POLICY: "policy",
    T.OPENSEARCH_DOMAIN: "accessPolicies", T.OPENSEARCH_DOMAIN_POLICY: "accessPolicies",
    T.EFS_FILE_SYSTEM_POLICY: "policy",
    T.GLACIER_VAULT: "accessPolicy",
    T.BACKUP_VAULT_POLICY: "policy",
    T.KINESIS_RESOURCE_POLICY: "policy",
}


@resource_policy(
    name="resource-policy-not-public",
    title="Resource policies (queues, topics, repositories, secrets, APIs, domains, file systems, vaults) "
          "must not allow anyone",
    checklist=("security.iam", "security.api"), severity="critical",
    cross_references=("Checkov:CKV_AWS_72", "Checkov:CKV_AWS_169", "Checkov:CKV_AWS_32",
                      "Prowler:sqs_queues_not_publicly_accessible", "Prowler:sns_topics_not_publicly_accessible",
                      "Prowler:ecr_repositories_not_publicly_accessible",
                      "Prowler:secretsmanager_not_publicly_accessible", "Prowler:efs_not_publicly_accessible",
                      "Prowler:glacier_vaults_policy_public_access"),
    types=tuple(POLICY_INPUTS) + (T.OSS_ACCESS_POLICY, T.OSS_SECURITY_POLICY),
    remediation="Name the principals (account root or role ARNs, or a service with aws:SourceArn / "
                "aws:SourceAccount) instead of \"Principal\": \"*\", or add a Condition on who calls "
                "(aws:PrincipalOrgID, aws:SourceVpce, aws:SourceAccount); aws:SecureTransport or MFA conditions "
                "narrow nothing. For OpenSearch Serverless set AllowFromPublic false with SourceVPCEs and name "
                "the principals of the data access policy.",
)
def resource_policy_not_public(r: Resource, report: Report) -> None:
    if r.type == T.OSS_SECURITY_POLICY:
        if r.peek("type") != "network":
            return
        opened = rp.serverless_network_public(r.peek("policy"))
        if opened:
            report(f"network policy '{r.name}' opens {', '.join(opened[:3])} to the internet (AllowFromPublic true); "
                   f"set AllowFromPublic false with SourceVPCEs (a VPC endpoint) so only your network reaches it")
        return
    if r.type == T.OSS_ACCESS_POLICY:
        granted = rp.serverless_access_public(r.peek("policy"))
        if granted:
            report(f"data access policy '{r.name}' grants {', '.join(sorted(set(granted))[:4])} to Principal '*'; "
                   f"name the role ARNs that may read and write the collection")
        return
    if r.type == T.OPENSEARCH_DOMAIN and (r.peek("vpcOptions.subnetIds") or
                                          r.peek("advancedSecurityOptions.enabled") is True):
        return  # AWS's own pattern: an open policy on a VPC domain or behind fine-grained access control
    grant = rp.first_public_grant(r.peek(POLICY_INPUTS[r.type]))
    if grant:
        report(f"{short_type(r.type)} '{r.name}' policy {grant.describe()}; name the principals, or add a "
               f"condition on aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID or aws:SourceVpce")


@resource_policy(
    name="snapshot-not-public",
    title="AMIs and EBS/RDS snapshots must not be shared with everyone",
    checklist=("compliance.data", "security.iam"), severity="critical",
    cross_references=("Prowler:ec2_ami_public", "Prowler:rds_snapshots_public_access",
                      "Prowler:ec2_ebs_public_snapshot"),
    types=(T.AMI_LAUNCH_PERMISSION, T.SNAPSHOT_CREATE_VOLUME_PERMISSION) + T.RDS_SNAPSHOTS,
    remediation="Share with named account ids (account_id=... / shared_accounts=['111122223333']) or an "
                "organization (organization_arn) instead of group='all' / shared_accounts=['all']; a public "
                "snapshot or image can be copied by anyone, with all the data on it.",
)
def snapshot_not_public(r: Resource, report: Report) -> None:
    if r.type == T.AMI_LAUNCH_PERMISSION:
        if r.peek("group") == "all":
            report(f"AMI launch permission '{r.name}' makes the image public (group 'all'): anyone can launch it "
                   f"and read its disks; share with account_id or organization_arn instead")
    elif r.type == T.SNAPSHOT_CREATE_VOLUME_PERMISSION:
        if r.peek("accountId") == "all":
            report(f"snapshot permission '{r.name}' shares the snapshot with everyone; name an account id")
    else:
        shared = [s for s in as_list(r.peek("sharedAccounts")) if isinstance(s, str) and not is_unknown(s)]
        if "all" in shared:
            report(f"{short_type(r.type)} '{r.name}' is shared with 'all' (public): anyone can restore the "
                   f"database from it; list the account ids that need it in shared_accounts")


POLICIES = [
    resource_policy_not_public,
    snapshot_not_public,
]
