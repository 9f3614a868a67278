"""`preflight check`: an offline `pulumi preview --policy-pack`, as a function (the command wraps it)."""
from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

# gRPC core logs connection events (a GOAWAY when the pack exits) to stderr at INFO; keep stderr to
# what Preflight says. Read when grpc loads, so it is set before the import.
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

# grpc and the Pulumi SDK's protos (..analyzer) are imported by run_check once the
# program runs, so that loading them overlaps with it (and `preflight check --help` needs none of them).
from .. import environment
from ..errors import UsageError
from ..pack import default_pack_dir
from ..report import SEVERITY_ORDER
from . import engine
from .project import load_project, load_stack

DEFAULT_PACK = default_pack_dir()  # shipped in the wheel, or this checkout's policypack/
ANALYZE_IN_FLIGHT = 8  # the engine analyzes steps in parallel too


@dataclass
class CheckResult:
    project: str
    stack: str
    environment: str
    resources: List[Dict[str, Any]]
    policies: List[Dict[str, Any]]
    violations: List[Dict[str, Any]]
    not_applicable: List[Dict[str, Any]]
    warnings: List[str] = field(default_factory=list)
    timings: Dict[str, float] = field(default_factory=dict)
    main: str = ""
    remote_components: List[Dict[str, Any]] = field(default_factory=list)
    stack_references: List[Dict[str, Any]] = field(default_factory=list)
    allow_uninspected: bool = False
    invokes: Dict[str, Any] = field(default_factory=dict)

    def recording_document(self) -> Dict[str, Any]:
        """What the offline engine recorded (for --save-recording): the requests the pack was sent."""
        return {"resources": _hide_secrets(self.resources), "remoteComponents": self.remote_components,
                "stackReferences": self.stack_references, "invokes": self.invokes, "warnings": self.warnings}

    @property
    def uninspected_blocks(self) -> bool:
        """A prod stack with parts nobody inspected does not pass, unless the user said so."""
        return bool(self.remote_components) and self.environment == "prod" and not self.allow_uninspected

    @property
    def exit_code(self) -> int:
        return 1 if self.mandatory or self.uninspected_blocks else 0

    @property
    def mandatory(self) -> int:
        return sum(1 for v in self.violations if v["level"] == "mandatory")

    @property
    def advisory(self) -> int:
        return sum(1 for v in self.violations if v["level"] == "advisory")

    def document(self) -> Dict[str, Any]:
        """The JSON document DESIGN specifies."""
        types: Dict[str, int] = {}
        for r in self.resources:
            types[r["type"]] = types.get(r["type"], 0) + 1
        return {
            "project": self.project,
            "stack": self.stack,
            "environment": self.environment,
            "resources": len(self.resources),
            "resourceTypes": dict(sorted(types.items())),
            "policies": len(self.policies),
            "violations": self.violations,
            "notApplicable": self.not_applicable,
            "summary": {"mandatory": self.mandatory, "advisory": self.advisory},
            "warnings": self.warnings,
            "stackReferences": self.stack_references,
            "remoteComponents": [{"type": c["type"], "name": c["name"], "urn": c["urn"], "inspected": False}
                                 for c in self.remote_components],
        }


_SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")


def _hide_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(_SECRET_SIG[0]) == _SECRET_SIG[1]:
            unknown = value.get("value") == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
            return {_SECRET_SIG[0]: _SECRET_SIG[1], "value": value["value"] if unknown else "[secret]"}
        return {k: _hide_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_secrets(v) for v in value]
    return value


def load_policy_config(path: Optional[str]) -> Dict[str, Any]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except OSError as e:
        raise UsageError(f"cannot read policy pack config {path}: {e.strerror}") from None
    except ValueError as e:
        raise UsageError(f"policy pack config {path} is not valid JSON ({e}); it takes the same file as "
                         f"`pulumi preview --policy-pack-config`") from None
    if not isinstance(value, dict):
        raise UsageError(f"policy pack config {path} must be a JSON object of policy names to levels or settings")
    return value


