"""The catalog: the one place that knows every rule module. Validates all metadata at load."""
from __future__ import annotations

import os
from typing import Any, List

from .model import MetadataError
from .rules import (ai, api, compliance, deployment, infrastructure, infrastructure_data, observability,
                    resource_policies, security_encryption, security_iam, security_network, security_s3, security_secrets)

PACK_NAME = "preflight"
PACK_DESCRIPTION = ("Preflight: the production readiness checklist for AWS (pulumi-aws 7.x), mandatory in "
                    "prod and staging, advisory in dev.")
# Sorted by checklist section: infrastructure, security, observability, AI, compliance.
RULE_MODULES = (infrastructure, infrastructure_data, deployment, security_iam, security_secrets,
                security_encryption, security_s3, resource_policies, security_network, api, observability, ai,
                compliance)


def all_policies() -> List[Any]:
    policies: List[Any] = []
    for module in RULE_MODULES:
        policies.extend(module.POLICIES)
    validate(policies)
    return policies


def validate(policies: List[Any]) -> None:
    """Every policy's metadata is complete and well formed; names are unique."""
    problems = []
    seen = set()
    for p in policies:
        try:
            p.validate()
        except MetadataError as e:
            problems.append(str(e))
        if p.meta.name in seen:
            problems.append(f"policy name {p.meta.name!r} is used twice")
        seen.add(p.meta.name)
    if problems:
        raise MetadataError("the policy catalog is invalid:\n  " + "\n  ".join(problems))


class Pack:
    def __init__(self, policies: List[Any]):
        self.policies = policies

    def serve(self) -> None:
        from .server import serve
        serve(PACK_NAME, self.policies, os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
              description=PACK_DESCRIPTION, display_name="Preflight")


def build_pack() -> Pack:
    return Pack(all_policies())
