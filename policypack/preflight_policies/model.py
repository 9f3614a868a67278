"""The policy model: one unit of metadata plus a check, validated when the pack loads.

Every consumer (the Pulumi CLI, Pulumi Cloud, `preflight check`, `preflight policies`) sees the
same metadata, because it travels on the wire through GetAnalyzerInfo.
"""
from __future__ import annotations

import inspect
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .environment import ENVIRONMENTS

# -- not applicable ---------------------------------------------------------------------------------
# Lives with the model (not the server) so that rules import no gRPC code.
UNKNOWN_DURING_PREVIEW = "unknown during preview; it is judged again when the value is known"


class NotApplicable(Exception):
    """Raised by a check (via not_applicable()) when the policy does not apply to this resource."""

    def __init__(self, reason: str = ""):
        super().__init__(reason)
        self.reason = reason


def not_applicable(reason: str = "") -> None:
    raise NotApplicable(reason)


def unknown_during_preview(what: str, verb: str = "is") -> None:
    """Not applicable because `what` is unknown during preview (the real update judges it again)."""
    raise NotApplicable(f"{what} {verb} {UNKNOWN_DURING_PREVIEW}")


# The stable checklist ids (their meaning: docs/checklist.md); every policy cites at least one.
CHECKLIST_IDS: Tuple[str, ...] = (
    "infra.separation",
    "infra.iac",
    "infra.backups",
    "infra.rollback",
    "security.iam",
    "security.secrets",
    "security.encryption",
    "security.api",
    "observability.logging",
    "observability.metrics",
    "observability.alerting",
    "observability.tracing",
    "ai.cost",
    "ai.prompt-injection",
    "ai.agents",
    "compliance.audit-logging",
    "compliance.data",
    "compliance.incident-response",
)

SEVERITIES: Tuple[str, ...] = ("low", "medium", "high", "critical")
LEVELS: Tuple[str, ...] = ("advisory", "mandatory", "disabled")

# Compliance frameworks: which policies serve which control is kept apart from the checks, in one data file per
# framework version (compliance/*.json, Prowler's way); the catalog fills PolicyMeta.frameworks from them at load.
# key: (display name, version, control id pattern)
FRAMEWORKS: Dict[str, Tuple[str, str, "re.Pattern[str]"]] = {
    "CIS-AWS-3.0": ("CIS AWS Foundations Benchmark", "3.0.0", re.compile(r"^\d+(\.\d+){1,3}$")),
    "AWS-FSBP": ("AWS Foundational Security Best Practices", "1.0.0", re.compile(r"^[A-Za-z][A-Za-z0-9]*\.\d+$")),
}
# Cross-references to other tools' checks for the same thing (not compliance controls): "<tool>:<check id>".
# tests/policypack/test_compliance_maps.py checks every id against the tools' own published check lists.
TOOLS: Dict[str, "re.Pattern[str]"] = {
    "Checkov": re.compile(r"^CKV2?_AWS_\d+$"),
    "Prowler": re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$"),
}

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
TYPE_TOKEN_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9/._-]+:[A-Za-z0-9]+$")

# Where each policy's documentation lives: its anchor in the generated reference (docs/policies.md),
# relative to the repository root (no public repository URL is configured; make it absolute when one is).
DOCS_BASE = "docs/policies.md"

# Mandatory where it matters, advisory in dev: the default for almost every policy.
STRICT_EXCEPT_DEV: Mapping[str, str] = {"prod": "mandatory", "staging": "mandatory", "dev": "advisory"}
# For findings that are good practice everywhere but never block (e.g. low-severity hygiene).
ADVISORY_EVERYWHERE: Mapping[str, str] = {"prod": "advisory", "staging": "advisory", "dev": "advisory"}
# Only production needs it (multi-AZ, protect=True, budgets...): advisory elsewhere.
PROD_ONLY: Mapping[str, str] = {"prod": "mandatory", "staging": "advisory", "dev": "advisory"}


class MetadataError(ValueError):
    """A policy's metadata is incomplete or malformed; the pack refuses to start."""


