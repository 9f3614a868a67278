"""KMS key rotation and Secrets Manager rotation."""
from __future__ import annotations

from ..model import check


@check(id="kms-key-rotation", title="Customer managed KMS keys rotate automatically",
       checklist="security.encryption", severity="medium",
       remediation="Set enable_key_rotation=True on the aws.kms.Key (components.KmsKey does).")
def kms_key_rotation(ctx):
    for key in ctx.items("kms", "list_keys", "Keys"):
        meta = ctx.call("kms", "describe_key", KeyId=key["KeyId"])["KeyMetadata"]
        if (meta.get("KeyManager") != "CUSTOMER" or meta.get("KeyState") != "Enabled"
                or meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT"
                or meta.get("Origin", "AWS_KMS") != "AWS_KMS"):
            continue  # rotation only applies to enabled, symmetric, KMS-generated customer keys
        status = ctx.call("kms", "get_key_rotation_status", KeyId=key["KeyId"])
        if not status.get("KeyRotationEnabled"):
            yield meta.get("Arn", key["KeyId"]), f"KMS key {key['KeyId']} does not rotate automatically"


@check(id="secrets-rotation", title="Secrets Manager secrets rotate automatically",
       checklist="security.secrets", severity="medium",
       remediation="Add aws.secretsmanager.SecretRotation with a rotation Lambda and a schedule "
                   "(components.Secret does); for RDS use manage_master_user_password=True.")
def secrets_rotation(ctx):
    for secret in ctx.items("secretsmanager", "list_secrets", "SecretList"):
        if not secret.get("RotationEnabled"):
            yield secret.get("ARN", secret["Name"]), f"secret '{secret['Name']}' is never rotated"


CHECKS = (kms_key_rotation, secrets_rotation)