def run_check(project_dir: str, stack_name: str, pack_dir: Optional[str] = None,
              policy_config_path: Optional[str] = None, organization: str = "organization",
              stack_outputs_path: Optional[str] = None, timeout: float = engine.DEFAULT_TIMEOUT,
              allow_uninspected: bool = False, notice=None) -> CheckResult:
    timings: Dict[str, float] = {}
    project = load_project(project_dir)
    stack = load_stack(project, stack_name)
    policy_config = load_policy_config(policy_config_path)
    stack_outputs = engine.load_stack_outputs(stack_outputs_path)
    pack_dir = os.path.abspath(pack_dir or DEFAULT_PACK)
    if not os.path.isfile(os.path.join(pack_dir, "PulumiPolicy.yaml")):
        raise UsageError(f"{pack_dir} is not a policy pack (no PulumiPolicy.yaml); pass the pack's directory with "
                         f"--policy-pack")

    context_args = dict(project=project.name, stack=stack.name, config=stack.config, secret_keys=stack.secret_keys,
                        organization=organization)
    loaded: Dict[str, Any] = {}

    def while_running() -> None:
        # The program runs in its own process: meanwhile load what analysis needs and start the pack (its
        # start-up overlaps with the program; a pack that fails to start says so once the program has run).
        import grpc

        from ..analyzer import PolicyPackProcess, StackContext
        from . import pack_config
        loaded.update(grpc=grpc, pack_config=pack_config)
        loaded["pack"] = PolicyPackProcess(pack_dir, StackContext(**context_args))
        loaded["pack"].launch()

    started = time.perf_counter()
    try:
        recording = engine.record(project, stack, organization, timeout=timeout, stack_outputs=stack_outputs,
                                  notice=notice, while_running=while_running)
    except BaseException:
        if "pack" in loaded:
            loaded["pack"].close()
        raise
    timings["program"] = time.perf_counter() - started
    grpc, pack_config, pack = loaded["grpc"], loaded["pack_config"], loaded["pack"]
    from ..analyzer import LEVEL_NAMES, SEVERITY_NAMES
    try:
        env_name = environment.resolve(stack.config, stack.name)
        warnings = list(project.notes) + list(recording.warnings)
        unused = sorted(set(stack_outputs) - set(recording.stack_outputs_used))
        if unused:
            warnings.append("--stack-outputs names stacks the program never references: " + ", ".join(unused))
        if recording.remote_components:
            named = ", ".join(f"{c['type']} '{c['name']}'" for c in recording.remote_components)
            warnings.append(f"remote components were not inspected (their plugin builds their children, which never "
                            f"pass through the program): {named}; `pulumi preview --policy-pack` judges their "
                            f"children")
        if not recording.resources and env_name == "prod":
            warnings.append("the program registered no resources, so nothing was checked; a prod stack with no "
                            "resources is unusual (does the program exit early or read a missing config value?)")

        # The pack judges what the engine would send it: the stack's resources, components and providers.
        pack.wait_ready()
        timings["packStartup"] = pack.startup_seconds
        started = time.perf_counter()
        try:
            info = pack.get_info()
            pack_config.validate(info, policy_config)  # every schema mistake, as the Pulumi CLI finds them
            effective = pack.configure(policy_config)
            pack.configure_stack()
            resources = recording.resources
            with ThreadPoolExecutor(max_workers=ANALYZE_IN_FLIGHT) as pool:
                responses = list(pool.map(pack.analyze, resources))
            stack_response = pack.analyze_stack(resources)
        except grpc.RpcError as e:
            raise UsageError(f"the policy pack failed while analyzing: {e.details() or e.code().name}"
                             + (f"\n{pack.stderr_tail()}" if pack.stderr_tail() else "")) from None
        timings["analysis"] = time.perf_counter() - started
    finally:
        pack.close()

    policies = {p.name: p for p in info.policies}
    stack_urn = f"urn:pulumi:{stack.name}::{project.name}::pulumi:pulumi:Stack::{project.name}-{stack.name}"
    by_urn = {r["urn"]: r for r in recording.resources}
    violations: List[Dict[str, Any]] = []
    not_applicable: List[Dict[str, Any]] = []

    def collect(response, default_urn: str) -> None:
        for d in response.diagnostics:
            urn = d.urn or default_urn
            policy = policies.get(d.policyName)
            message = d.message
            if d.description and message.startswith(d.description + "\n"):
                message = message[len(d.description) + 1:]
            violations.append({
                "policy": d.policyName,
                "level": LEVEL_NAMES.get(d.enforcementLevel, "advisory"),
                "severity": SEVERITY_NAMES.get(d.severity) or (SEVERITY_NAMES.get(policy.severity) if policy else ""),
                "urn": urn,
                "resourceType": (by_urn[urn]["type"] if urn in by_urn
                                 else ("pulumi:pulumi:Stack" if urn == stack_urn else "")),
                "message": message,
                "checklist": [t.split(":", 1)[1] for t in (policy.tags if policy else [])
                              if t.startswith("checklist:")],
            })
        for na in response.not_applicable:
            not_applicable.append({"policy": na.policy_name, "urn": default_urn, "reason": na.reason})

    for resource, response in zip(recording.resources, responses):
        collect(response, resource["urn"])
    collect(stack_response, stack_urn)
    violations.sort(key=lambda v: (v["level"] != "mandatory", SEVERITY_ORDER.get(v["severity"], 4), v["policy"],
                                   v["urn"]))

    policy_list = [{"name": p.name, "level": effective[p.name]["enforcementLevel"],
                    "severity": SEVERITY_NAMES.get(p.severity, "")} for p in info.policies]
    return CheckResult(
        project=project.name, stack=stack.name,
        # The reviewed pack config may assign the environment (stack config can only make it stricter).
        environment=environment.resolve(stack.config, stack.name, environment.assigned(
            stack.name, effective.get("stack-environment", {}).get("environments"))),
        resources=recording.resources, policies=policy_list, violations=violations,
        not_applicable=not_applicable, warnings=warnings, timings=timings, main=project.main,
        remote_components=recording.remote_components,
        stack_references=[{"name": r["name"], "answered": r["answered"], "outputs": r.get("outputs", [])}
                          for r in recording.stack_references],
        allow_uninspected=allow_uninspected, invokes=recording.invokes)
