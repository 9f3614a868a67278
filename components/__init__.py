"""Preflight components: AWS building blocks that are production-ready by default.

Each is a pulumi.ComponentResource with typed args (dataclasses), a `preflight:<module>:<Type>`
token, every child parented to it, and secure defaults that are turned off only by a named argument.
"""
from .account import AccountBaseline, AccountBaselineArgs, SecurityContact
from .agents import AgentAccess, AgentAccessArgs, AgentStatement
from .alerting import AlarmSpec, Alerting, AlertingArgs
from .api import ApiProtection, ApiProtectionArgs
from .backup import BackupPlan, BackupPlanArgs
from .bedrock import ModelInvocationLogging, ModelInvocationLoggingArgs
from .cost import CostGuard, CostGuardArgs
from .dashboard import ServiceDashboard, ServiceDashboardArgs
from .deployment import CanaryDeployment, CanaryDeploymentArgs
from .gateway import ModelGateway, ModelGatewayArgs
from .guardrail import DeniedTopic, Guardrail, GuardrailArgs
from .models import ModelPrice
from .database import Database, DatabaseArgs
from .environment import Environment, EnvironmentArgs
from .kms import KmsKey, KmsKeyArgs
from .network import Network, NetworkArgs
from .profiles import DEV, PROD, STAGING, BackupRuleProfile, EnvironmentProfile, profile_for, resolve_environment
from .secrets import Secret, SecretArgs
from .storage import ObjectLock, SecureBucket, SecureBucketArgs
from .trail import AuditTrail, AuditTrailArgs

__all__ = [
    "AccountBaseline", "AccountBaselineArgs", "AgentAccess", "AgentAccessArgs", "AgentStatement", "AlarmSpec",
    "Alerting", "AlertingArgs", "ApiProtection", "ApiProtectionArgs", "AuditTrail", "AuditTrailArgs",
    "BackupPlan", "BackupPlanArgs", "BackupRuleProfile", "CanaryDeployment", "CanaryDeploymentArgs", "DeniedTopic",
    "Guardrail", "GuardrailArgs", "ModelGateway", "ModelGatewayArgs", "ModelPrice", "ServiceDashboard",
    "ServiceDashboardArgs", "CostGuard", "CostGuardArgs", "Database", "DatabaseArgs",
    "DEV", "Environment", "EnvironmentArgs", "EnvironmentProfile", "KmsKey", "KmsKeyArgs", "ModelInvocationLogging",
    "ModelInvocationLoggingArgs", "Network", "NetworkArgs", "ObjectLock", "PROD", "STAGING", "Secret", "SecretArgs",
    "SecurityContact", "SecureBucket", "SecureBucketArgs", "profile_for", "resolve_environment",
]
