"""The gate's settings (defaults, --config file, flags) and the stack's environment.

Environment (DESIGN, preflight.environment): the gate's reviewed `--config` (`environments`: stack
name or glob -> environment) or else the stack name, else prod. Stack config `preflight:environment`
(from the plan, or `PROJECT_DIR/Pulumi.<stack>.yaml` when the plan carries none) may make the stack
stricter, never more lenient: one config line in a pull request must not switch the gate off. A
relaxing value is ignored with a warning that says where relaxing is done.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from .. import environment as environment_rule
from ..environment import CONFIG_KEY, STRICTNESS
from ..errors import UsageError
from .plan import escape


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
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise UsageError(f"cannot read {path} ({str(e).splitlines()[0]}); fix the YAML") from None
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}


def resolve_environment(stack: str, plan_config: Mapping[str, Any],
                        project_dir: Optional[str] = None,
                        environments: Optional[Mapping[str, str]] = None) -> Environment:
    assigned = environment_rule.assigned(stack, environments)
    if assigned is not None:
        base, base_source = assigned, "the gate --config (environments)"
    else:
        by_name = environment_rule.from_stack_name(stack)
        base, base_source = (by_name, "the stack name") if by_name else \
            ("prod", "default: a stack whose name says neither prod nor dev is prod")
    configured, source = _config_value(plan_config), "the plan's stack config"
    if configured is None and project_dir:
        configured, source = _config_value(_project_config(project_dir, stack)), f"Pulumi.{stack}.yaml"
    warnings: List[str] = []
    if configured is None:
        return Environment(base, base_source, warnings)
    name = environment_rule.resolve({CONFIG_KEY: configured}, stack, base)
    if name != base:
        return Environment(name, f"{CONFIG_KEY} in {source} (stricter than {base_source})", warnings)
    wanted = environment_rule.normalize(configured) or "prod"
    if STRICTNESS[wanted] < STRICTNESS[base]:
        warnings.append(f"{CONFIG_KEY} in {source} says '{escape(configured, 40)}', but stack config "
                        f"cannot make a stack more lenient than {base_source} ('{base}'); the gate "
                        f"judges it as {base}. To relax it, add it to `environments` in the "
                        "reviewed gate --config")
    return Environment(base, base_source, warnings)


# --- gate settings --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GateSettings:
    required: int = 2                                   # distinct approvers in prod
    max_destructive: int = 10                           # blast radius: more is denied outright
    stateful_types: Tuple[str, ...] = ()                # extra type tokens or globs
    approval_environments: Tuple[str, ...] = ("prod",)  # where approvals are required
    mass_create_ratio: float = 0.5                      # creates / all resources that trips the check
    mass_create_minimum: int = 5                        # ... with at least this many creates
    environments: Tuple[Tuple[str, str], ...] = ()      # stack name or glob -> environment
    require_state: bool = False                         # deny a saved plan without --state (strict envs)


_CONFIG_KEYS = {"required", "maxDestructive", "statefulTypes", "approvalEnvironments", "massCreate",
                "environments", "requireState"}


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
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
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
    if "environments" in document:
        envs = document["environments"]
        if not isinstance(envs, dict) or not all(
                isinstance(k, str) and k and isinstance(v, str) and environment_rule.normalize(v)
                for k, v in envs.items()):
            raise UsageError(f"{where} environments must map stack names or globs to prod, staging "
                             "or dev, e.g. {eu-sandbox-1: dev, 'preview-*': dev}")
        settings = replace(settings, environments=tuple(
            (k, environment_rule.normalize(v)) for k, v in envs.items()))
    if "approvalEnvironments" in document:
        envs = document["approvalEnvironments"]
        if not isinstance(envs, list) or "prod" not in envs or not set(envs) <= set(STRICTNESS):
            raise UsageError(f"{where} approvalEnvironments must list prod and may add staging "
                             "and dev, e.g. [prod, staging]")
        settings = replace(settings, approval_environments=tuple(envs))
    if "requireState" in document:
        value = document["requireState"]
        if not isinstance(value, bool):
            raise UsageError(f"{where} requireState must be true or false (true: in approval "
                             "environments a saved plan is denied unless --state is passed)")
        settings = replace(settings, require_state=value)
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
                           "minimum": settings.mass_create_minimum},
            "environments": dict(settings.environments),
            "requireState": settings.require_state}

