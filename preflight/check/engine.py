"""Record a program's resources: run it (in its own interpreter) on the recording mock engine.

The result is what the Pulumi engine would send to an analyzer: each resource's type, name, URN,
inputs, parent, dependencies, property dependencies and options, with its provider resolved
(explicit provider resources, or the default provider configured from the stack's `aws:` config).
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List

from .project import Project, StackConfig

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")


class ProgramFailed(Exception):
    """The user's program raised; `details` is its own error output (shown as-is, exit code 2)."""

    def __init__(self, details: str):
        super().__init__(details)
        self.details = details


@dataclass
class Recording:
    resources: List[Dict[str, Any]]
    warnings: List[str] = field(default_factory=list)
    account: str = ""
    region: str = ""


def record(project: Project, stack: StackConfig, organization: str = "organization",
           timeout: float = 600.0) -> Recording:
    with tempfile.TemporaryDirectory(prefix="preflight-") as tmp:
        config_path = os.path.join(tmp, "config.json")
        out_path = os.path.join(tmp, "recording.json")
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump({"config": stack.config, "secretKeys": stack.secret_keys}, f)
        cmd = [project.python, RUNNER, "--program", project.main, "--project", project.name,
               "--stack", stack.name, "--organization", organization, "--config", config_path,
               "--out", out_path]
        env = dict(os.environ)
        env.pop("PULUMI_CONFIG", None)
        try:
            proc = subprocess.run(cmd, cwd=project.directory, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ProgramFailed(f"the program did not finish within {int(timeout)} seconds on the offline engine "
                                f"(is it waiting for something outside the program?)") from None
        if not os.path.exists(out_path):
            output = (proc.stderr or proc.stdout or "").strip()
            if "No module named 'pulumi'" in output:
                output += (f"\n\nThe interpreter {project.python} has no Pulumi SDK; install the project's "
                           f"requirements.txt into it")
            raise ProgramFailed(output or f"the program runner exited with status {proc.returncode}")
        with open(out_path, encoding="utf-8") as f:
            result = json.load(f)
    if result.get("error"):
        err = result["error"]
        details = err.get("traceback") or f"{err.get('type')}: {err.get('message')}"
        printed = (proc.stdout or "").strip()
        if printed:
            details = f"{details.rstrip()}\n\nThe program printed:\n{printed[-4000:]}"
        raise ProgramFailed(details.rstrip())
    resources = _resolve_providers(result["resources"], stack, project)
    return Recording(resources, result.get("warnings", []), result.get("account", ""), result.get("region", ""))


def _provider_props(stack: StackConfig, package: str) -> Dict[str, Any]:
    """A default provider's inputs: the stack's `<package>:` config values, as strings (structured values
    stay JSON text), which is how the engine configures default providers."""
    prefix = f"{package}:"
    return {key[len(prefix):]: value for key, value in stack.config.items() if key.startswith(prefix)}


def _resolve_providers(resources: List[Dict[str, Any]], stack: StackConfig, project: Project) -> List[Dict[str, Any]]:
    by_urn = {r["urn"]: r for r in resources}
    defaults: Dict[str, Dict[str, Any]] = {}
    for r in resources:
        if not r.get("custom") or r["type"].startswith("pulumi:providers:"):
            continue
        ref = r.get("provider") or ""
        # A provider reference is "<urn>::<id>"; the URN itself contains "::" separators.
        urn = ref.rsplit("::", 1)[0] if ref else ""
        explicit = by_urn.get(urn)
        if explicit is not None:
            r["providerResource"] = {"type": explicit["type"], "name": explicit["name"], "urn": explicit["urn"],
                                     "props": explicit.get("props") or {}}
            continue
        package = r["type"].split(":", 1)[0]
        if package not in defaults:
            name = "default"
            defaults[package] = {
                "type": f"pulumi:providers:{package}", "name": name,
                "urn": f"urn:pulumi:{stack.name}::{project.name}::pulumi:providers:{package}::{name}",
                "props": _provider_props(stack, package),
            }
        r["providerResource"] = defaults[package]
    return resources
