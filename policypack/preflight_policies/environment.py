"""Which environment a stack is: prod, staging or dev (unknown means strict).

1. The environment the policy pack config assigns the stack (policy `stack-environment`,
   property `environments`: {stack name or glob: environment}; configuration that lives with the
   guard), else the stack name (prod, production, prd, *-prod, *-production -> prod; dev, test,
   sandbox, *-dev -> dev; staging, stage, stg, *-staging -> staging), else prod.
2. Stack config `preflight:environment` may make the stack stricter, never more lenient: a file any
   pull request can edit must not switch protection off. Set but unrecognised or empty: prod.
The pack reads the stack and its config from the process environment exactly as the Pulumi CLI
sets it (PULUMI_CONFIG, PULUMI_STACK), and the assignment from Configure.
"""
from __future__ import annotations

import fnmatch
import json
import os
from typing import Mapping, Optional, Tuple

ENVIRONMENTS: Tuple[str, ...] = ("prod", "staging", "dev")
CONFIG_KEY = "preflight:environment"
STRICTNESS = {"dev": 0, "staging": 1, "prod": 2}
ASSIGNING_POLICY = "stack-environment"   # its config property `environments` assigns environments

_ALIASES = {
    "prod": "prod", "production": "prod", "prd": "prod",
    "staging": "staging", "stage": "staging", "stg": "staging",
    "dev": "dev", "development": "dev", "test": "dev", "sandbox": "dev",
}


def from_stack_name(stack: str) -> Optional[str]:
    """The environment a stack name implies, or None when it implies nothing."""
    name = (stack or "").strip().lower()
    # Fully qualified names (org/project/stack) judge on the stack part.
    name = name.rsplit("/", 1)[-1]
    if name in ("prod", "production", "prd") or name.endswith(("-prod", "-production")):
        return "prod"
    if name in ("staging", "stage", "stg") or name.endswith("-staging"):
        return "staging"
    if name in ("dev", "test", "sandbox") or name.endswith("-dev"):
        return "dev"
    return None


def normalize(value: str) -> Optional[str]:
    return _ALIASES.get((value or "").strip().lower())


def stricter(a: str, b: str) -> str:
    return a if STRICTNESS[a] >= STRICTNESS[b] else b


def assigned(stack: str, environments: Optional[Mapping[str, str]]) -> Optional[str]:
    """{stack name or glob: environment} -> this stack's environment; exact name first, else the
    strictest matching glob; None when nothing matches. An unrecognised environment means prod."""
    if not environments or not isinstance(environments, Mapping):
        return None
    name = (stack or "").strip().rsplit("/", 1)[-1]
    if name in environments:
        return normalize(str(environments[name])) or "prod"
    matches = [normalize(str(env)) or "prod" for pattern, env in environments.items()
               if fnmatch.fnmatchcase(name, str(pattern))]
    if not matches:
        return None
    result = matches[0]
    for env in matches[1:]:
        result = stricter(result, env)
    return result


def resolve(config: Mapping[str, str], stack: str, assigned_env: Optional[str] = None) -> str:
    """The assigned environment (else the stack name, else prod), made stricter by stack config."""
    base = (normalize(assigned_env) or "prod") if assigned_env is not None \
        else (from_stack_name(stack) or "prod")
    configured = config.get(CONFIG_KEY)
    if configured is None:
        return base
    return stricter(base, normalize(str(configured)) or "prod")


def parse_pulumi_config(raw: Optional[str]) -> dict:
    """PULUMI_CONFIG is a JSON object of strings; tolerate it being absent or malformed (strict)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()} \
        if isinstance(value, dict) else {}


def stack_of(environ: Optional[Mapping[str, str]] = None) -> Tuple[dict, str]:
    """(stack config, stack name) as the CLI passes them to the pack process."""
    environ = os.environ if environ is None else environ
    return parse_pulumi_config(environ.get("PULUMI_CONFIG")), environ.get("PULUMI_STACK", "")


def from_process_env(environ: Optional[Mapping[str, str]] = None,
                     environments: Optional[Mapping[str, str]] = None) -> str:
    config, stack = stack_of(environ)
    return resolve(config, stack, assigned(stack, environments))
