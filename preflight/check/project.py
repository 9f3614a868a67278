"""Reading a Pulumi project (Pulumi.yaml) and a stack's config (Pulumi.<stack>.yaml) as the CLI does."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List

import yaml

from ..errors import UsageError

SECRET_PLACEHOLDER = "[secret]"  # secure: values stay opaque: the program gets a placeholder, never the value


@dataclass
class Project:
    directory: str
    name: str
    runtime: str
    main: str  # absolute path of the program (file or directory)
    python: str  # the interpreter that runs the program
    config_defaults: Dict[str, Any] = field(default_factory=dict)


@dataclass
class StackConfig:
    name: str
    config: Dict[str, str]  # "namespace:key" -> string value, as PULUMI_CONFIG carries it
    secret_keys: List[str]
    path: str


def _load_yaml(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{path} is not valid YAML{where}; fix the {what}") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None


def load_project(directory: str) -> Project:
    directory = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise UsageError(f"project directory {directory} does not exist; pass the folder that holds Pulumi.yaml")
    path = next((os.path.join(directory, n) for n in ("Pulumi.yaml", "Pulumi.yml")
                 if os.path.isfile(os.path.join(directory, n))), None)
    if path is None:
        raise UsageError(f"no Pulumi.yaml in {directory}; pass the folder of a Pulumi project "
                         f"(the one `pulumi preview` runs in)")
    doc = _load_yaml(path, "project file")
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise UsageError(f"{path} has no project 'name'; add `name: <project>`")
    runtime = doc.get("runtime")
    options: Dict[str, Any] = {}
    if isinstance(runtime, dict):
        options = runtime.get("options") or {}
        runtime = runtime.get("name")
    if runtime != "python":
        raise UsageError(f"{path} has runtime {runtime!r}; `preflight check` runs Python programs only. For other "
                         f"languages run `pulumi preview --policy-pack <preflight>/policypack` with the Pulumi CLI")
    main = doc.get("main") or "."
    main_path = os.path.normpath(os.path.join(directory, str(main)))
    if os.path.isdir(main_path):
        if not os.path.isfile(os.path.join(main_path, "__main__.py")):
            raise UsageError(f"the program folder {main_path} (Pulumi.yaml main) has no __main__.py; add one "
                             f"or point main at the program file")
    elif not os.path.isfile(main_path):
        raise UsageError(f"the program {main_path} named by Pulumi.yaml main does not exist; fix `main:`")
    python = sys.executable
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if venv:
        venv_dir = venv if os.path.isabs(venv) else os.path.join(directory, venv)
        candidates = [os.path.join(venv_dir, "bin", "python"), os.path.join(venv_dir, "Scripts", "python.exe")]
        python = next((c for c in candidates if os.path.exists(c)), "")
        if not python:
            raise UsageError(f"the project's virtualenv {venv_dir} (Pulumi.yaml runtime.options.virtualenv) does not "
                             f"exist; create it: python -m venv {venv_dir} && {venv_dir}/bin/pip install -r "
                             f"requirements.txt")
    defaults = {}
    for key, spec in (doc.get("config") or {}).items():
        value = spec.get("default", spec.get("value")) if isinstance(spec, dict) else spec
        if value is not None:
            defaults[_qualify(str(key), doc["name"])] = value
    return Project(directory, doc["name"], "python", main_path, python, defaults)


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _as_config_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def load_stack(project: Project, stack: str) -> StackConfig:
    if not stack or not stack.strip("/").split("/")[-1]:
        raise UsageError("--stack needs a stack name, e.g. --stack prod")
    short = stack.rsplit("/", 1)[-1]
    path = next((os.path.join(project.directory, f"Pulumi.{short}.{ext}") for ext in ("yaml", "yml")
                 if os.path.isfile(os.path.join(project.directory, f"Pulumi.{short}.{ext}"))), None)
    if path is None:
        present = sorted(n[len("Pulumi."):-len(".yaml")] for n in os.listdir(project.directory)
                         if n.startswith("Pulumi.") and n.endswith(".yaml") and n != "Pulumi.yaml")
        hint = f" (stacks here: {', '.join(present)})" if present else ""
        raise UsageError(f"no stack config Pulumi.{short}.yaml in {project.directory}{hint}; create it with "
                         f"`pulumi stack init {short}` or pass an existing --stack")
    doc = _load_yaml(path, "stack config") or {}
    if not isinstance(doc, dict):
        raise UsageError(f"{path} must be a mapping with a `config:` section")
    raw = doc.get("config") or {}
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: `config:` must be a mapping of keys to values")
    config: Dict[str, str] = {k: _as_config_string(v) for k, v in project.config_defaults.items()}
    secret_keys: List[str] = []
    for key, value in raw.items():
        qualified = _qualify(str(key), project.name)
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[qualified] = SECRET_PLACEHOLDER
            secret_keys.append(qualified)
        else:
            config[qualified] = _as_config_string(_strip_secure(value, qualified, secret_keys))
    return StackConfig(short, config, sorted(set(secret_keys)), path)


def _strip_secure(value: Any, key: str, secret_keys: List[str]) -> Any:
    """Nested `secure:` values inside structured config are opaque too; the key becomes secret."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            secret_keys.append(key)
            return SECRET_PLACEHOLDER
        return {k: _strip_secure(v, key, secret_keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_secure(v, key, secret_keys) for v in value]
    return value
