"""The environment rule (DESIGN): the stack name, or the guard's own reviewed configuration; stack
config may only make a stack stricter.

1. An environment *assigned* by configuration that lives with the guard (the policy pack config
   for the pack and `check`, the gate's `--config` for the gate), else the stack name (prod,
   production, prd, *-prod, *-production -> prod; dev, test, sandbox, *-dev -> dev; staging, stage,
   stg, *-staging -> staging), else prod: unknown means strict.
2. Stack config `preflight:environment` (a file any pull request can edit) may make the stack
   stricter than that, never more lenient. A set but unrecognised or empty value means prod.

The policy pack and the components carry their own copies (they must run without Preflight
installed); tests/test_environment.py checks that all three give the same answer on every case.
"""
from __future__ import annotations

import fnmatch
from typing import Mapping, Optional

ENVIRONMENTS = ("prod", "staging", "dev")
CONFIG_KEY = "preflight:environment"
# Least to most strict.
STRICTNESS = {"dev": 0, "staging": 1, "prod": 2}
_ALIASES = {
    "prod": "prod", "production": "prod", "prd": "prod",
    "staging": "staging", "stage": "staging", "stg": "staging",
    "dev": "dev", "development": "dev", "test": "dev", "sandbox": "dev",
}


def from_stack_name(stack: str) -> Optional[str]:
    name = (stack or "").strip().lower().rsplit("/", 1)[-1]
    if name in ("prod", "production", "prd") or name.endswith(("-prod", "-production")):
        return "prod"
    if name in ("staging", "stage", "stg") or name.endswith("-staging"):
        return "staging"
    if name in ("dev", "test", "sandbox") or name.endswith("-dev"):
        return "dev"
    return None


def normalize(value: str) -> Optional[str]:
    """An environment name or alias (production, stg, sandbox...) to prod/staging/dev; None if unknown."""
    return _ALIASES.get((value or "").strip().lower())


def stricter(a: str, b: str) -> str:
    return a if STRICTNESS[a] >= STRICTNESS[b] else b


def assigned(stack: str, environments: Optional[Mapping[str, str]]) -> Optional[str]:
    """The environment a guard's config assigns this stack: {stack name or glob: environment}.

    The stack part of the name is matched; an exact name wins over globs, and when several globs
    match, the strictest of them applies. An unrecognised environment name means prod.
    """
    if not environments:
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
    base = (normalize(assigned_env) or "prod") if assigned_env is not None \
        else (from_stack_name(stack) or "prod")
    configured = config.get(CONFIG_KEY)
    if configured is None:
        return base
    return stricter(base, normalize(str(configured)) or "prod")
