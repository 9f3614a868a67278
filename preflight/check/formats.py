"""Renderings of a CheckResult: a readable table, the JSON document, SARIF 2.1.0 for code scanning."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List

from .. import __version__
from ..report import table
from .check import CheckResult

_SARIF_LEVEL = {"mandatory": "error", "advisory": "warning"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "": "5.0"}


def _resource_label(urn: str) -> str:
    # urn:pulumi:stack::project::type$type::name -> name (type)
    parts = urn.split("::")
    if len(parts) >= 4:
        return f"{parts[-1]} ({parts[-2].split('$')[-1]})"
    return urn


def as_table(result: CheckResult) -> str:
    head = (f"Preflight check: project {result.project}, stack {result.stack} (environment {result.environment}): "
            f"{len(result.resources)} resources, {len(result.policies)} policies")
    lines = [head, ""]
    if result.violations:
        rows = [[v["level"].upper(), v["severity"], v["policy"], _resource_label(v["urn"]), v["message"]]
                for v in result.violations]
        lines.append(table(["LEVEL", "SEVERITY", "POLICY", "RESOURCE", "WHAT IS WRONG AND THE FIX"], rows))
        lines.append("")
    if result.stack_references:
        for r in result.stack_references:
            how = "answered from --stack-outputs" if r["answered"] == "stack-outputs" else "outputs unknown"
            lines.append(f"stack reference {r['name']}: {how}")
    if result.remote_components:
        lines.append("not inspected (remote components; their children are built by their plugin): "
                     + ", ".join(f"{c['name']} ({c['type']})" for c in result.remote_components))
    for w in result.warnings:
        lines.append(f"warning: {w}")
    summary = f"{result.mandatory} mandatory, {result.advisory} advisory violation(s)"
    if result.mandatory:
        lines.append(f"FAILED: {summary}. Fix the mandatory ones before `pulumi up`; each policy is explained in "
                     f"docs/policies.md under its name (`preflight policies` lists them all).")
    elif result.uninspected_blocks:
        lines.append(f"NOT PASSED: {summary} in what was inspected, but {len(result.remote_components)} remote "
                     f"component(s) were not inspected. Run `pulumi preview --policy-pack <preflight>/policypack` "
                     f"to judge their children, or pass --allow-uninspected to accept them unjudged.")
    elif not result.resources:
        lines.append("NOTHING CHECKED: the program registered no resources.")
    elif result.advisory:
        lines.append(f"PASSED with advice: {summary}.")
    else:
        lines.append("PASSED: no violations" + (" in what was inspected." if result.remote_components else "."))
    return "\n".join(lines)


def as_json(result: CheckResult) -> str:
    return json.dumps(result.document(), indent=2)


def as_sarif(result: CheckResult) -> str:
    rules: Dict[str, Dict[str, Any]] = {}
    results: List[Dict[str, Any]] = []
    location = os.path.relpath(result.main) if result.main else "Pulumi.yaml"
    for v in result.violations:
        if v["policy"] not in rules:
            rules[v["policy"]] = {
                "id": v["policy"],
                "name": v["policy"],
                "shortDescription": {"text": v["policy"]},
                "helpUri": f"docs/policies.md#{v['policy']}",
                "properties": {"tags": [f"checklist:{c}" for c in v["checklist"]],
                               "security-severity": _SECURITY_SEVERITY.get(v["severity"], "5.0")},
            }
        results.append({
            "ruleId": v["policy"],
            "level": _SARIF_LEVEL.get(v["level"], "note"),
            "message": {"text": v["message"]},
            "locations": [{
                "physicalLocation": {"artifactLocation": {"uri": location.replace(os.sep, "/")}},
                "logicalLocations": [{"fullyQualifiedName": v["urn"], "kind": "resource"}],
            }],
            "properties": {"urn": v["urn"], "resourceType": v["resourceType"], "severity": v["severity"]},
        })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "Preflight", "version": __version__, "rules": list(rules.values())}},
            "results": results,
            "invocations": [{
                "executionSuccessful": True,
                "exitCode": result.exit_code,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": w}} for w in result.warnings],
            }],
            "properties": {"project": result.project, "stack": result.stack, "environment": result.environment,
                           "stackReferences": result.stack_references,
                           "remoteComponents": [{"type": c["type"], "name": c["name"], "urn": c["urn"],
                                                 "inspected": False} for c in result.remote_components]},
        }],
    }
    return json.dumps(doc, indent=2)


FORMATS = {"table": as_table, "json": as_json, "sarif": as_sarif}
