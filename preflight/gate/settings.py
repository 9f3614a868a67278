"""The gate's settings (defaults, --config file, flags) and the stack's environment.

Environment: DESIGN's rule (preflight.environment): stack config `preflight:environment`, else
the stack name, else prod. The config is read
from the plan itself (both formats record the config the engine used), or from
`PROJECT_DIR/Pulumi.<stack>.yaml` when the plan has none. One hardening for the gate: config never
makes a stack *less* strict than its name says (a stack named `prod` configured as `dev` is judged
as prod, with a warning), because editing one config line must not switch the gate off.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from .. import environment as environment_rule
from ..environment import CONFIG_KEY
from ..errors import UsageError

# Least to most strict: config may make a stack stricter than its name, never more lenient.
STRICTNESS = {"dev": 0, "staging": 1, "prod": 2}


@dataclass
class Environment:
    name: str
    source: str
    warnings: List[str] = field(default_factory=list)


def _config_value(config: Mapping[str, Any]) -> Optional[str]:
    value = config.get(CONFIG_KEY)
    if value is None:
        return None
    if isinstance(value, dict):  # a secret: {"secure": ...} cannot be read; strict
        return "(secret)"
    return str(value)


def _project_config(project_dir: str, stack: str) -> Dict[str, Any]:
    path = Path(project_dir) / f"Pulumi.{stack}.yaml"
    if not Path(project_dir).is_dir():
        raise UsageError(f"--project-dir '{project_dir}' is not a directory; pass the folder that "
                         "holds Pulumi.yaml")
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read {path} ({str(e).splitlines()[0]}); fix the YAML") from None
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}


def resolve_environment(stack: str, plan_config: Mapping[str, Any],
                        project_dir: Optional[str] = None) -> Environment:
    configured, source = _config_value(plan_config), "the plan's stack config"
    if configured is None and project_dir:
        configured, source = _config_value(_project_config(project_dir, stack)), f"Pulumi.{stack}.yaml"
    by_name = environment_rule.from_stack_name(stack)
    warnings: List[str] = []
    if configured is not None:
        name = environment_rule.resolve({CONFIG_KEY: configured}, stack)
        if by_name and STRICTNESS[by_name] > STRICTNESS[name]:
            warnings.append(f"{CONFIG_KEY} says '{configured}' but the stack name '{stack}' means "
                            f"'{by_name}': the stricter one applies")
            return Environment(by_name, "the stack name (stricter than its config)", warnings)
        return Environment(name, f"{CONFIG_KEY} in {source}", warnings)
    if by_name:
        return Environment(by_name, "the stack name", warnings)
    return Environment("prod", "default: a stack that is not recognisably dev is prod", warnings)


# --- gate settings --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GateSettings:
    required: int = 2                                   # distinct approvers in prod
    max_destructive: int = 10                           # blast radius: more is denied outright
    stateful_types: Tuple[str, ...] = ()                # extra type tokens or globs
    approval_environments: Tuple[str, ...] = ("prod",)  # where approvals are required
    mass_create_ratio: float = 0.5                      # creates / all resources that trips the check
    mass_create_minimum: int = 5                        # ... with at least this many creates


_CONFIG_KEYS = {"required", "maxDestructive", "statefulTypes", "approvalEnvironments", "massCreate"}


def _int(value: Any, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{what} must be a whole number of at least {minimum} (got {value!r})")
    return value


def load_settings(config_file: Optional[str]) -> GateSettings:
    """Defaults, overlaid with a YAML/JSON file (top-level keys or under `gate:`)."""
    settings = GateSettings()
    if not config_file:
        return settings
    path = Path(config_file)
    if not path.is_file():
        raise UsageError(f"--config '{config_file}' does not exist; pass a YAML file with gate "
                         "settings (see `preflight gate --help`)")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read --config '{config_file}' ({str(e).splitlines()[0]}); "
                         "fix the YAML") from None
    if isinstance(document, dict) and isinstance(document.get("gate"), dict):
        document = document["gate"]
    if not isinstance(document, dict):
        raise UsageError(f"--config '{config_file}' must be a mapping of gate settings")
    unknown = sorted(set(document) - _CONFIG_KEYS)
    if unknown:
        raise UsageError(f"--config '{config_file}': unknown setting(s) {', '.join(unknown)}; "
                         f"known: {', '.join(sorted(_CONFIG_KEYS))}")
    where = f"--config '{config_file}'"
    if "required" in document:
        settings = replace(settings, required=_int(document["required"], f"{where} required", 1))
    if "maxDestructive" in document:
        settings = replace(settings, max_destructive=_int(document["maxDestructive"],
                                                          f"{where} maxDestructive", 0))
    if "statefulTypes" in document:
        types = document["statefulTypes"]
        if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
            raise UsageError(f"{where} statefulTypes must be a list of type tokens or globs, "
                             "e.g. ['aws:fsx/*', 'aws:mq/broker:Broker']")
        settings = replace(settings, stateful_types=tuple(types))
    if "approvalEnvironments" in document:
        envs = document["approvalEnvironments"]
        if not isinstance(envs, list) or "prod" not in envs or not set(envs) <= set(STRICTNESS):
            raise UsageError(f"{where} approvalEnvironments must list prod and may add staging "
                             "and dev, e.g. [prod, staging]")
        settings = replace(settings, approval_environments=tuple(envs))
    if "massCreate" in document:
        mass = document["massCreate"]
        if not isinstance(mass, dict) or set(mass) - {"ratio", "minimum"}:
            raise UsageError(f"{where} massCreate must be a mapping with ratio and/or minimum")
        ratio = mass.get("ratio", settings.mass_create_ratio)
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
            raise UsageError(f"{where} massCreate.ratio must be a number in (0, 1], e.g. 0.5")
        settings = replace(settings, mass_create_ratio=float(ratio),
                           mass_create_minimum=_int(mass.get("minimum", settings.mass_create_minimum),
                                                    f"{where} massCreate.minimum", 1))
    return settings


def with_flags(settings: GateSettings, required: Optional[int], max_destructive: Optional[int],
               stateful_types: Sequence[str]) -> GateSettings:
    if required is not None:
        settings = replace(settings, required=_int(required, "--required", 1))
    if max_destructive is not None:
        settings = replace(settings, max_destructive=_int(max_destructive, "--max-destructive", 0))
    if stateful_types:
        settings = replace(settings, stateful_types=settings.stateful_types + tuple(stateful_types))
    return settings


def describe(settings: GateSettings) -> Dict[str, Any]:
    return {"required": settings.required, "maxDestructive": settings.max_destructive,
            "statefulTypes": list(settings.stateful_types),
            "approvalEnvironments": list(settings.approval_environments),
            "massCreate": {"ratio": settings.mass_create_ratio,
                           "minimum": settings.mass_create_minimum}}

