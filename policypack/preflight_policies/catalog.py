"""The catalog: the one place that knows every rule module. Validates all metadata at load."""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, List, Tuple

from . import compliance as compliance_maps
from .model import MetadataError
from .rules import (account, ai, api, compliance, deployment, infrastructure, infrastructure_data, observability,
                    resource_policies, security_encryption, security_iam, security_network, security_s3,
                    security_secrets)

PACK_NAME = "preflight"
PACK_DESCRIPTION = ("Preflight: the production readiness checklist for AWS (pulumi-aws 7.x), mandatory in "
                    "prod and staging, advisory in dev.")
# Sorted by checklist section: infrastructure, security, observability, AI, compliance.
RULE_MODULES = (infrastructure, infrastructure_data, deployment, security_iam, security_secrets,
                security_encryption, security_s3, resource_policies, security_network, api, observability, ai,
                compliance, account)

# One finding per cause: the more specific policy (key) reports a defect that the others (values) would also
# report on the same resource; the server keeps only the more specific finding for that URN. Declared here,
# where every module is known, for pairs that span modules; a policy may also declare `supersedes=` itself.
SUPERSEDES: Dict[str, Tuple[str, ...]] = {
    # One unencrypted topic: the alerting policy's advice (a key CloudWatch alarms may use) is the specific one.
    "sns-topic-kms": ("sns-topic-encrypted",),
    # One world-open all-traffic rule: "every port" says it all; SSH/RDP and database ports are part of it.
    "security-group-no-world-all-ports": ("security-group-no-world-admin-ports",
                                          "security-group-no-world-database-ports"),
    # One "s3:*" statement on Resource "*": the service wildcard is the defect; its writes are part of it.
    "iam-no-service-wildcard-actions": ("iam-no-write-on-all-resources",),
    # One "*" on "*" statement: full administrator covers everything narrower (passing any role, invoking any model).
    "iam-no-wildcard-admin": ("iam-no-service-wildcard-actions", "iam-no-write-on-all-resources",
                              "iam-no-passrole-on-all", "bedrock-expensive-model-access"),
    # A literal master password: "it is in the code" is the defect; "let RDS manage it" is the general advice.
    "database-password-not-plain": ("rds-managed-master-password",),
}


def all_policies() -> List[Any]:
    policies: List[Any] = []
    for module in RULE_MODULES:
        policies.extend(module.POLICIES)
    policies = apply_supersedes(policies, SUPERSEDES)
    maps = compliance_maps.load()
    policies = apply_compliance(policies, maps)
    validate(policies, compliance_maps.unknown_policies(maps, (p.meta.name for p in policies)))
    return policies


def apply_compliance(policies: List[Any], maps: List[compliance_maps.FrameworkMap]) -> List[Any]:
    """Copies of the policies with `frameworks` filled from the compliance maps (the only place they live)."""
    refs = compliance_maps.frameworks_by_policy(maps)
    return [dataclasses.replace(p, meta=dataclasses.replace(p.meta, frameworks=refs[p.meta.name]))
            if p.meta.name in refs else p for p in policies]


def apply_supersedes(policies: List[Any], table: Dict[str, Tuple[str, ...]]) -> List[Any]:
    """Copies of the policies named in `table` with those names added to their `supersedes`."""
    names = {p.meta.name for p in policies}
    unknown = sorted(set(table) - names)
    if unknown:
        raise MetadataError(f"the supersedes table names policies that do not exist: {', '.join(unknown)}")
    out = []
    for p in policies:
        extra = table.get(p.meta.name, ())
        if extra:
            merged = tuple(dict.fromkeys(p.meta.supersedes + tuple(extra)))
            p = dataclasses.replace(p, meta=dataclasses.replace(p.meta, supersedes=merged))
        out.append(p)
    return out


def validate(policies: List[Any], extra_problems: List[str] = ()) -> None:
    """Every policy's metadata is complete and well formed; names are unique."""
    problems = list(extra_problems)
    seen = set()
    for p in policies:
        try:
            p.validate()
        except MetadataError as e:
            problems.append(str(e))
        if p.meta.name in seen:
            problems.append(f"policy name {p.meta.name!r} is used twice")
        seen.add(p.meta.name)
    problems.extend(_supersedes_problems(policies))
    if problems:
        raise MetadataError("the policy catalog is invalid:\n  " + "\n  ".join(problems))


def _supersedes_problems(policies: List[Any]) -> List[str]:
    """Every superseded name exists, and no policy supersedes itself through a chain (a cycle)."""
    graph = {p.meta.name: tuple(p.meta.supersedes) for p in policies}
    problems = [f"policy {name!r} supersedes {other!r}, which does not exist"
                for name, others in graph.items() for other in others if other not in graph]
    state: Dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, path: List[str]) -> None:
        state[name] = 1
        for other in graph.get(name, ()):
            if other not in graph:
                continue
            if state.get(other) == 1:
                cycle = path[path.index(other):] + [other] if other in path else [name, other]
                problems.append("supersedes forms a cycle: " + " -> ".join(cycle))
            elif state.get(other) is None:
                visit(other, path + [other])
        state[name] = 2

    for name in graph:
        if state.get(name) is None:
            visit(name, [name])
    return problems


class Pack:
    def __init__(self, policies: List[Any]):
        self.policies = policies

    def serve(self) -> None:
        from .server import serve
        serve(PACK_NAME, self.policies, os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
              description=PACK_DESCRIPTION, display_name="Preflight")


def build_pack() -> Pack:
    return Pack(all_policies())
