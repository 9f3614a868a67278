"""Secret: a Secrets Manager secret encrypted with your key, rotated, with a 30-day recovery window.

A value, if given, must already be a Pulumi secret (config.require_secret / Output.secret), so it is
encrypted in state; a secret without rotation needs a stated reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi
import pulumi_aws as aws

from ._base import child, merge_tags, require, token, validate_positive


@dataclass
class SecretArgs:
    secret_name: str
    kms_key_arn: pulumi.Input[str]
    description: str
    rotation_lambda_arn: Optional[pulumi.Input[str]] = None
    """Rotation function; required unless no_rotation_reason says why this secret cannot rotate."""
    rotation_days: int = 30
    no_rotation_reason: Optional[str] = None
    """Opt-out of rotation, with the reason (e.g. 'vendor API key, rotated by the vendor's console')."""
    secret_string: Optional[pulumi.Output[str]] = None
    """Initial value; must be a Pulumi secret Output, never a plain string."""
    recovery_window_in_days: int = 30
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.secret_name, str) and self.secret_name.strip() != "",
                "SecretArgs.secret_name is empty; name the secret, e.g. 'prod/app/stripe'")
        require(self.description.strip() != "", "SecretArgs.description is empty; say what the secret is for")
        require(self.rotation_lambda_arn is not None or bool(self.no_rotation_reason),
                f"secret '{self.secret_name}' has no rotation: pass rotation_lambda_arn, or no_rotation_reason "
                f"explaining why it cannot rotate")
        validate_positive(self.rotation_days, "SecretArgs.rotation_days", minimum=1, maximum=90)
        validate_positive(self.recovery_window_in_days, "SecretArgs.recovery_window_in_days", minimum=7, maximum=30)
        if self.secret_string is not None:
            require(isinstance(self.secret_string, pulumi.Output),
                    f"secret '{self.secret_name}' got a plain string value, which would sit unencrypted in code and "
                    f"state; pass pulumi.Config().require_secret(...) or pulumi.Output.secret(...)")


class Secret(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("security.secrets", "security.encryption")
    secret: aws.secretsmanager.Secret
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: SecretArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("secrets", "Secret"), name, {}, opts)
        self.secret = aws.secretsmanager.Secret(
            f"{name}-secret", name=args.secret_name, description=args.description, kms_key_id=args.kms_key_arn,
            recovery_window_in_days=args.recovery_window_in_days, tags=merge_tags(args.tags),
            opts=child(self, protect=args.protect))
        if args.secret_string is not None:
            aws.secretsmanager.SecretVersion(f"{name}-value", secret_id=self.secret.id,
                                             secret_string=pulumi.Output.secret(args.secret_string),
                                             opts=child(self, ignore_changes=["secretString"]))
        if args.rotation_lambda_arn is not None:
            aws.secretsmanager.SecretRotation(
                f"{name}-rotation", secret_id=self.secret.id, rotation_lambda_arn=args.rotation_lambda_arn,
                rotation_rules={"automatically_after_days": args.rotation_days}, opts=child(self))
        self.arn = self.secret.arn
        self.register_outputs({"arn": self.arn})
