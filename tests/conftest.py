"""Shared fixtures: the policy pack spoken to over the Analyzer protocol, and programs on the recording engine.

    def test_x(pack):                      # the pack started as the CLI would, stack "prod"
        diags = pack.analyze("aws:rds/instance:Instance", {"storageEncrypted": False})
        assert pack.violations(diags, "rds-storage-encrypted")

    def test_y(pack_for):                  # another environment / config
        dev = pack_for("dev")

    def test_z(run_program):               # a program (source text) on the recording engine
        resources = run_program("import pulumi_aws as aws\\naws.s3.Bucket('b')")

Resources for analyze_stack are dicts: {"type", "name", "props", "protect", "parent", "dependencies",
"propertyDependencies", "providerResource"}; `res(...)` builds one and `link(a, "bucket", b)` makes
a's input point at b the way the engine records it (value and property dependency).
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import textwrap
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACK_DIR = os.path.join(ROOT, "policypack")
sys.path.insert(0, ROOT)

from preflight.analyzer import LEVEL_NAMES, SEVERITY_NAMES, PolicyPackProcess, StackContext  # noqa: E402

# The SDK's own unknown sentinels, as the engine sends them during preview.
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE  # noqa: E402,F401

# A policy that raised: the server fails closed with this text. Tests must never pass because of one.
COULD_NOT_EVALUATE = "could not evaluate"
_CRASHES: List[str] = []


def _watch(response):
    """Record every 'could not evaluate' diagnostic a pack sends to this test process."""
    for d in response.diagnostics:
        if COULD_NOT_EVALUATE in d.message:
            _CRASHES.append(f"{d.policyName}: {d.message.splitlines()[-1][:300]}")
    return response


def _install_crash_watch() -> None:
    if getattr(PolicyPackProcess, "_crash_watch", False):
        return
    analyze, analyze_stack = PolicyPackProcess.analyze, PolicyPackProcess.analyze_stack
    PolicyPackProcess.analyze = lambda self, res: _watch(analyze(self, res))
    PolicyPackProcess.analyze_stack = lambda self, resources: _watch(analyze_stack(self, resources))
    PolicyPackProcess._crash_watch = True


_install_crash_watch()


@pytest.fixture(autouse=True)
def _no_policy_crashes(request):
    """Fail any test whose pack responses held a 'could not evaluate' diagnostic, unless it is marked
    @pytest.mark.could_not_evaluate (it asks for one)."""
    del _CRASHES[:]
    yield
    crashes = list(_CRASHES)
    del _CRASHES[:]
    if crashes and request.node.get_closest_marker("could_not_evaluate") is None:
        pytest.fail("a policy crashed (the pack reported 'could not evaluate'):\n  " + "\n  ".join(crashes[:10]),
                    pytrace=False)


SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def secret(value: Any) -> Dict[str, Any]:
    """A secret input value exactly as the engine serializes it."""
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


@dataclass
class Diagnostic:
    policy: str
    level: str
    severity: str
    message: str
    urn: str


@dataclass
class Result:
    diagnostics: List[Diagnostic]
    not_applicable: Dict[str, str]

    def violations(self, policy: Optional[str] = None) -> List[Diagnostic]:
        return [d for d in self.diagnostics if policy is None or d.policy == policy]

    def policies(self) -> set:
        return {d.policy for d in self.diagnostics}


def res(type_: str, name: str, props: Optional[Mapping[str, Any]] = None, stack: str = "prod",
        project: str = "app", **options: Any) -> Dict[str, Any]:
    r = {"type": type_, "name": name, "props": dict(props or {}),
         "urn": f"urn:pulumi:{stack}::{project}::{type_}::{name}"}
    r.update(options)
    return r


def link(source: Dict[str, Any], prop: str, target: Dict[str, Any], value: Any = None) -> Dict[str, Any]:
    """source.props[prop] refers to target (its id by default), with the property dependency recorded."""
    source["props"][prop] = value if value is not None else target["props"].get("bucket", target["name"])
    source.setdefault("propertyDependencies", {}).setdefault(prop, []).append(target["urn"])
    source.setdefault("dependencies", []).append(target["urn"])
    return source


class PackClient:
    """A running pack plus conveniences that turn responses into plain Python."""

    def __init__(self, process: PolicyPackProcess):
        self.process = process
        self.info = process.get_info()
        self.default_config: Dict[str, Any] = {}
        self.process.configure({})
        self.process.configure_stack()

    def configure(self, config: Mapping[str, Any]) -> None:
        self.process.configure(config)

    @contextlib.contextmanager
    def configured(self, config: Mapping[str, Any]) -> Iterator["PackClient"]:
        self.process.configure(config)
        try:
            yield self
        finally:
            self.process.configure(self.default_config)

    def _result(self, response) -> Result:
        return Result(
            [Diagnostic(d.policyName, LEVEL_NAMES[d.enforcementLevel], SEVERITY_NAMES.get(d.severity, ""),
                        d.message, d.urn) for d in response.diagnostics],
            {n.policy_name: n.reason for n in response.not_applicable})

    def analyze(self, type_: str, props: Optional[Mapping[str, Any]] = None, name: str = "r", **options) -> Result:
        r = res(type_, name, props, stack=self.process.context.stack)
        r.update(options)
        return self._result(self.process.analyze(r))

    def analyze_stack(self, resources: List[Dict[str, Any]]) -> Result:
        return self._result(self.process.analyze_stack(resources))

    def policy_names(self) -> List[str]:
        return [p.name for p in self.info.policies]


class PackPool:
    """One pack process per (environment, stack) for the whole session; all shut down at the end."""

    def __init__(self):
        self._packs: Dict[tuple, PackClient] = {}
        self._stack = contextlib.ExitStack()

    def get(self, environment: Optional[str] = "prod", stack: Optional[str] = None,
            config: Optional[Mapping[str, str]] = None) -> PackClient:
        stack = stack or (environment or "prod")
        cfg = dict(config or {})
        if environment:
            cfg.setdefault("preflight:environment", environment)
        key = (stack, json.dumps(cfg, sort_keys=True))
        if key not in self._packs:
            process = PolicyPackProcess(PACK_DIR, StackContext(project="app", stack=stack, config=cfg))
            self._stack.enter_context(process)
            self._packs[key] = PackClient(process)
        return self._packs[key]

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="session")
def pack_pool():
    pool = PackPool()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def pack(pack_pool) -> PackClient:
    """The policy pack as the CLI starts it for a prod stack."""
    return pack_pool.get("prod")


@pytest.fixture(scope="session")
def baseline_pack(pack_pool) -> PackClient:
    """A prod stack that declares itself the account baseline (account-level controls required there)."""
    return pack_pool.get("prod", config={"preflight:accountBaseline": "true"})


@pytest.fixture(scope="session")
def dev_pack(pack_pool) -> PackClient:
    return pack_pool.get("dev")


@pytest.fixture(scope="session")
def pack_for(pack_pool):
    """pack_for(environment="prod", stack=None, config=None) -> PackClient."""
    return pack_pool.get


@pytest.fixture
def run_program(tmp_path):
    """Run program source (or an existing project dir) on the recording engine; return its resources."""
    from preflight.check import engine
    from preflight.check.project import load_project, load_stack

    def run(source: str, stack: str = "prod", config: Optional[Mapping[str, Any]] = None,
            project_name: str = "app") -> List[Dict[str, Any]]:
        write_project(tmp_path, source, stack=stack, config=config, project_name=project_name)
        project = load_project(str(tmp_path))
        return engine.record(project, load_stack(project, stack)).resources

    return run


def write_project(directory, source: str, stack: str = "prod", config: Optional[Mapping[str, Any]] = None,
                  project_name: str = "app") -> str:
    """A minimal Python Pulumi project on disk: Pulumi.yaml, Pulumi.<stack>.yaml, __main__.py."""
    import yaml
    directory = str(directory)
    with open(os.path.join(directory, "Pulumi.yaml"), "w") as f:
        f.write(f"name: {project_name}\nruntime: python\n")
    with open(os.path.join(directory, f"Pulumi.{stack}.yaml"), "w") as f:
        yaml.safe_dump({"config": dict(config or {"aws:region": "us-east-1"})}, f)
    with open(os.path.join(directory, "__main__.py"), "w") as f:
        f.write(textwrap.dedent(source))
    return directory


def processes_with(marker: str) -> List[str]:
    """Pids of live processes whose command line contains `marker` (for "no orphans left" checks)."""
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        found.append(pid)
            except OSError:
                pass
    return found
