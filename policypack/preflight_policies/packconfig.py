"""Policy pack config validated the way the Pulumi CLI reads it: by full JSON Schema, one line per mistake.

The CLI (pkg/resource/analyzer, ReconcilePolicyPackConfig) validates each policy's properties against
{"type": "object", "properties": <the policy's configSchema>} with a JSON Schema validator; the pack does
the same on Configure, and is stricter where a mistake would otherwise pass in silence: an enforcement
level the protocol does not define, a property no policy reads (a typo), settings under "all".
"""
from __future__ import annotations

from typing import Any, Dict, List, Mapping

import jsonschema

from . import exemptions

LEVELS = ("advisory", "mandatory", "disabled", "remediate")


def policy_schema(policy: Any) -> Dict[str, Any]:
    """The JSON Schema of one policy's properties (exemptions included), as sent in GetAnalyzerInfo."""
    return {"type": "object", "properties": {"exemptions": exemptions.SCHEMA, **policy.config},
            "additionalProperties": False}


def _where(error: jsonschema.ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def errors_for(name: str, schema: Mapping[str, Any], props: Mapping[str, Any]) -> List[str]:
    """One plain line per mistake in `props` for policy `name`."""
    validator = jsonschema.Draft7Validator(schema)
    out = []
    for error in sorted(validator.iter_errors(dict(props)), key=lambda e: (list(map(str, e.absolute_path)),
                                                                             e.message)):
        if error.validator == "additionalProperties" and not error.absolute_path:
            known = ", ".join(["enforcementLevel", *schema.get("properties", {})])
            extra = sorted(set(props) - set(schema.get("properties", {})))
            out.append(f"policy pack config for {name!r} has unknown propert{'ies' if len(extra) > 1 else 'y'} "
                       f"{', '.join(map(repr, extra))}; known: {known}")
            continue
        out.append(f"policy pack config {name}{_where(error)}: {error.message}")
    return out