@dataclass(frozen=True)
class Framework:
    key: str
    control: str

    @property
    def name(self) -> str:
        return FRAMEWORKS[self.key][0]

    @property
    def version(self) -> str:
        return FRAMEWORKS[self.key][1]

    def __str__(self) -> str:
        return f"{self.key}:{self.control}"


def parse_cross_reference(ref: str) -> Tuple[str, str]:
    tool, sep, check = ref.partition(":")
    if not sep or tool not in TOOLS:
        raise MetadataError(f"cross reference {ref!r} must be '<tool>:<check id>' with tool one of {', '.join(TOOLS)}")
    if not TOOLS[tool].match(check):
        raise MetadataError(f"cross reference {ref!r}: {check!r} is not a valid {tool} check id")
    return tool, check


def parse_framework(ref: str) -> Framework:
    key, sep, control = ref.partition(":")
    if not sep or key not in FRAMEWORKS:
        raise MetadataError(
            f"framework reference {ref!r} must be '<framework>:<control>' with framework one of "
            f"{', '.join(FRAMEWORKS)}")
    if not FRAMEWORKS[key][2].match(control):
        raise MetadataError(f"framework reference {ref!r}: {control!r} is not a valid {key} control id")
    return Framework(key, control)


@dataclass(frozen=True)
class PolicyMeta:
    name: str
    title: str
    checklist: Tuple[str, ...]
    severity: str
    remediation: str
    # Compliance controls this policy serves ("CIS-AWS-3.0:2.1.4"): filled by the catalog from compliance/*.json,
    # never written in the policy's code.
    frameworks: Tuple[str, ...] = ()
    # Other tools' checks for the same thing ("Checkov:CKV_AWS_19", "Prowler:s3_bucket_default_encryption").
    cross_references: Tuple[str, ...] = ()
    levels: Mapping[str, str] = field(default_factory=lambda: dict(STRICT_EXCEPT_DEV))
    # An account-level control (one budget, one trail... per AWS account): required of the stack that
    # declares itself the account baseline (`preflight:accountBaseline: true`), summarised elsewhere.
    account: bool = False
    # Names of less specific policies that describe the same defect: when this policy reports a resource,
    # theirs are dropped for that resource (one finding per cause). Checked at load: names exist, no cycles.
    supersedes: Tuple[str, ...] = ()
    # What AWS or pulumi-aws 7.x does when the input this policy judges is not set, with the date the default
    # changed where that matters (verified against AWS or provider docs, never guessed). A violation on a
    # resource that leaves the input out carries this text (tests/policypack/test_aws_defaults.py).
    aws_default: str = ""

    @property
    def url(self) -> str:
        return f"{DOCS_BASE}#{self.name}"

    @property
    def parsed_frameworks(self) -> List[Framework]:
        return [parse_framework(f) for f in self.frameworks]

    def level_for(self, environment: str) -> str:
        return self.levels[environment]

    @property
    def tags(self) -> List[str]:
        """Wire tags: one per checklist id, one per framework reference after the primary, one per tool check."""
        return ([f"checklist:{c}" for c in self.checklist] + [f"framework:{f}" for f in self.frameworks[1:]]
                + [f"see:{ref}" for ref in self.cross_references]
                + (["scope:account"] if self.account else []) + [f"supersedes:{n}" for n in self.supersedes])

    def validate(self) -> None:
        problems = []
        if not NAME_RE.match(self.name or ""):
            problems.append("name must be kebab-case with at least two words (e.g. s3-bucket-encrypted)")
        # Same rule as the audit's Check.validate (tests/test_metadata_parity.py keeps them in step).
        if not self.title or len(self.title) > 120 or "\n" in self.title or self.title != self.title.strip():
            problems.append("title must be a one-line sentence of at most 120 characters")
        if not self.checklist:
            problems.append("checklist must cite at least one checklist id")
        for cid in self.checklist:
            if cid not in CHECKLIST_IDS:
                problems.append(f"unknown checklist id {cid!r} (known: {', '.join(CHECKLIST_IDS)})")
        if self.severity not in SEVERITIES:
            problems.append(f"severity must be one of {', '.join(SEVERITIES)}")
        for ref in self.frameworks:
            try:
                parse_framework(ref)
            except MetadataError as e:
                problems.append(str(e))
        if len(set(self.frameworks)) != len(self.frameworks):
            problems.append("framework references must be unique")
        for ref in self.cross_references:
            try:
                parse_cross_reference(ref)
            except MetadataError as e:
                problems.append(str(e))
        if len(set(self.cross_references)) != len(self.cross_references):
            problems.append("cross references must be unique")
        if not self.remediation or len(self.remediation) < 20:
            problems.append("remediation must say what to change (at least 20 characters)")
        if set(self.levels) != set(ENVIRONMENTS):
            problems.append(f"levels must name exactly the environments {', '.join(ENVIRONMENTS)}")
        for env, level in self.levels.items():
            if level not in LEVELS:
                problems.append(f"level {level!r} for {env} must be one of {', '.join(LEVELS)}")
        if self.name in self.supersedes:
            problems.append("a policy cannot supersede itself")
        if self.aws_default and (self.aws_default != self.aws_default.strip() or "\n" in self.aws_default
                                 or len(self.aws_default) < 20):
            problems.append("aws_default must be one line saying what AWS does when the input is not set")
        if problems:
            raise MetadataError(f"policy {self.name!r}: " + "; ".join(problems))


