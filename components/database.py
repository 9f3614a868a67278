"""Database: RDS PostgreSQL that is private, encrypted, backed up and hard to delete.

Storage and Performance Insights encrypted with your key; master password managed by RDS in Secrets
Manager (never in code or state); TLS enforced by parameter group; IAM authentication; automated
backups with the profile's retention; deletion protection, a final snapshot and copied tags;
Multi-AZ in prod; isolated subnets and a security group open only to named sources; logs exported
to encrypted, retained log groups; tagged for the BackupPlan; protect=True when the profile says so.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from ._base import BACKUP_TAG, AwsContext, assume_role_policy, child, merge_tags, require, token, validate_positive

LOG_EXPORTS = ("postgresql", "upgrade")


@dataclass
class DatabaseArgs:
    identifier: str
    """RDS instance identifier (lowercase letters, digits, hyphens); the final snapshot is '<identifier>-final'."""
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    """Isolated subnets (Network.isolated_subnet_ids), in at least two AZs."""
    kms_key_arn: pulumi.Input[str]
    backup_plan_tag: Optional[str] = None
    """Value of the 'preflight:backup' tag (BackupPlanArgs.plan_name) that puts this DB in a plan."""
    allowed_security_group_ids: Sequence[pulumi.Input[str]] = ()
    allowed_cidrs: Sequence[str] = ()
    """Private CIDRs allowed to connect on the DB port (e.g. the VPC's private tier)."""
    engine_version: str = "16"
    parameter_group_family: str = "postgres16"
    instance_class: str = "db.t4g.medium"
    allocated_storage_gb: int = 20
    max_allocated_storage_gb: int = 200
    db_name: str = "app"
    master_username: str = "app_admin"
    multi_az: bool = True
    backup_retention_days: int = 14
    deletion_protection: bool = True
    """Opt-out (dev teardown only): False lets a single API call delete the database."""
    log_retention_days: int = 365
    protect: bool = True
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(isinstance(self.identifier, str) and bool(re.match(r"^[a-z][a-z0-9-]{0,53}[a-z0-9]$", self.identifier))
                and "--" not in self.identifier,
                f"DatabaseArgs.identifier {self.identifier!r} must start with a letter and use lowercase letters, "
                f"digits and single hyphens (max 55 characters)")
        require(len(list(self.subnet_ids)) >= 2,
                "DatabaseArgs.subnet_ids needs subnets in at least two AZs (pass Network.isolated_subnet_ids)")
        validate_positive(self.backup_retention_days, "DatabaseArgs.backup_retention_days", minimum=7, maximum=35)
        validate_positive(self.allocated_storage_gb, "DatabaseArgs.allocated_storage_gb", minimum=20)
        require(self.max_allocated_storage_gb >= self.allocated_storage_gb,
                "DatabaseArgs.max_allocated_storage_gb must be at least allocated_storage_gb")
        validate_positive(self.log_retention_days, "DatabaseArgs.log_retention_days")
        for cidr in self.allowed_cidrs:
            try:
                net = ipaddress.ip_network(cidr)
            except ValueError:
                raise ValueError(f"DatabaseArgs.allowed_cidrs has {cidr!r}, which is not a CIDR") from None
            require(net.is_private, f"DatabaseArgs.allowed_cidrs has {cidr}, which is not private; a database is "
                                    f"reached from inside the VPC only (use a private CIDR or a security group)")
        require(bool(self.allowed_security_group_ids) or bool(self.allowed_cidrs),
                "Database needs at least one allowed source: allowed_security_group_ids or allowed_cidrs")
        require(bool(re.match(r"^[a-z][a-z0-9_]{0,62}$", self.master_username)) and self.master_username not in
                ("postgres", "admin", "root", "rdsadmin"),
                f"DatabaseArgs.master_username {self.master_username!r} must be lowercase and not a well-known name "
                f"(postgres, admin, root)")


class Database(pulumi.ComponentResource):
    # The checklist items this component builds by default (docs/checklist.md lists them per item).
    CHECKLIST = ("infra.backups", "infra.iac", "security.secrets", "security.encryption", "observability.logging",
                 "infra.separation")
    instance: aws.rds.Instance
    endpoint: pulumi.Output[str]
    master_secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(token("database", "Database"), name, {}, opts)
        ctx = AwsContext.lookup(self)
        tags = merge_tags(args.tags)
        data_tags = merge_tags(tags, {BACKUP_TAG: args.backup_plan_tag} if args.backup_plan_tag else {})
        self.subnet_group = aws.rds.SubnetGroup(f"{name}-subnets", name=f"{args.identifier}-subnets",
                                                description=f"{args.identifier}: isolated subnets",
                                                subnet_ids=list(args.subnet_ids), tags=tags, opts=child(self))
        ingress = [{"description": "PostgreSQL from an allowed security group", "protocol": "tcp",
                    "from_port": 5432, "to_port": 5432, "security_groups": list(args.allowed_security_group_ids)}] \
            if args.allowed_security_group_ids else []
        if args.allowed_cidrs:
            ingress.append({"description": "PostgreSQL from allowed private ranges", "protocol": "tcp",
                            "from_port": 5432, "to_port": 5432, "cidr_blocks": list(args.allowed_cidrs)})
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{args.identifier}: PostgreSQL from allowed sources only",
            ingress=ingress, egress=[], tags=merge_tags(tags, {"Name": f"{args.identifier}-db"}), opts=child(self))
        self.parameter_group = aws.rds.ParameterGroup(
            f"{name}-params", name=f"{args.identifier}-params", family=args.parameter_group_family,
            description=f"{args.identifier}: TLS only, connection and slow-query logging",
            parameters=[{"name": "rds.force_ssl", "value": "1"},
                        {"name": "log_connections", "value": "1"},
                        {"name": "log_disconnections", "value": "1"},
                        {"name": "log_min_duration_statement", "value": "1000"}],
            tags=tags, opts=child(self))
        log_groups = [aws.cloudwatch.LogGroup(
            f"{name}-log-{export}", name=f"/aws/rds/instance/{args.identifier}/{export}",
            retention_in_days=args.log_retention_days, kms_key_id=args.kms_key_arn, tags=tags, opts=child(self))
            for export in LOG_EXPORTS]
        monitoring_role = aws.iam.Role(
            f"{name}-monitoring-role", assume_role_policy=assume_role_policy("monitoring.rds.amazonaws.com",
                                                                             ctx.account_id),
            description=f"{args.identifier}: RDS enhanced monitoring", tags=tags, opts=child(self))
        aws.iam.RolePolicyAttachment(
            f"{name}-monitoring-policy", role=monitoring_role.name,
            policy_arn=pulumi.Output.concat("arn:", ctx.partition,
                                            ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"),
            opts=child(self))

        self.instance = aws.rds.Instance(
            f"{name}-instance", identifier=args.identifier, engine="postgres", engine_version=args.engine_version,
            instance_class=args.instance_class, allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb, storage_type="gp3",
            storage_encrypted=True, kms_key_id=args.kms_key_arn,
            db_name=args.db_name, username=args.master_username,
            manage_master_user_password=True, master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            db_subnet_group_name=self.subnet_group.name, vpc_security_group_ids=[self.security_group.id],
            parameter_group_name=self.parameter_group.name, publicly_accessible=False, multi_az=args.multi_az,
            backup_retention_period=args.backup_retention_days, backup_window="03:00-04:00",
            maintenance_window="sun:04:30-sun:05:30", copy_tags_to_snapshot=True, delete_automated_backups=False,
            deletion_protection=args.deletion_protection, skip_final_snapshot=False,
            final_snapshot_identifier=f"{args.identifier}-final",
            auto_minor_version_upgrade=True, ca_cert_identifier="rds-ca-rsa2048-g1",
            performance_insights_enabled=True, performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=7, monitoring_interval=60, monitoring_role_arn=monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS), tags=data_tags,
            opts=child(self, protect=args.protect, depends_on=log_groups))

        self.endpoint = self.instance.endpoint
        self.master_secret_arn = self.instance.master_user_secrets.apply(
            lambda secrets: secrets[0]["secret_arn"] if secrets and isinstance(secrets[0], dict)
            else (getattr(secrets[0], "secret_arn", None) if secrets else None))
        self.security_group_id = self.security_group.id
        self.register_outputs({"endpoint": self.endpoint, "master_secret_arn": self.master_secret_arn,
                               "security_group_id": self.security_group_id})
