"""The policy pack config checked against the schemas the pack publishes, as the Pulumi CLI does.

The CLI validates `--policy-pack-config` with a JSON Schema validator against each policy's configSchema
from GetAnalyzerInfo (minimum, maximum, items, enum, pattern... all count). `preflight check` does the same
before it configures the pack, and says every mistake at once, one plain line each (exit 2).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Mapping

from google.protobuf import json_format

from ..errors import UsageError

if TYPE_CHECKING:
    import jsonschema

LEVELS = ("advisory", "mandatory", "disabled", "remediate")


def _where(error: jsonschema.ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)


def problems(info: Any, user_config: Mapping[str, Any]) -> List[str]:
    """Every mistake in `user_config` (the --policy-pack-config document), one line each."""
    known = {p.name: p for p in info.policies}
    out: List[str] = []
    unknown_names = sorted(k for k in user_config if k != "all" and k not in known)
    if unknown_names:
        out.append(f"policy pack config names unknown policies: {', '.join(unknown_names)}; run "
                   f"`preflight policies` for the names")
    for name, value in user_config.items():
        if name != "all" and name not in known:
            continue
        if isinstance(value, str):
            level, props = value, {}
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
        else:
            out.append(f"policy pack config for {name!r} must be a level or an object, not {value!r}")
            continue
        if level is not None and level not in LEVELS:
            out.append(f"policy pack config for {name!r} has enforcement level {level!r}; use advisory, mandatory "
                       f"or disabled")
        if name == "all":
            if props:
                out.append(f"policy pack config 'all' takes only an enforcement level, not "
                           f"{', '.join(sorted(props))}; put settings under each policy's name")
            continue
        policy = known[name]
        properties = json_format.MessageToDict(policy.configSchema.properties) \
            if policy.HasField("configSchema") else {}
        unknown = sorted(set(props) - set(properties))
        if unknown:
            out.append(f"policy pack config for {name!r} has unknown propert{'ies' if len(unknown) > 1 else 'y'} "
                       f"{', '.join(map(repr, unknown))}; known: {', '.join(['enforcementLevel', *properties])}")
        schema = {"type": "object", "properties": properties}
        import jsonschema  # only when there is a policy's config to check (about 50 ms to load)
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(props), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
            out.append(f"policy pack config {name}{_where(error)}: {error.message}")
    return out


def validate(info: Any, user_config: Mapping[str, Any]) -> None:
    found = problems(info, user_config)
    if found:
        raise UsageError("\n".join(found))
