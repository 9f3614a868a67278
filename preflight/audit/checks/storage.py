"""S3, EBS and EFS: public access blocked, TLS only, encryption, versioning."""
from __future__ import annotations

from ..model import check
from .common import as_list, policy_document

PAB_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def buckets(ctx):
    return ctx.items("s3", "list_buckets", "Buckets")


def account_pab(ctx):
    def load():
        got = ctx.call("s3control", "get_public_access_block", AccountId=ctx.account,
                       absent=("NoSuchPublicAccessBlockConfiguration",))
        return (got or {}).get("PublicAccessBlockConfiguration", {})
    return ctx.memo(("s3control", "pab"), load)


def missing_flags(config) -> list:
    return [flag for flag in PAB_FLAGS if not config.get(flag)]


@check(id="s3-account-public-access-block", title="S3 Block Public Access is on for the whole account",
       checklist="security.encryption", severity="high",
       remediation="Turn on all four account-level settings with aws.s3.AccountPublicAccessBlock "
                   "(components.AccountBaseline does).")
def s3_account_public_access_block(ctx):
    missing = missing_flags(account_pab(ctx))
    if missing:
        yield f"account {ctx.account}", f"account-level S3 Block Public Access is missing {', '.join(missing)}"


def encryption_severity(resource: str, message: str) -> str:
    return "low" if "S3-managed keys" in message else "high"


@check(id="s3-bucket-encryption", title="S3 buckets are encrypted with KMS by default",
       checklist="security.encryption", severity="high", severity_of=encryption_severity,
       remediation="Add aws.s3.BucketServerSideEncryptionConfiguration with sse_algorithm 'aws:kms' and a "
                   "KMS key (components.SecureBucket does).")
def s3_bucket_encryption(ctx):
    for bucket in buckets(ctx):
        name = bucket["Name"]
        got = ctx.call("s3", "get_bucket_encryption", Bucket=name,
                       absent=("ServerSideEncryptionConfigurationNotFoundError",))
        rules = ((got or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        algorithms = {r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules}
        if not rules:
            yield f"s3://{name}", f"bucket '{name}' has no default server-side encryption"
        elif not algorithms & {"aws:kms", "aws:kms:dsse"}:
            yield f"s3://{name}", f"bucket '{name}' is encrypted with S3-managed keys (SSE-S3), not KMS"


@check(id="s3-bucket-versioning", title="S3 buckets keep object versions",
       checklist="infra.backups", severity="medium",
       remediation="Add aws.s3.BucketVersioning with status 'Enabled' (components.SecureBucket does), so an "
                   "overwrite or delete can be undone.")
def s3_bucket_versioning(ctx):
    for bucket in buckets(ctx):
        name = bucket["Name"]
        status = (ctx.call("s3", "get_bucket_versioning", Bucket=name) or {}).get("Status")
        if status != "Enabled":
            yield f"s3://{name}", f"bucket '{name}' versioning is {(status or 'never enabled').lower()}"


@check(id="s3-bucket-public-access-block", title="S3 buckets block public access",
       checklist="security.encryption", severity="high",
       remediation="Add aws.s3.BucketPublicAccessBlock with all four flags true (components.SecureBucket "
                   "does), or turn on the account-level block (components.AccountBaseline).")
def s3_bucket_public_access_block(ctx):
    if not missing_flags(account_pab(ctx)):
        return  # the account-level block covers every bucket
    for bucket in buckets(ctx):
        name = bucket["Name"]
        got = ctx.call("s3", "get_public_access_block", Bucket=name,
                       absent=("NoSuchPublicAccessBlockConfiguration",))
        missing = missing_flags((got or {}).get("PublicAccessBlockConfiguration", {}))
        if missing:
            yield f"s3://{name}", f"bucket '{name}' does not block public access ({', '.join(missing)} off)"


def denies_plain_http(document) -> bool:
    """A statement denying everyone every S3 action (or everything) when aws:SecureTransport is false."""
    for statement in as_list(policy_document(document).get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Deny":
            continue
        principal = statement.get("Principal")
        if not (principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS")))):
            continue
        if not {"s3:*", "*"} & set(as_list(statement.get("Action"))):
            continue
        for operator in ("Bool", "BoolIfExists"):
            value = ((statement.get("Condition") or {}).get(operator) or {}).get("aws:SecureTransport")
            if str(value).lower() == "false" or as_list(value) == ["false"]:
                return True
    return False


@check(id="s3-bucket-tls-only", title="S3 bucket policies deny requests that do not use TLS",
       checklist=("security.encryption", "security.api"), severity="medium",
       remediation="Add a bucket policy statement that denies s3:* to every principal when aws:SecureTransport is "
                   "false (components.SecureBucket adds it).")
def s3_bucket_tls_only(ctx):
    for bucket in buckets(ctx):
        name = bucket["Name"]
        got = ctx.call("s3", "get_bucket_policy", Bucket=name, absent=("NoSuchBucketPolicy",))
        if got is None:
            yield f"s3://{name}", f"bucket '{name}' has no bucket policy, so plain HTTP requests are allowed"
        elif not denies_plain_http(got.get("Policy")):
            yield f"s3://{name}", f"bucket '{name}' policy does not deny requests without TLS (aws:SecureTransport)"


@check(id="ebs-default-encryption", title="EBS encryption by default is on in the region",
       checklist="security.encryption", severity="medium",
       remediation="Enable aws.ec2.EbsEncryptionByDefault(enabled=True) in every region you use "
                   "(components.AccountBaseline does).")
def ebs_default_encryption(ctx):
    got = ctx.call("ec2", "get_ebs_encryption_by_default")
    if not got.get("EbsEncryptionByDefault"):
        yield f"account {ctx.account} ({ctx.region})", f"new EBS volumes in {ctx.region} are not encrypted by default"


@check(id="efs-encrypted", title="EFS file systems are encrypted at rest",
       checklist="security.encryption", severity="high",
       remediation="Create the file system with aws.efs.FileSystem(encrypted=True, kms_key_id=...) and copy the "
                   "data over (AWS DataSync); encryption cannot be turned on for an existing file system.")
def efs_encrypted(ctx):
    for fs in ctx.items("efs", "describe_file_systems", "FileSystems"):
        if not fs.get("Encrypted"):
            name = fs.get("Name") or fs["FileSystemId"]
            yield fs.get("FileSystemArn", fs["FileSystemId"]), f"EFS file system '{name}' is not encrypted at rest"


CHECKS = (s3_account_public_access_block, s3_bucket_encryption, s3_bucket_versioning,
          s3_bucket_public_access_block, s3_bucket_tls_only, ebs_default_encryption, efs_encrypted)
