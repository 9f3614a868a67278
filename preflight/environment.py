"""The environment rule (DESIGN): config `preflight:environment`, then the stack name, else prod.

The policy pack carries its own copy (it must run without Preflight installed);
tests/test_environment.py checks that both give the same answer on every case.
"""
from __future__ import annotations

from typing import Mapping, Optional

ENVIRONMENTS = ("prod", "staging", "dev")
CONFIG_KEY = "preflight:environment"
_ALIASES = {
    "prod": "prod", "production": "prod", "prd": "prod",
    "staging": "staging", "stage": "staging", "stg": "staging",
    "dev": "dev", "development": "dev", "test": "dev", "sandbox": "dev",
}


def from_stack_name(stack: str) -> Optional[str]:
    name = (stack or "").strip().lower().rsplit("/", 1)[-1]
    if name in ("prod", "production", "prd") or name.endswith(("-prod", "-production")):
        return "prod"
    if name in ("dev", "test", "sandbox") or name.endswith("-dev"):
        return "dev"
    return None


def normalize(value: str) -> Optional[str]:
    """An environment name or alias (production, stg, sandbox...) to prod/staging/dev; None if unknown."""
    return _ALIASES.get((value or "").strip().lower())


def resolve(config: Mapping[str, str], stack: str) -> str:
    configured = config.get(CONFIG_KEY)
    if configured is not None:
        return normalize(str(configured)) or "prod"
    return from_stack_name(stack) or "prod"