# A check reports violations through this callback: report(message, urn=None).
Report = Callable[..., None]

# On the wire PolicyInfo.description is "what it checks", then this separator and the AWS default (when known);
# `preflight policies` splits them again. The diagnostic's description stays the title.
AWS_DEFAULT_SEPARATOR = "\n\nAWS default: "
_PACK_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def source_of(fn: Callable[..., Any]) -> str:
    """The repository path of the module that defines a check (`policypack/preflight_policies/rules/x.py`), the
    same whether the pack runs from a checkout (policypack/) or from the wheel (preflight/_pack/)."""
    module = sys.modules.get(getattr(fn, "__module__", ""))
    path = getattr(module, "__file__", None) or inspect.getfile(fn)
    rel = os.path.relpath(os.path.abspath(path), _PACK_ROOT).replace(os.sep, "/")
    return f"policypack/{rel}"


def short_type(type_token: str) -> str:
    """aws:s3/bucket:Bucket -> aws.s3.Bucket (how a Python user writes it)."""
    try:
        pkg, mod, name = type_token.split(":")
        module = mod.split("/")[0]
        module = {"lambda": "lambda_"}.get(module, module)
        return f"{pkg}.{module}.{name}"
    except ValueError:
        return type_token


def snake_path(path: str) -> str:
    """domainEndpointOptions.enforceHttps -> domain_endpoint_options.enforce_https (how a Python user writes it)."""
    return ".".join(re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", p).lower() for p in path.split("."))


def describe(policy: Any) -> str:
    """What the policy checks, from what it declares (its types and, for property policies, the inputs read),
    followed by the AWS default when the metadata has one."""
    types = [t for t in policy.types if t != "*"]
    shown = ", ".join(short_type(t) for t in types[:6]) + (f" and {len(types) - 6} more" if len(types) > 6 else "")
    if policy.kind == "resource":
        text = (f"Judges each {shown} on its own." if types else "Judges every resource on its own.")
    else:
        text = (f"Judges the whole stack, reading {shown}." if types else "Judges the whole stack.")
    inputs = getattr(policy, "inputs", ())
    if inputs:
        text += " Input: " + ", ".join(f"`{snake_path(i)}`" for i in inputs) + "."
    if policy.meta.aws_default:
        text += AWS_DEFAULT_SEPARATOR + policy.meta.aws_default
    return text


@dataclass(frozen=True)
class ResourcePolicy:
    """Judges one resource at a time; `types` are the pulumi type tokens it applies to ('*' = all)."""
    meta: PolicyMeta
    types: Tuple[str, ...]
    check: Callable[[Any, Report], None]
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The inputs a declarative (property) policy reads, for the reference ("what it checks").
    inputs: Tuple[str, ...] = ()

    kind = "resource"

    @property
    def source(self) -> str:
        return source_of(self.check)

    def validate(self) -> None:
        self.meta.validate()
        if not self.types:
            raise MetadataError(f"policy {self.meta.name!r}: a resource policy must name its resource types")
        for t in self.types:
            if t != "*" and not TYPE_TOKEN_RE.match(t):
                raise MetadataError(f"policy {self.meta.name!r}: {t!r} is not a type token")
        _validate_config(self.meta.name, self.config)


@dataclass(frozen=True)
class StackPolicy:
    """Judges the whole stack at once (cross-resource rules such as split-out S3 configuration)."""
    meta: PolicyMeta
    check: Callable[[Any, Report], None]
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Types the stack policy looks at; documentation only (the catalog shows them).
    types: Tuple[str, ...] = ()

    kind = "stack"

    @property
    def source(self) -> str:
        return source_of(self.check)

    def validate(self) -> None:
        self.meta.validate()
        _validate_config(self.meta.name, self.config)


def _validate_config(name: str, config: Mapping[str, Mapping[str, Any]]) -> None:
    for key, schema in config.items():
        if key in ("enforcementLevel", "exemptions"):
            raise MetadataError(f"policy {name!r}: config key {key!r} is reserved")
        if "type" not in schema or "description" not in schema:
            raise MetadataError(f"policy {name!r}: config key {key!r} needs a JSON schema type and description")
        if "default" not in schema:
            raise MetadataError(f"policy {name!r}: config key {key!r} needs a default (secure by default)")


def _meta(name: str, title: str, checklist: Sequence[str] | str, severity: str, remediation: str,
          cross_references: Iterable[str] = (), levels: Optional[Mapping[str, str]] = None, account: bool = False,
          supersedes: Iterable[str] = (), aws_default: str = "") -> PolicyMeta:
    return PolicyMeta(
        name=name, title=title,
        checklist=(checklist,) if isinstance(checklist, str) else tuple(checklist),
        severity=severity, cross_references=tuple(cross_references), remediation=remediation,
        levels=dict(levels if levels is not None else STRICT_EXCEPT_DEV), account=account,
        supersedes=tuple(supersedes), aws_default=aws_default)


def resource_policy(*, name: str, title: str, checklist: Sequence[str] | str, severity: str,
                    remediation: str, types: Sequence[str] | str, cross_references: Iterable[str] = (),
                    levels: Optional[Mapping[str, str]] = None,
                    config: Optional[Mapping[str, Mapping[str, Any]]] = None, supersedes: Iterable[str] = (),
                    aws_default: str = "", inputs: Iterable[str] = ()):
    """Decorator: turns `def check(resource, report)` into a ResourcePolicy. `aws_default`: see PolicyMeta."""
    def wrap(fn: Callable[[Any, Report], None]) -> ResourcePolicy:
        return ResourcePolicy(
            meta=_meta(name, title, checklist, severity, remediation, cross_references, levels, supersedes=supersedes,
                       aws_default=aws_default),
            types=(types,) if isinstance(types, str) else tuple(types),
            check=fn, config=dict(config or {}), inputs=tuple(inputs))
    return wrap


def stack_policy(*, name: str, title: str, checklist: Sequence[str] | str, severity: str,
                 remediation: str, cross_references: Iterable[str] = (), types: Sequence[str] = (),
                 levels: Optional[Mapping[str, str]] = None,
                 config: Optional[Mapping[str, Mapping[str, Any]]] = None, account: bool = False,
                 supersedes: Iterable[str] = (), aws_default: str = ""):
    """Decorator: turns `def check(stack, report)` into a StackPolicy. `account=True` marks an account-level
    control (see PolicyMeta.account); `aws_default`: see PolicyMeta."""
    def wrap(fn: Callable[[Any, Report], None]) -> StackPolicy:
        return StackPolicy(
            meta=_meta(name, title, checklist, severity, remediation, cross_references, levels, account, supersedes,
                       aws_default),
            check=fn, config=dict(config or {}), types=tuple(types))
    return wrap
