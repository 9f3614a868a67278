"""The baseline program: one stack = one environment = one AWS account.

Reads the stack's config (Pulumi.<stack>.yaml), pins an explicit AWS provider to the account in
`aws:allowedAccountIds`, and builds a production-ready Environment from the profile that
`preflight:environment` (or the stack name) selects.
"""
from __future__ import annotations

import os
import sys

import pulumi
import pulumi_aws as aws

# The repository root holds the `components` package; make it importable when Pulumi runs this folder.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from components import (Environment, EnvironmentArgs, SecurityContact, profile_for,  # noqa: E402
                        resolve_environment)

config = pulumi.Config("preflight")
aws_config = pulumi.Config("aws")

environment = resolve_environment(config.get("environment"), pulumi.get_stack())
profile = profile_for(environment)

allowed_accounts = aws_config.require_object("allowedAccountIds")
if not isinstance(allowed_accounts, list) or len(allowed_accounts) != 1 or not str(allowed_accounts[0]).isdigit():
    raise ValueError("aws:allowedAccountIds must list exactly one 12-digit account id for this stack; "
                     "set it in Pulumi.<stack>.yaml (one stack = one account)")
region = aws_config.require("region")

contact = config.get_object("securityContact")
if contact is not None and (not isinstance(contact, dict) or set(contact) != {"name", "title", "email", "phone"}):
    raise ValueError("preflight:securityContact must be a map with exactly name, title, email and phone (the "
                     "account's SECURITY alternate contact); see Pulumi.prod.yaml")
security_contact = SecurityContact(**contact) if contact is not None else None

provider = aws.Provider(
    f"aws-{environment}",
    region=region,
    allowed_account_ids=[str(a) for a in allowed_accounts],
    default_tags={"tags": {"preflight:environment": environment, "preflight:stack": pulumi.get_stack(),
                           "managed-by": "pulumi"}},
)

env = Environment(
    config.get("prefix") or f"{pulumi.get_project()}-{environment}",
    EnvironmentArgs(
        prefix=config.get("prefix") or f"{pulumi.get_project()}-{environment}",
        profile=profile,
        cidr_block=config.require("vpcCidr"),
        availability_zones=config.require_object("availabilityZones"),
        other_environment_cidrs=config.get_object("otherEnvironmentCidrs") or [],
        runbook_base_url=config.require("runbookBaseUrl"),
        security_contact=security_contact,
        security_contact_managed_elsewhere=config.get_bool("securityContactManagedElsewhere") or False,
        oncall_https_endpoint=config.get_secret("oncallHttpsEndpoint"),
        oncall_email=config.get("oncallEmail"),
        state_bucket_name=config.get("stateBucketName"),
        monthly_budget_usd=config.get_float("monthlyBudgetUsd"),
        budget_emails=config.get_object("budgetEmails") or [],
        database=config.get_bool("database") if config.get_bool("database") is not None else True,
        agent_trusted_principal_arns=config.get_object("agentRunnerRoleArns") or [],
        agent_model_arns=config.get_object("agentModelArns") or [],
        bedrock_runtime_endpoint=config.get_bool("bedrockRuntimeEndpoint") or False,
        bedrock_invocation_logging=config.get_bool("bedrockInvocationLogging") is not False,
        # Off only where the organization already runs them for this account (e.g. Control Tower's recorder).
        security_hub=config.get_bool("securityHub") is not False,
        record_configuration=config.get_bool("recordConfiguration") is not False,
        cost_anomaly_detection=config.get_bool("costAnomalyDetection") is not False,
    ),
    opts=pulumi.ResourceOptions(providers=[provider]),
)

pulumi.export("environment", environment)
pulumi.export("backendUrl", env.account.backend_url)
pulumi.export("secretsProvider", env.account.secrets_provider)
pulumi.export("vpcId", env.network.vpc_id)
pulumi.export("alertTopicArn", env.alerting.topic_arn)
pulumi.export("trailArn", env.trail.trail_arn)
pulumi.export("backupVaultArn", env.backup.vault_arn)
pulumi.export("dataBucket", env.data_bucket.name)
if env.database is not None:
    pulumi.export("databaseEndpoint", env.database.endpoint)
if env.agent is not None:
    pulumi.export("agentRoleArn", env.agent.role_arn)
