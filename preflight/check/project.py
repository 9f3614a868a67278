"""Reading a Pulumi project (Pulumi.yaml) and a stack's config (Pulumi.<stack>.yaml) as the CLI does."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List

import yaml

from ..errors import UsageError
from .secrets import DecryptError, PassphraseCrypter, passphrase_from_env

SECRET_PLACEHOLDER = "[secret]"  # what the policy pack sees for a secret; the program never gets it


@dataclass
class Project:
    directory: str
    name: str
    runtime: str
    main: str  # absolute path of the program (file or directory)
    python: str  # the interpreter that runs the program
    config_defaults: Dict[str, Any] = field(default_factory=dict)
    toolchain: str = "pip"
    notes: List[str] = field(default_factory=list)  # warnings about how the program is run


@dataclass
class StackConfig:
    name: str
    config: Dict[str, str]  # "namespace:key" -> string value, as PULUMI_CONFIG carries it (secrets: placeholder)
    secret_keys: List[str]
    path: str
    program_config: Dict[str, str] = field(default_factory=dict)  # what the program gets (decrypted secrets)
    unknown_secret_keys: List[str] = field(default_factory=list)  # secrets that could not be decrypted
    plaintexts: List[str] = field(default_factory=list)  # decrypted values, to keep them out of every output
    notes: List[str] = field(default_factory=list)


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
    toolchain = str((options or {}).get("toolchain") or "pip") if isinstance(options, dict) else "pip"
    python, notes = _interpreter(directory, path, options if isinstance(options, dict) else {}, toolchain)
    defaults = {}
    for key, spec in (doc.get("config") or {}).items():
        value = spec.get("default", spec.get("value")) if isinstance(spec, dict) else spec
        if value is not None:
            defaults[_qualify(str(key), doc["name"])] = value
    return Project(directory, doc["name"], "python", main_path, python, defaults, toolchain, notes)


def _venv_python(venv_dir: str) -> str:
    candidates = [os.path.join(venv_dir, "bin", "python"), os.path.join(venv_dir, "Scripts", "python.exe")]
    return next((c for c in candidates if os.path.exists(c)), "")


def _interpreter(directory: str, path: str, options: Dict[str, Any], toolchain: str):
    """The interpreter the Python language host would run the program with, per Pulumi.yaml's toolchain.

    pip: `virtualenv` when set (a missing one falls back to Preflight's own interpreter, with a
    warning: the language host would create it, which needs the network); poetry: `poetry env info
    --executable`; uv: the `virtualenv` option or `.venv`, as `uv sync` makes it."""
    venv = options.get("virtualenv")
    if toolchain not in ("pip", "poetry", "uv"):
        raise UsageError(f"{path} sets runtime.options.toolchain {toolchain!r}; Pulumi knows pip, poetry and uv")
    if toolchain == "pip":
        if not venv:
            return sys.executable, []
        venv_dir = venv if os.path.isabs(venv) else os.path.join(directory, venv)
        python = _venv_python(venv_dir)
        if python:
            return python, []
        return sys.executable, [
            f"the project's virtualenv {venv} (Pulumi.yaml runtime.options.virtualenv) does not exist, so the program "
            f"ran on Preflight's own interpreter ({sys.executable}); create it to check with the project's own "
            f"packages: python -m venv {venv_dir} && {venv_dir}/bin/pip install -r requirements.txt"]
    tool = shutil.which(toolchain)
    if toolchain == "uv":
        venv_dir = venv if venv and os.path.isabs(venv) else os.path.join(directory, venv or ".venv")
        python = _venv_python(venv_dir)
        if python:
            return python, []
        if not tool:
            raise UsageError(f"{path} sets toolchain: uv, but uv is not installed and {venv_dir} does not exist; "
                             f"install uv (https://docs.astral.sh/uv/) and run `uv sync` in {directory}")
        raise UsageError(f"{path} sets toolchain: uv and {venv_dir} does not exist; run `uv sync` in {directory} "
                         f"(check never installs packages)")
    # poetry
    if tool:
        try:
            proc = subprocess.run([tool, "env", "info", "--executable"], cwd=directory, capture_output=True,
                                  text=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise UsageError(f"`poetry env info --executable` failed in {directory} ({e}); run `poetry install` "
                             f"there first") from None
        python = proc.stdout.strip().splitlines()[-1] if proc.returncode == 0 and proc.stdout.strip() else ""
        if python and os.path.exists(python):
            return python, []
        raise UsageError(f"{path} sets toolchain: poetry and poetry has no environment for {directory}; run "
                         f"`poetry install` there first")
    python = _venv_python(os.path.join(directory, ".venv"))
    if python:
        return python, []
    raise UsageError(f"{path} sets toolchain: poetry, but poetry is not installed; install it (pipx install "
                     f"poetry) and run `poetry install` in {directory}")


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
        hint = f" (stack files here: {', '.join(present)})" if present else ""
        # A stack without a file has an empty config (`pulumi stack init` writes none); judge it so.
        config = {k: _as_config_string(v) for k, v in project.config_defaults.items()}
        note = (f"no stack config Pulumi.{short}.yaml in {project.directory}{hint}: the program ran with an empty "
                f"stack config, as a stack just made with `pulumi stack init {short}` has; check --stack if you "
                f"meant another stack")
        return StackConfig(short, config, [], "", dict(config), [], [], [note])
    doc = _load_yaml(path, "stack config") or {}
    if not isinstance(doc, dict):
        raise UsageError(f"{path} must be a mapping with a `config:` section")
    raw = doc.get("config") or {}
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: `config:` must be a mapping of keys to values")
    config: Dict[str, str] = {k: _as_config_string(v) for k, v in project.config_defaults.items()}
    program_config: Dict[str, str] = dict(config)
    secret_keys: List[str] = []
    unknown: List[str] = []
    plaintexts: List[str] = []
    notes: List[str] = []
    crypter = _crypter(doc, path, raw, notes)

    def reveal(value: Any, key: str) -> Any:
        """The value with each `secure:` leaf decrypted; raises _Undecryptable when it cannot be."""
        if isinstance(value, dict):
            if set(value) == {"secure"}:
                if crypter is None:
                    raise _Undecryptable()
                try:
                    plain = crypter.decrypt(str(value["secure"]))
                except DecryptError as e:
                    raise UsageError(f"{path}: the secret {key} cannot be decrypted ({e}); set it again with "
                                     f"`pulumi config set --secret {key.split(':', 1)[1]} ...`") from None
                plaintexts.append(plain)
                return plain
            return {k: reveal(v, key) for k, v in value.items()}
        if isinstance(value, list):
            return [reveal(v, key) for v in value]
        return value

    for key, value in raw.items():
        qualified = _qualify(str(key), project.name)
        has_secret = _has_secure(value)
        if has_secret:
            secret_keys.append(qualified)
            config[qualified] = SECRET_PLACEHOLDER
            try:
                revealed = reveal(value, qualified)
            except _Undecryptable:
                unknown.append(qualified)
                program_config[qualified] = SECRET_PLACEHOLDER
                continue
            program_config[qualified] = revealed if isinstance(revealed, str) else _as_config_string(revealed)
        else:
            config[qualified] = program_config[qualified] = _as_config_string(value)
    return StackConfig(short, config, sorted(set(secret_keys)), path, program_config, sorted(set(unknown)),
                       [p for p in plaintexts if p], notes)


class _Undecryptable(Exception):
    pass


def _has_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _crypter(doc: Dict[str, Any], path: str, raw: Dict[str, Any], notes: List[str]):
    """The passphrase crypter when the stack uses one and a passphrase is given; else None (secrets unknown)."""
    if not any(_has_secure(v) for v in raw.values()):
        return None
    salt = doc.get("encryptionsalt")
    provider = doc.get("secretsprovider")
    name = os.path.basename(path)
    if not salt:
        how = f"secrets provider {provider}" if provider else "the Pulumi Cloud secrets manager"
        notes.append(f"{name} encrypts its secrets with {how}, which check cannot decrypt offline: the program got "
                     f"each secret as an unknown value, as in a preview that cannot read it")
        return None
    passphrase = passphrase_from_env(os.environ)
    if passphrase is None:
        notes.append(f"{name} has passphrase-encrypted secrets and neither PULUMI_CONFIG_PASSPHRASE nor "
                     f"PULUMI_CONFIG_PASSPHRASE_FILE is set: the program got each secret as an unknown value; set one "
                     f"to check with the real values")
        return None
    return PassphraseCrypter.from_state(passphrase, str(salt), path)
