"""The stable ids and short titles of the production readiness checklist (shared/checklist.md).

The audit reports every item, including the ones an account audit cannot show, so the summary
reads as the whole checklist.
"""
from __future__ import annotations

from typing import Dict

CHECKLIST: Dict[str, str] = {
    "infra.separation": "Dev/prod separation",
    "infra.iac": "Infrastructure as Code",
    "infra.backups": "Backups",
    "infra.rollback": "Rollback path",
    "security.iam": "IAM least privilege",
    "security.secrets": "Secrets management",
    "security.encryption": "Encryption",
    "security.api": "API protection",
    "observability.logging": "Structured logging",
    "observability.metrics": "Metrics and dashboards",
    "observability.alerting": "Alerting",
    "observability.tracing": "Tracing",
    "ai.cost": "Cost controls",
    "ai.prompt-injection": "Prompt injection defenses",
    "ai.agents": "Agent guardrails",
    "compliance.audit-logging": "Audit logging",
    "compliance.data": "Data handling",
    "compliance.incident-response": "Incident response",
}
