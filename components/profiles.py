"""Environment profiles: what differs between dev, staging and prod (retention, protection, HA, budget).

The environment comes from the stack name (else prod: unknown means strict), or from what the reviewed
policy pack config assigns; stack config `preflight:environment` may only make it stricter -- the same
rule the policy pack applies.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Optional

from ._base import require

ENVIRONMENTS = ("prod", "staging", "dev")
_ALIASES = {
    "prod": "prod", "production": "prod", "prd": "prod",
    "staging": "staging", "stage": "staging", "stg": "staging",
    "dev": "dev", "development": "dev", "test": "dev", "sandbox": "dev",
}


_STRICTNESS = {"dev": 0, "staging": 1, "prod": 2}


def resolve_environment(configured: Optional[str], stack_name: str, assigned: Optional[str] = None) -> str:
    """The pack's rule: `assigned` (the environment the reviewed policy pack config gives this stack), else
    the stack name, else prod; `preflight:environment` (`configured`) may make it stricter, never more lenient
    (set but unrecognised or empty: prod)."""
    if assigned is not None:
        base = _ALIASES.get(str(assigned).strip().lower(), "prod")
    else:
        name = (stack_name or "").strip().lower().rsplit("/", 1)[-1]
        if name in ("prod", "production", "prd") or name.endswith(("-prod", "-production")):
            base = "prod"
        elif name in ("staging", "stage", "stg") or name.endswith("-staging"):
            base = "staging"
        elif name in ("dev", "test", "sandbox") or name.endswith("-dev"):
            base = "dev"
        else:
            base = "prod"
    if configured is None:
        return base
    wanted = _ALIASES.get(str(configured).strip().lower(), "prod")
    return wanted if _STRICTNESS[wanted] > _STRICTNESS[base] else base


@dataclass(frozen=True)
class BackupRuleProfile:
    """One backup rule: schedule (AWS cron), days to cold storage (None = never), days to delete."""
    name: str
    schedule: str
    delete_after_days: int
    cold_storage_after_days: Optional[int] = None
    continuous: bool = False


@dataclass(frozen=True)
class EnvironmentProfile:
    name: str
    protect: bool                      # Pulumi protect=True on data stores (and keys, vaults)
    deletion_protection: bool          # the service's own deletion protection
    multi_az: bool                     # RDS Multi-AZ
    nat_per_az: bool                   # one NAT gateway per AZ (else one)
    min_availability_zones: int
    log_retention_days: int            # CloudWatch log groups (flow logs, trail, API, RDS)
    trail_retention_days: int          # CloudTrail objects in S3
    noncurrent_version_days: int       # S3 noncurrent versions kept
    db_backup_retention_days: int      # RDS automated backups (PITR window)
    db_instance_class: str
    backup_rules: tuple                # BackupRuleProfile, ...
    vault_lock_mode: str               # "governance" | "compliance"
    monthly_budget_usd: float
    require_agent_approval: bool       # AgentAccess denies everything without an approval session tag
    macie: bool = True                 # Macie on S3 (dev holds no customer data: off, saves its cost)

    def with_overrides(self, **changes) -> "EnvironmentProfile":
        return replace(self, **changes)


PROD = EnvironmentProfile(
    name="prod", protect=True, deletion_protection=True, multi_az=True, nat_per_az=True,
    min_availability_zones=2, log_retention_days=365, trail_retention_days=2557,
    noncurrent_version_days=365, db_backup_retention_days=35, db_instance_class="db.m7g.large",
    backup_rules=(
        BackupRuleProfile("daily", "cron(0 5 ? * * *)", delete_after_days=35, continuous=True),
        BackupRuleProfile("weekly", "cron(0 5 ? * SUN *)", delete_after_days=120, cold_storage_after_days=30),
        BackupRuleProfile("monthly", "cron(0 5 1 * ? *)", delete_after_days=730, cold_storage_after_days=90),
    ),
    vault_lock_mode="compliance", monthly_budget_usd=2000.0, require_agent_approval=True,
)

STAGING = PROD.with_overrides(name="staging", nat_per_az=False, monthly_budget_usd=500.0,
                              vault_lock_mode="governance", db_instance_class="db.t4g.medium")

DEV = EnvironmentProfile(
    name="dev", protect=False, deletion_protection=True, multi_az=False, nat_per_az=False,
    min_availability_zones=2, log_retention_days=90, trail_retention_days=365,
    noncurrent_version_days=30, db_backup_retention_days=7, db_instance_class="db.t4g.medium",
    backup_rules=(
        BackupRuleProfile("daily", "cron(0 5 ? * * *)", delete_after_days=14),
        BackupRuleProfile("weekly", "cron(0 5 ? * SUN *)", delete_after_days=35),
        BackupRuleProfile("monthly", "cron(0 5 1 * ? *)", delete_after_days=90),
    ),
    vault_lock_mode="governance", monthly_budget_usd=200.0, require_agent_approval=False, macie=False,
)

PROFILES: Mapping[str, EnvironmentProfile] = {"prod": PROD, "staging": STAGING, "dev": DEV}


def profile_for(environment: str) -> EnvironmentProfile:
    require(environment in PROFILES,
            f"unknown environment {environment!r}; set preflight:environment to one of {', '.join(ENVIRONMENTS)}")
    return PROFILES[environment]
