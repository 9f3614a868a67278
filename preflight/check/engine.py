"""Record a program's resources: run it (in its own interpreter and process group) on the offline engine.

The result is what the Pulumi engine would send to an analyzer during `pulumi preview`: each
resource's type, name, URN, checked inputs (unknowns as the engine's sentinel), parent,
dependencies, property dependencies and options, with its provider resolved (explicit provider
resources, or the default provider configured from the stack's `aws:` config). Plus what the offline
engine could not see: remote components, stack references it had no outputs for, invokes it could
not answer.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from ..errors import UsageError
from .project import Project, StackConfig

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runner.py")
DEFAULT_TIMEOUT = 300.0
SLOW_NOTICE = 30.0

# Never handed to the program: cloud credentials, Pulumi tokens, anything that looks like a secret.
_DROP_PREFIXES = ("AWS_", "AMAZON_", "PULUMI_", "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "AZURE_", "ARM_",
                  "DIGITALOCEAN_", "ALIBABA_CLOUD_", "ALICLOUD_", "OCI_", "TF_VAR_", "ACTIONS_ID_TOKEN_")
_DROP_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSPHRASE", "CREDENTIAL", "API_KEY", "APIKEY", "ACCESS_KEY",
               "PRIVATE_KEY", "AUTH")
_KEEP = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TEMP", "TMP", "USER", "LOGNAME", "SHELL",
         "TERM", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "SYSTEMROOT", "COMSPEC", "PATHEXT"}


class ProgramFailed(Exception):
    """The program did not finish on the offline engine. `origin` says whose fault it was:
    "program" (its own code raised: it fails the same way under `pulumi preview`), "library" (a
    library it called raised), "engine" (the offline engine could not model something), "timeout"."""

    def __init__(self, details: str, origin: str = "program", hint: str = ""):
        super().__init__(details)
        self.details = details
        self.origin = origin
        self.hint = hint


@dataclass
class Recording:
    resources: List[Dict[str, Any]]
    warnings: List[str] = field(default_factory=list)
    account: str = ""
    region: str = ""
    remote_components: List[Dict[str, Any]] = field(default_factory=list)
    stack_references: List[Dict[str, Any]] = field(default_factory=list)
    invokes: Dict[str, Any] = field(default_factory=dict)
    exited: Optional[Any] = None
    stack_outputs_used: List[str] = field(default_factory=list)


def program_environment(base: Mapping[str, str]) -> Dict[str, str]:
    """The caller's environment without credentials or tokens, and with AWS's SDKs pointed at nothing."""
    env = {}
    for key, value in base.items():
        upper = key.upper()
        if upper not in _KEEP and (upper.startswith(_DROP_PREFIXES) or any(w in upper for w in _DROP_WORDS)):
            continue
        env[key] = value
    env.update({
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def load_stack_outputs(path: Optional[str]) -> Dict[str, Dict[str, Any]]:
    """--stack-outputs FILE: {"org/project/stack": {"output": value, ...}, ...}. A stack's entry may also be
    {"outputs": {...}, "secretOutputNames": [...]} to mark some outputs secret."""
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        raise UsageError(f"cannot read --stack-outputs {path}: {e.strerror}") from None
    except ValueError as e:
        raise UsageError(f"--stack-outputs {path} is not valid JSON ({e}); give an object of stack names to their "
                         f"outputs, e.g. {{\"acme/network/prod\": {{\"vpcId\": \"vpc-0abc\"}}}}") from None
    if not isinstance(doc, dict) or not all(isinstance(v, dict) for v in doc.values()):
        raise UsageError(f"--stack-outputs {path} must be an object of stack names to objects of outputs, e.g. "
                         f"{{\"acme/network/prod\": {{\"vpcId\": \"vpc-0abc\"}}}}")
    out: Dict[str, Dict[str, Any]] = {}
    for name, entry in doc.items():
        if set(entry) <= {"outputs", "secretOutputNames"} and isinstance(entry.get("outputs"), dict):
            secret = entry.get("secretOutputNames") or []
            if not isinstance(secret, list) or not all(isinstance(s, str) for s in secret):
                raise UsageError(f"--stack-outputs {path}: {name}.secretOutputNames must be a list of output names")
            out[name] = {"outputs": entry["outputs"], "secretOutputNames": sorted(set(secret))}
        else:
            out[name] = {"outputs": entry, "secretOutputNames": []}
    return out


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        if proc.poll() is not None:
            # The leader is gone; any child left in the group is ended below.
            pass
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _redact(text: str, plaintexts: List[str]) -> str:
    for p in sorted(plaintexts, key=len, reverse=True):
        if p and len(p) >= 3:
            text = text.replace(p, "[secret]")
    return text


def record(project: Project, stack: StackConfig, organization: str = "organization",
           timeout: float = DEFAULT_TIMEOUT, stack_outputs: Optional[Dict[str, Dict[str, Any]]] = None,
           notice=None, while_running=None) -> Recording:
    """Run the program; `notice(text)` is called once if it runs longer than SLOW_NOTICE seconds, and
    `while_running()` once, as soon as the program's process has started (work that can overlap with it)."""
    with tempfile.TemporaryDirectory(prefix="preflight-") as tmp:
        input_path = os.path.join(tmp, "input.json")
        out_path = os.path.join(tmp, "recording.json")
        fd = os.open(input_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"config": stack.program_config or stack.config, "secretKeys": stack.secret_keys,
                       "unknownSecretKeys": stack.unknown_secret_keys, "stackOutputs": stack_outputs or {}}, f)
        cmd = [project.python, RUNNER, "--program", project.main, "--project", project.name,
               "--stack", stack.name, "--organization", organization, "--input", input_path,
               "--out", out_path, "--root-directory", project.directory]
        stdout_path = os.path.join(tmp, "stdout")
        stderr_path = os.path.join(tmp, "stderr")
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            try:
                proc = subprocess.Popen(cmd, cwd=project.directory, env=program_environment(os.environ),
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
            except OSError as e:
                raise UsageError(f"cannot run the program's interpreter {project.python}: {e.strerror}; fix the "
                                 f"project's virtualenv or toolchain") from None
            started = time.monotonic()
            noticed = False
            try:
                if while_running is not None:
                    while_running()
                while True:
                    try:
                        proc.wait(timeout=0.5)
                        break
                    except subprocess.TimeoutExpired:
                        elapsed = time.monotonic() - started
                        if elapsed > timeout:
                            raise ProgramFailed(
                                f"the program did not finish within {int(timeout)} seconds on the offline engine",
                                origin="timeout",
                                hint="If it waits on something outside the program (a network call, input), remove "
                                     "that; if it is just large, raise --timeout.") from None
                        if not noticed and elapsed > SLOW_NOTICE and notice is not None:
                            noticed = True
                            notice(f"the program is still running after {int(SLOW_NOTICE)}s (limit: --timeout "
                                   f"{int(timeout)}s)")
            finally:
                _kill_group(proc)  # the program's own background children too
        with open(stdout_path, encoding="utf-8", errors="replace") as f:
            printed = f.read()
        with open(stderr_path, encoding="utf-8", errors="replace") as f:
            errors = f.read()
        if not os.path.exists(out_path):
            output = _redact((errors or printed or "").strip(), stack.plaintexts)
            if "No module named 'pulumi'" in output:
                raise ProgramFailed(output[-4000:], origin="engine",
                                    hint=f"The interpreter {project.python} has no Pulumi SDK; install the project's "
                                         f"requirements.txt into it.")
            raise ProgramFailed(output[-4000:] or f"the program runner exited with status {proc.returncode}",
                                origin="program" if proc.returncode not in (0, None) else "engine")
        with open(out_path, encoding="utf-8") as f:
            result = json.load(f)
    plaintexts = stack.plaintexts
    if result.get("error"):
        err = result["error"]
        details = err.get("traceback") or f"{err.get('type')}: {err.get('message')}"
        if printed.strip():
            details = f"{details.rstrip()}\n\nThe program printed:\n{printed.strip()[-4000:]}"
        origin = err.get("origin", "program")
        hint = ""
        if err.get("type") in ("ConfigMissingError", "ConfigTypeError") and err.get("module", "").startswith("pulumi"):
            origin = "program"  # `pulumi preview` stops on the same missing or malformed config
            hint = " Set it with `pulumi config set` for this stack (in Pulumi.<stack>.yaml)."
        elif err.get("type") == "ModuleNotFoundError":
            origin = "engine"
            hint = (f"The program imports a module its interpreter ({project.python}) does not have: "
                    f"{err.get('message')}. Install the project's requirements into it (`pip install -r "
                    f"requirements.txt`), or point Pulumi.yaml's runtime.options.virtualenv at the project's "
                    f"virtualenv.")
        elif (os.path.realpath(project.python) == os.path.realpath(sys.executable)
              and err.get("type") in ("AttributeError", "ImportError", "TypeError")
              and "pulumi" in err.get("message", "")):
            # Preflight's own interpreter may carry other SDK versions than the project pins.
            origin = "library"
            hint = (f"The program ran on Preflight's interpreter ({_sdk_versions()}); if the project pins other "
                    f"versions (requirements.txt), this error may come from that difference: create the project's "
                    f"virtualenv and name it in Pulumi.yaml (runtime.options.virtualenv).")
        elif err.get("module", "").startswith(("botocore", "boto3")):
            origin = "library"
            hint = ("The program calls AWS itself (boto3); check runs it without credentials and without network "
                    "access to AWS, so such calls fail here but not under `pulumi preview`. Move the call into "
                    "an `apply`, or pass the value as stack config.")
        raise ProgramFailed(_redact(details.rstrip(), plaintexts), origin=origin,
                            hint=_redact(hint, plaintexts) + _offline_note(result))
    warnings = [_redact(w, plaintexts) for w in result.get("warnings", [])]
    warnings = _engine_warnings(result, stack) + warnings
    resources = _resolve_providers(result["resources"], stack, project)
    return Recording(resources, warnings, result.get("account", ""), result.get("region", ""),
                     result.get("remoteComponents", []), result.get("stackReferences", []),
                     result.get("invokes", {}), result.get("exited"), result.get("stackOutputsUsed", []))


def _sdk_versions() -> str:
    from importlib import metadata
    out = []
    for name in ("pulumi", "pulumi-aws", "pulumi-awsx", "pulumi-eks"):
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(out)


def _offline_note(result: Dict[str, Any]) -> str:
    """What the offline engine answered without knowing, which may be why the program failed."""
    parts = []
    inv = result.get("invokes") or {}
    guessed = sorted(set(inv.get("unknown", {})) | set(inv.get("placeholders", {})))
    if guessed:
        parts.append("invokes it could not answer (" + ", ".join(guessed) + ")")
    refs = [r["name"] for r in result.get("stackReferences", []) if r.get("answered") == "unknown"]
    if refs:
        parts.append("stack references with unknown outputs (" + ", ".join(sorted(set(refs))) + "; give them with "
                     "--stack-outputs)")
    if not parts:
        return ""
    return " This run had " + " and ".join(parts) + "."


def _engine_warnings(result: Dict[str, Any], stack: StackConfig) -> List[str]:
    out = list(stack.notes)
    inv = result.get("invokes") or {}
    if inv.get("unknown"):
        out.append("the offline engine cannot answer these invokes, so their results are unknown (as in a preview "
                   "that cannot resolve them): " + ", ".join(sorted(inv["unknown"])))
    if inv.get("placeholders"):
        out.append("these invokes are called in plain form, which cannot be unknown in Python; the offline engine "
                   "answered them with placeholder values shaped like the provider's result: "
                   + ", ".join(sorted(inv["placeholders"])))
    unanswered = sorted({r["name"] for r in result.get("stackReferences", []) if r.get("answered") == "unknown"})
    if unanswered:
        out.append("stack references with unknown outputs (a preview reads them from the backend; give them with "
                   "--stack-outputs FILE): " + ", ".join(unanswered))
    reads = result.get("reads") or []
    if reads:
        out.append("resources read with .get() have unknown outputs offline (a preview reads them from AWS): "
                   + ", ".join(sorted({f"{r['type']} {r['id']}" for r in reads})))
    if result.get("calls"):
        out.append("methods of components run in the component's plugin, so their results are unknown offline: "
                   + ", ".join(result["calls"]))
    if result.get("exited") == 0:
        out.append("the program called sys.exit(0); only what it registered before that was checked (`pulumi "
                   "preview` stops there too)")
    return out


def _provider_props(stack: StackConfig, package: str) -> Dict[str, Any]:
    """A default provider's inputs: the stack's `<package>:` config values, as strings (structured values
    stay JSON text), which is how the engine configures default providers."""
    prefix = f"{package}:"
    return {key[len(prefix):]: value for key, value in stack.config.items() if key.startswith(prefix)}


def default_provider_name(version: str, download_url: str = "") -> str:
    """The engine's name for a default provider (providers.ProviderRequest.DefaultName): `default`, then
    `_<major>_<minor>_<patch>` and one `_<part>` per pre-release and build part of the version the
    registration asked for (pulumi_aws 7.51.1 -> default_7_51_1), then `_<url as a QName>`."""
    name = "default"
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?", version or "")
    if match:
        name += "_%d_%d_%d" % tuple(int(g) for g in match.groups()[:3])
        for part in (match.group(4) or "").split(".") + (match.group(5) or "").split("."):
            if part:
                name += "_" + part
    if download_url:
        name += "_" + re.sub(r"[^A-Za-z0-9_.]", "_", download_url)
    return name


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
        key = (package, r.get("version") or "", r.get("pluginDownloadURL") or "")
        if key not in defaults:
            name = default_provider_name(key[1], key[2])
            defaults[key] = {
                "type": f"pulumi:providers:{package}", "name": name,
                "urn": f"urn:pulumi:{stack.name}::{project.name}::pulumi:providers:{package}::{name}",
                "props": _provider_props(stack, package),
            }
        r["providerResource"] = defaults[key]
    return resources
