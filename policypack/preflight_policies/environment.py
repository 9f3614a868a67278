"""Which environment a stack is: prod, staging or dev (unknown means strict).

Order: stack config `preflight:environment`, then the stack name (prod, production, prd, *-prod,
*-production -> prod; dev, test, sandbox, *-dev -> dev; staging only by config), else prod. The pack reads it from
the process environment exactly as the Pulumi CLI sets it (PULUMI_CONFIG, PULUMI_STACK).
"""
from __future__ import annotations

import json
import os
from typing import Mapping, Optional, Tuple

ENVIRONMENTS: Tuple[str, ...] = ("prod", "staging", "dev")
CONFIG_KEY = "preflight:environment"

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
    if name in ("dev", "test", "sandbox") or name.endswith("-dev"):
        return "dev"
    return None


def normalize(value: str) -> Optional[str]:
    return _ALIASES.get((value or "").strip().lower())


def resolve(config: Mapping[str, str], stack: str) -> str:
    """Config first, then the stack name, else prod. An unrecognised config value is strict."""
    configured = config.get(CONFIG_KEY)
    if configured is not None:
        return normalize(str(configured)) or "prod"
    return from_stack_name(stack) or "prod"


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


def from_process_env(environ: Optional[Mapping[str, str]] = None) -> str:
    environ = os.environ if environ is None else environ
    return resolve(parse_pulumi_config(environ.get("PULUMI_CONFIG")), environ.get("PULUMI_STACK", ""))
